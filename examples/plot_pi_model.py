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
:class:`~skclean.nets.PiModelClassifier` on the result, and follows the clean
test accuracy epoch by epoch against the same network trained supervised by
:class:`~skclean.nets.CNNClassifier`.
"""

# %%
# Hide the labels the filter does not trust
# -----------------------------------------
# In ``mode="unlabel"`` the filter returns every row and sets the rejected
# labels to -1, scikit-learn's mark of an unlabelled row.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay
from skorch.callbacks import Callback

from skclean.datasets import load_noisy_dataset
from skclean.filters import ConfidenceRankFilter
from skclean.nets import MLP, CNNClassifier, PiModelClassifier

data = load_noisy_dataset("digits", kind="symmetric", rate=0.7, random_state=0)
X, y_noisy = data.X_train, data.y_train
print(f"{data.noisy_mask.mean():.0%} of {len(y_noisy)} training labels are wrong")

stage1 = ConfidenceRankFilter(mode="unlabel", random_state=0)
_, y_partial = stage1.fit_resample(X, y_noisy)
labelled = y_partial != -1
right = y_partial[labelled] == data.y_train_clean[labelled]
print(f"{labelled.sum()} labels kept, {right.mean():.0%} of them right")
print(f"{np.sum(~labelled)} rows unlabelled")


# %%
# Follow the clean test accuracy during training
# ----------------------------------------------
# A small skorch callback scores the network on the clean test set after each
# epoch and records it in ``history_``. (skorch's ``train_split`` would measure
# ``valid_acc`` on a split of the *noisy* training labels instead.)
class TestAccuracy(Callback):
    """Record the accuracy on a held-out set after every epoch."""

    def __init__(self, X, y):
        self.X = X
        self.y = y

    def on_epoch_end(self, net, **kwargs):
        net.history.record("test_acc", net.score(self.X, self.y))


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
# The consistency weight ramps up over the first 10 epochs
# (``rampup_epochs``); the inputs get Gaussian noise of ``noise_std``.
common = dict(module=MLP, lr=3e-3, max_epochs=60, random_state=0)


def callbacks():
    return [("test_acc", TestAccuracy(data.X_test, data.y_test))]


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
        PiModelClassifier(callbacks=callbacks(), rampup_epochs=10, **common),
        X,
        y_partial,
    ),
}
for name, (model, X_fit, y_fit) in models.items():
    model.fit(X_fit, y_fit)
    print(f"{name:42s} clean test accuracy {model.score(data.X_test, data.y_test):.3f}")

# %%
# Learning curves
# ---------------
fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
for name, (model, _, _) in models.items():
    ax.plot(model.history_[:, "test_acc"], label=name)
ax.set(xlabel="epoch", ylabel="clean test accuracy", ylim=(0, 1))
ax.legend(loc="lower right")
plt.show()

# %%
# Read the curves with the numbers printed above, which this run produced.
# Trained on all labels, the network learns the digits first and the wrong
# labels later, so its test accuracy may peak and then fall back. Trained on
# the kept labels only, it has few images to learn from. The Pi-model learns
# from the same few labels and from the unlabelled images, whose consistency
# term shapes the network from the first epochs on.
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
