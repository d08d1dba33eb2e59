"""
==========================================
Quick start: training on wrong labels
==========================================

Load scikit-learn's digits, make 40% of the training labels wrong, and compare
plain training with skclean's noise-handling pipelines, all scored on the clean
test labels. Every number printed is computed in this run.

Run it with ``python examples/plot_quickstart.py``.
"""

# %%
# A noisy training set
# --------------------
# :func:`~skclean.datasets.load_noisy_dataset` flips 40% of the training labels
# to another class and keeps the clean labels for scoring. Images are 8x8.
import time

import matplotlib.pyplot as plt
from sklearn.linear_model import LogisticRegression

from skclean import (
    CNNClassifier,
    ConfidenceRankFilter,
    KMeansLabelFilter,
    PiModelClassifier,
    make_pipeline,
)
from skclean.datasets import load_noisy_dataset

data = load_noisy_dataset("digits", kind="symmetric", rate=0.4, random_state=0)
print(f"{data.noisy_mask.mean():.0%} of {len(data.y_train)} training labels are wrong")

# %%
# Candidates
# ----------
# Plain training, two filters in front of a logistic regression and of
# DeepCleanNet's CNN (:class:`~skclean.nets.CNNClassifier`), and the two-stage
# pipeline: :class:`~skclean.filters.ConfidenceRankFilter` hides the labels it
# distrusts and :class:`~skclean.nets.PiModelClassifier` learns from every row.
# :func:`~skclean.pipeline.make_pipeline` runs the filters at fit time only.
# The rows of ``X`` are flat (64 pixels); the networks read 64 columns as 8x8
# images, so every model takes the same ``X``.
SEED = 0
EPOCHS = 20


def cnn():
    return CNNClassifier(max_epochs=EPOCHS, batch_size=64, random_state=SEED)


candidates = {
    "logistic regression": (LogisticRegression(max_iter=500), "noisy"),
    "KMeansLabelFilter + logistic regression": (
        make_pipeline(
            KMeansLabelFilter(random_state=SEED), LogisticRegression(max_iter=500)
        ),
        "noisy",
    ),
    "CNN": (cnn(), "noisy"),
    "KMeansLabelFilter + CNN": (
        make_pipeline(KMeansLabelFilter(random_state=SEED), cnn()),
        "noisy",
    ),
    "ConfidenceRankFilter + CNN": (
        make_pipeline(ConfidenceRankFilter(random_state=SEED), cnn()),
        "noisy",
    ),
    "ConfidenceRankFilter(unlabel) + PiModel": (
        make_pipeline(
            ConfidenceRankFilter(mode="unlabel", random_state=SEED),
            PiModelClassifier(max_epochs=EPOCHS, batch_size=64, random_state=SEED),
        ),
        "noisy",
    ),
    "CNN on clean labels (ceiling)": (cnn(), "clean"),
}

# %%
# Fit each candidate, score on clean test labels
# ----------------------------------------------
rows = []
for name, (model, labels) in candidates.items():
    y_fit = data.y_train if labels == "noisy" else data.y_train_clean
    start = time.perf_counter()
    model.fit(data.X_train, y_fit)
    seconds = time.perf_counter() - start
    rows.append((name, model.score(data.X_test, data.y_test), seconds))

width = max(len(name) for name, _, _ in rows)
print(f"\n{'model'.ljust(width)}  test accuracy  fit seconds")
for name, accuracy, seconds in rows:
    print(f"{name.ljust(width)}  {accuracy:13.3f}  {seconds:11.1f}")

# %%
# The same table as a chart
# -------------------------
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.barh([name for name, _, _ in rows][::-1], [acc for _, acc, _ in rows][::-1])
ax.set_xlabel("accuracy on clean test labels")
ax.set_xlim(0.5, 1.0)
ax.set_title("Digits with 40% wrong training labels")
fig.tight_layout()
plt.show()
