"""
===========================================================
Learning from the rejected rows too: the Pi-model (stage 2)
===========================================================

A label filter throws information away: the images whose labels it rejected
still show digits. The second stage of Ding et al.'s two-stage approach (WACV
2018) keeps them as *unlabelled* rows and trains a network semi-supervised,
with the Pi-model of Laine & Aila (ICLR 2017): cross-entropy on the labelled
rows plus a consistency term that asks the network to give the same answer
for two noisy views of every row. This example hides the untrusted labels of
scikit-learn's digits (70% of them wrong) with
:class:`~skclean.filters.ConfidenceRankFilter` in ``mode="unlabel"``, trains
:class:`~skclean.nets.PiModelClassifier` on the result, and follows its
accuracy epoch by epoch on a held-out part of the *noisy* training data,
against the same network trained supervised by
:class:`~skclean.nets.CNNClassifier`. The clean test set is read once, at the
end: a curve drawn on test labels invites choosing the epoch or the settings
from them, which makes the test score optimistic.
"""

# %%
# Hold out a validation split of the noisy training data
# ------------------------------------------------------
# A fifth of the training rows, with their noisy labels, is kept aside to
# watch training; neither the filter nor the networks see them.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import train_test_split
from skorch.callbacks import Callback

from skclean.datasets import load_noisy_dataset
from skclean.filters import ConfidenceRankFilter
from skclean.metrics import labeled_accuracy_score
from skclean.nets import MLP, CNNClassifier, PiModelClassifier

data = load_noisy_dataset("digits", kind="symmetric", rate=0.7, random_state=0)
print(f"{data.noisy_mask.mean():.0%} of {len(data.y_train)} training labels are wrong")
X, X_val, y_noisy, y_val, clean, _ = train_test_split(
    data.X_train,
    data.y_train,
    data.y_train_clean,
    test_size=0.2,
    stratify=data.y_train,
    random_state=0,
)

# %%
# Hide the labels the filter does not trust
# -----------------------------------------
# In ``mode="unlabel"`` the filter returns every row and sets the rejected
# labels to -1, scikit-learn's mark of an unlabelled row.
stage1 = ConfidenceRankFilter(mode="unlabel", random_state=0)
_, y_partial = stage1.fit_resample(X, y_noisy)
labelled = y_partial != -1
right = y_partial[labelled] == clean[labelled]
print(f"{labelled.sum()} labels kept, {right.mean():.0%} of them right")
print(f"{np.sum(~labelled)} rows unlabelled")


# %%
# Follow the accuracy on the noisy validation split
# -------------------------------------------------
# A small skorch callback scores the network on the held-out rows after each
# epoch and records it in ``history_``.
# :func:`~skclean.metrics.labeled_accuracy_score` leaves out rows labelled -1,
# so the same callback also works on a validation split taken *after* a filter
# in ``mode="unlabel"``. skorch's ``train_split`` does the same job inside
# ``fit`` and records ``valid_acc``; for
# :class:`~skclean.nets.PiModelClassifier`,
# :class:`~skclean.nets.LabeledValidSplit` holds out labelled rows only and
# keeps every unlabelled row in training.
class NoisyValidationAccuracy(Callback):
    """Record the accuracy on held-out noisy labels after every epoch."""

    def __init__(self, X, y):
        self.X = X
        self.y = y

    def on_epoch_end(self, net, **kwargs):
        accuracy = labeled_accuracy_score(self.y, net.predict(self.X))
        net.history.record("noisy_valid_acc", accuracy)


# %%
# Three ways to train the same network
# ------------------------------------
# The network is the two-stage paper's fully connected :class:`~skclean.nets.MLP`
# (two hidden layers of 128 units, dropout 0.2), sized here for 8x8 images.
#
# - supervised on all the noisy labels;
# - supervised on the kept labels only (the filter in ``mode="drop"``);
# - the Pi-model on every row, the kept labels and the unlabelled rest.
#
# ``ensemble="pi"`` asks for the Pi-model (the default is virtual
# adversarial training). The consistency weight ramps up over the first 10 epochs
# (``rampup_epochs``); the inputs get Gaussian noise of ``noise_std``.
common = dict(module=MLP, lr=3e-3, max_epochs=60, random_state=0)


def callbacks():
    return [("noisy_valid_acc", NoisyValidationAccuracy(X_val, y_val))]


models = {
    "supervised, all noisy labels": (
        CNNClassifier(callbacks=callbacks(), **common),
        X,
        y_noisy,
    ),
    "supervised, kept labels only": (
        CNNClassifier(batch_size=64, callbacks=callbacks(), **common),
        X[labelled],
        y_partial[labelled],
    ),
    "Pi-model, kept labels + unlabelled rows": (
        PiModelClassifier(
            callbacks=callbacks(), ensemble="pi", rampup_epochs=10, **common
        ),
        X,
        y_partial,
    ),
}
for model, X_fit, y_fit in models.values():
    model.fit(X_fit, y_fit)

# %%
# Learning curves on noisy labels
# -------------------------------
# With 70% symmetric noise on ten classes, a prediction that is right matches
# the noisy label 30% of the time and a wrong one 7.8% of the time, so the
# noisy accuracy is low, but it rises and falls with the clean accuracy and
# ranks the models in the same order (:ref:`pipelines` derives this). Under
# asymmetric noise it does not.
fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
for name, (model, _, _) in models.items():
    ax.plot(model.history_[:, "noisy_valid_acc"], label=name)
ax.axhline(
    0.3, color="gray", linestyle=":", label="expected if every prediction were right"
)
ax.set(xlabel="epoch", ylabel="accuracy on noisy validation labels", ylim=(0, 0.4))
ax.legend(loc="lower right")
plt.show()

# %%
# The clean test set, once
# ------------------------
# After training, and with nothing chosen any more, each model is scored once
# on the clean test labels.
for name, (model, _, _) in models.items():
    accuracy = model.score(data.X_test, data.y_test)
    print(f"{name:42s} clean test accuracy {accuracy:.3f}")

# %%
# Read the curves with the numbers printed above, which this run produced.
# Trained on all labels, the network learns the digits first and the wrong
# labels later, so its accuracy may peak and then fall back. Trained on the
# kept labels only, it has few images to learn from. The Pi-model learns from
# the same few labels and from the unlabelled images, whose consistency term
# shapes the network from the first epochs on.
#
# Where the Pi-model still errs
# -----------------------------
pi_model = models["Pi-model, kept labels + unlabelled rows"][0]
ConfusionMatrixDisplay.from_estimator(
    pi_model,
    data.X_test,
    data.y_test,
    normalize="true",
    values_format=".2f",
    colorbar=False,
)
plt.title("Pi-model, clean test labels")
plt.show()
