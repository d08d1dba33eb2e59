"""
============================================================
Keeping the labels a classifier trusts (Ding et al. stage 1)
============================================================

The first stage of Ding et al.'s two-stage approach (WACV 2018) keeps a small
set of labels that are right with high probability and ignores the others. A
classifier trained on the noisy labels predicts class probabilities;
:class:`~skclean.filters.ConfidenceRankFilter` rejects the labels it disagrees
with, ranks the rest of each class by ``P(label | x)``, keeps those above
``threshold``, and tops every class up to at least ``min_fraction`` of its
rows. This example runs it on 4,000 MNIST training images with 50% wrong
labels, shows kept and rejected images of each class, and measures with the
clean labels what ``threshold`` and ``min_fraction`` do.
"""

# %%
# Filter with the defaults
# ------------------------
# The default classifier is a logistic regression on 50 principal components;
# its probabilities are out-of-fold (``cv=5``), so no image is scored by a model
# that saw its label.
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from skclean.datasets import load_noisy_dataset
from skclean.exceptions import ClassRemovedWarning
from skclean.filters import ConfidenceRankFilter

data = load_noisy_dataset(
    "mnist", kind="symmetric", rate=0.5, n_train=4_000, random_state=0
)
X, y_noisy, y_clean = data.X_train, data.y_train, data.y_train_clean
correct = ~data.noisy_mask

confidence_filter = ConfidenceRankFilter(
    threshold=0.9, min_fraction=0.1, random_state=0
)
X_kept, y_kept = confidence_filter.fit_resample(X, y_noisy)
kept = confidence_filter.kept_mask_


def precision_recall(kept, correct):
    """Fraction of kept labels that are right; fraction of right labels kept."""
    return correct[kept].mean(), kept[correct].mean()


precision, recall = precision_recall(kept, correct)
print(f"kept {kept.sum()} of {len(kept)} labels ({kept.mean():.1%})")
print(f"right labels before filtering: {correct.mean():.1%}")
print(f"precision of the kept labels:  {precision:.1%}")
print(f"recall of the right labels:    {recall:.1%}")

# %%
# The report's ``estimated_noise_rate`` is the fraction of each class whose
# label the classifier disagrees with; the true rate is about 0.5 everywhere.
report = pd.DataFrame(confidence_filter.report_)
report["true_noise_rate"] = [1 - correct[y_noisy == c].mean() for c in report["class"]]
report["precision"] = [correct[kept & (y_noisy == c)].mean() for c in report["class"]]
print(report.round(3).to_string(index=False))

# %%
# Kept and rejected images of each class
# --------------------------------------
# As in Ding et al.'s Fig. 4: for each label, the kept images with the highest
# ``P(label | x)`` on the left and a random sample of the rejected ones on the
# right. The number above an image is its true class, red where the label is
# wrong. The kept images are typical, clearly written digits.
rng = np.random.RandomState(0)
n_each = 6
score = confidence_filter.y_proba_[np.arange(len(y_noisy)), y_noisy]
classes = confidence_filter.classes_
fig, axes = plt.subplots(
    len(classes), 2 * n_each, figsize=(2 * n_each * 0.75, len(classes) * 0.85)
)
for i, label in enumerate(classes):
    kept_rows = np.flatnonzero((y_noisy == label) & kept)
    kept_rows = kept_rows[np.argsort(-score[kept_rows])][:n_each]
    rejected_rows = rng.choice(
        np.flatnonzero((y_noisy == label) & ~kept), n_each, replace=False
    )
    for ax, r in zip(axes[i], np.concatenate([kept_rows, rejected_rows])):
        ax.imshow(X[r].reshape(28, 28), cmap="gray_r")
        wrong = y_clean[r] != y_noisy[r]
        ax.set_title(y_clean[r], fontsize=7, color="red" if wrong else "black", pad=1)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[i, 0].set_ylabel(f"label {label}", rotation=0, ha="right", va="center")
