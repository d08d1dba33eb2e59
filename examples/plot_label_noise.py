"""
===================================
Simulated label noise, kind by kind
===================================

Papers on noisy labels do not agree on what "40% symmetric noise" means.
:func:`~skclean.noise.flip_labels` names each convention and draws noisy labels
from the noise transition matrix ``T`` that
:func:`~skclean.noise.transition_matrix` returns, where ``T[i, j]`` is the
probability that a sample of class ``i`` is given label ``j``. This example
draws the matrix of every kind for the ten digit classes, then checks that the
fraction of wrong labels that :func:`~skclean.noise.flip_labels` produces is
the one the matrix promises.
"""

# %%
# The transition matrix of each kind
# ----------------------------------
# With ten classes and a noise rate of 0.4:
#
# - ``"symmetric"`` moves 40% of each class to the *other* nine classes, 4.4%
#   to each (Co-teaching, Patrini et al.);
# - ``"uniform"`` redraws 40% of the labels from *all* ten classes, so 4% of
#   them get their own class back and only 36% end up wrong (Laine & Aila,
#   DivideMix);
# - ``"pairflip"`` moves 40% of class ``i`` to class ``i + 1``;
# - ``"asymmetric"`` moves 40% of a few source classes to one look-alike class
#   each: Ding et al.'s pairs ``"ding2018"`` (2->7, 3->8, 5->6, 7->1) or
#   Patrini et al.'s ``"patrini2017"`` (the same with 6->5 too).
import matplotlib.pyplot as plt
import numpy as np

from skclean.noise import flip_labels, transition_matrix

n_classes, rate = 10, 0.4
settings = {
    "symmetric": dict(kind="symmetric"),
    "uniform": dict(kind="uniform"),
    "pairflip": dict(kind="pairflip"),
    'asymmetric, "ding2018"': dict(kind="asymmetric", pairs="ding2018"),
    'asymmetric, "patrini2017"': dict(kind="asymmetric", pairs="patrini2017"),
}
matrices = {
    name: transition_matrix(n_classes, rate=rate, **kwargs)
    for name, kwargs in settings.items()
}

fig, axes = plt.subplots(2, 3, figsize=(11, 7.5), layout="constrained")
for ax, (name, T) in zip(axes.flat, matrices.items()):
    image = ax.imshow(T, vmin=0, vmax=1, cmap="viridis")
    ax.set_title(name)
    ax.set_xlabel("given label j")
    ax.set_ylabel("true class i")
    ax.set_xticks(range(n_classes))
    ax.set_yticks(range(n_classes))
axes.flat[-1].axis("off")
fig.colorbar(image, ax=axes, shrink=0.6, label="T[i, j]")
fig.suptitle(f"Noise transition matrices, rate={rate}")
plt.show()

# %%
# Expected and achieved fraction of wrong labels
# ----------------------------------------------
# The expected fraction of wrong labels is ``sum_i p_i (1 - T[i, i])`` for
# class frequencies ``p_i``. We draw noisy labels for 50,000 balanced samples
# and count how many differ from the clean ones.
y = np.repeat(np.arange(n_classes), 5_000)
print(f"{'kind':27s} {'expected':>8s} {'achieved':>8s}")
for name, kwargs in settings.items():
    expected = np.mean(1 - np.diag(matrices[name]))
    achieved = np.mean(flip_labels(y, rate=rate, random_state=0, **kwargs) != y)
    print(f"{name:27s} {expected:8.3f} {achieved:8.3f}")

# %%
# Under ``"symmetric"`` noise the rate *is* the fraction of wrong labels; under
# ``"uniform"`` noise that fraction is ``rate * (K - 1) / K``. Sweeping the
# rate shows the two conventions side by side, each point a fresh draw.
rates = np.linspace(0, 1, 11)
fig, ax = plt.subplots(figsize=(5.5, 4.5), layout="constrained")
for kind, marker in [("symmetric", "o"), ("uniform", "s")]:
    achieved = [
        np.mean(flip_labels(y, kind=kind, rate=r, random_state=0) != y) for r in rates
    ]
    ax.plot(rates, achieved, marker, label=f'achieved, kind="{kind}"')
ax.plot(rates, rates, "k-", lw=1, label="expected: rate")
ax.plot(
    rates,
    rates * (n_classes - 1) / n_classes,
    "k--",
    lw=1,
    label="expected: rate * (K - 1) / K",
)
ax.set_xlabel("rate")
ax.set_ylabel("fraction of wrong labels")
ax.legend()
plt.show()

# %%
# The empirical transition matrix
# -------------------------------
# Counting (clean label, noisy label) pairs recovers the matrix the labels were
# drawn from. Here for Patrini et al.'s pairs on scikit-learn's digits, whose
# classes are not perfectly balanced; only the rows of the source classes 2, 3,
# 5, 6 and 7 differ from the identity.
from sklearn.datasets import load_digits
from sklearn.metrics import confusion_matrix

y_digits = load_digits().target
y_noisy = flip_labels(
    y_digits, kind="asymmetric", rate=rate, pairs="patrini2017", random_state=0
)
T_hat = confusion_matrix(y_digits, y_noisy, normalize="true")
print(np.round(T_hat[[2, 3, 5, 6, 7]], 2))