axes[0, n_each // 2].annotate(
    "kept (most confident)", (0.5, 1.6), xycoords="axes fraction", ha="center"
)
axes[0, n_each + n_each // 2].annotate(
    "rejected (random)", (0.5, 1.6), xycoords="axes fraction", ha="center"
)
fig.subplots_adjust(
    left=0.1, right=0.99, top=0.93, bottom=0.01, hspace=0.5, wspace=0.05
)
plt.show()

# %%
# What ``threshold`` and ``min_fraction`` do
# ------------------------------------------
# The probabilities do not depend on ``threshold`` or ``min_fraction``: compute
# them once (the filter keeps them in ``y_proba_``) and pass them back through
# the ``y_proba`` fit parameter, which trains nothing.
#
# Out-of-fold probabilities estimate ``P(noisy label | x)``; with half of the
# labels wrong, the largest of them is rarely above 0.5. Above that threshold
# almost nothing passes, and every class keeps its top ``min_fraction``: the
# most confident labels, which are also the most often right.
y_proba = confidence_filter.y_proba_
thresholds = np.linspace(0.1, 0.95, 18)
fig, (ax_p, ax_k) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
for min_fraction in [0.0, 0.1, 0.3]:
    curve = []
    for threshold in thresholds:
        sweep = ConfidenceRankFilter(threshold=threshold, min_fraction=min_fraction)
        with warnings.catch_warnings():
            # min_fraction=0 may empty a class; the curve shows it.
            warnings.simplefilter("ignore", ClassRemovedWarning)
            sweep.fit_resample(X, y_noisy, y_proba=y_proba)
        mask = sweep.kept_mask_
        curve.append((correct[mask].mean() if mask.any() else np.nan, mask.mean()))
    curve = np.array(curve)
    ax_p.plot(thresholds, curve[:, 0], marker=".", label=f"min_fraction={min_fraction}")
    ax_k.plot(thresholds, curve[:, 1], marker=".", label=f"min_fraction={min_fraction}")
ax_p.axhline(correct.mean(), color="gray", ls="--", lw=1, label="no filter")
ax_p.set(xlabel="threshold", ylabel="precision of the kept labels", ylim=(0.4, 1.02))
ax_k.set(xlabel="threshold", ylabel="fraction of labels kept", ylim=(0, 1))
ax_p.legend()
ax_k.legend()
plt.show()

# %%
# In-sample probabilities and the clean-set variant
# -------------------------------------------------
# ``cv=None`` is the paper's own pre-training: one model fit on all rows scores
# the same rows that it learned from. A flexible model (a network) fits some
# of the wrong labels then, and its probabilities are more confident than the
# out-of-fold ones. With a small trusted subset (here 3% of the rows, passed as
# ``clean_mask``) the filter follows the paper's clean-set variant: one binary
# classifier per class, trained on the clean rows, rejects the rows of its
# class that it classifies as negative; ``threshold`` is not used.
clean_mask = rng.rand(len(y_noisy)) < 0.03
y_trusted = np.where(
    clean_mask, y_clean, y_noisy
)  # trusted rows carry their true label
correct_trusted = y_trusted == y_clean

rows = [("cv=5 (default, above)", kept.mean(), precision, recall)]
for name, candidate, fit_params, y_fit, right in [
    (
        "cv=None (in-sample)",
        ConfidenceRankFilter(cv=None, random_state=0),
        {},
        y_noisy,
        correct,
    ),
    (
        "clean_mask (3% trusted)",
        ConfidenceRankFilter(random_state=0),
        {"clean_mask": clean_mask},
        y_trusted,
        correct_trusted,
    ),
]:
    candidate.fit_resample(X, y_fit, **fit_params)
    p, r = precision_recall(candidate.kept_mask_, right)
    rows.append((name, candidate.kept_mask_.mean(), p, r))
comparison = pd.DataFrame(
    rows, columns=["filter", "kept fraction", "precision", "recall"]
)
print(comparison.round(3).to_string(index=False))
