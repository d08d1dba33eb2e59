"""
================================================
Finding wrong labels with K-means (DeepCleanNet)
================================================

DeepCleanNet (Olimov & Kim, 2020) splits the training images by their noisy
label, clusters the images of each label into two groups with K-means, and
keeps only the group whose labels are right. The paper chose that group by
looking at the images; :class:`~skclean.filters.KMeansLabelFilter` chooses it
with a rule. This example runs the filter on 6,000 MNIST training images of
which half carry a wrong label, shows the two clusters of a few labels, and
measures, with the clean labels that the simulation kept, how many of the kept
labels are right (precision) and how many of the right labels were kept
(recall), at the filter's defaults and in the paper's configuration (raw
pixels, ``features=None, selection="farthest"``).
"""

# %%
# Half of the labels are wrong
# ----------------------------
# :func:`~skclean.datasets.load_noisy_dataset` takes a stratified subset of
# MNIST and flips 50% of its labels to another class (``kind="symmetric"``, see
# :func:`~skclean.noise.flip_labels`). The clean labels come back alongside.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from skclean.datasets import load_noisy_dataset
from skclean.filters import KMeansLabelFilter

data = load_noisy_dataset(
    "mnist", kind="symmetric", rate=0.5, n_train=6_000, random_state=0
)
X, y_noisy, y_clean = data.X_train, data.y_train, data.y_train_clean
correct = ~data.noisy_mask
print(f"{correct.mean():.1%} of {len(y_noisy)} training labels are right")

# %%
# Filter
# ------
# At its defaults the filter does not cluster the pixels: it clusters the
# square roots of out-of-fold class probabilities of a k-nearest-neighbours
# classifier (``features="auto"``), where the wrong labels of a label sit near
# the corners of their true classes. Within each label it then rejects every
# cluster in which at least 40% of the images are confidently another
# class (``selection="auto"``, here ``"undisputed"``), and keeps the images no
# class disputes in a rejected cluster whose disputes are spread over many
# classes, as under this symmetric noise.
kmeans_filter = KMeansLabelFilter(random_state=0)
X_kept, y_kept = kmeans_filter.fit_resample(X, y_noisy)
kept = kmeans_filter.kept_mask_


def precision_recall(kept, correct):
    """Fraction of kept labels that are right; fraction of right labels kept."""
    return correct[kept].mean(), kept[correct].mean()


precision, recall = precision_recall(kept, correct)
print(f"kept {kept.sum()} of {len(kept)} labels")
print(f"right labels before filtering: {correct.mean():.1%}")
print(f"precision of the kept labels:  {precision:.1%}")
print(f"recall of the right labels:    {recall:.1%}")

# %%
# Per label, the filter's ``report_`` counts what it kept; the clean labels add
# precision and recall.
report = pd.DataFrame(kmeans_filter.report_)
report["precision"] = [correct[kept & (y_noisy == c)].mean() for c in report["class"]]
report["recall"] = [kept[correct & (y_noisy == c)].mean() for c in report["class"]]
print(report.round(3).to_string(index=False))

# %%
# The two clusters of a label
# ---------------------------
# As in DeepCleanNet's Fig. 5: for three labels, a sample of the images the
# filter kept and of those it rejected. The number above each image is its
# true class, red where the label is wrong.
rng = np.random.RandomState(0)
labels_shown, n_images = [1, 4, 7], 12
fig, axes = plt.subplots(
    2 * len(labels_shown),
    n_images,
    figsize=(n_images * 0.8, 2 * len(labels_shown) * 0.95),
)
for i, label in enumerate(labels_shown):
    for j, (name, mask) in enumerate([("kept", kept), ("rejected", ~kept)]):
        rows = np.flatnonzero((y_noisy == label) & mask)
        sample = rng.choice(rows, n_images, replace=False)
        row_axes = axes[2 * i + j]
        row_axes[0].set_ylabel(
            f"label {label}\n{name}", rotation=0, ha="right", va="center"
        )
        for ax, r in zip(row_axes, sample):
            ax.imshow(X[r].reshape(28, 28), cmap="gray_r")
            wrong = y_clean[r] != y_noisy[r]
            ax.set_title(
                y_clean[r], fontsize=8, color="red" if wrong else "black", pad=2
            )
            ax.set_xticks([])
            ax.set_yticks([])
fig.suptitle("Images per cluster (title: true class, red: wrong label)")
fig.subplots_adjust(
    left=0.1, right=0.99, top=0.9, bottom=0.01, hspace=0.45, wspace=0.05
)
plt.show()

# %%
# Precision before and after, per label
# -------------------------------------
fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
classes = report["class"].to_numpy()
before = [correct[y_noisy == c].mean() for c in classes]
ax.bar(classes - 0.2, before, width=0.4, label="all labels")
ax.bar(classes + 0.2, report["precision"], width=0.4, label="labels kept by the filter")
ax.set_xticks(classes)
ax.set_xlabel("label")
ax.set_ylabel("fraction of labels that are right")
ax.set_ylim(0, 1)
ax.legend(loc="lower right")
plt.show()

# %%
# Choosing the cluster
# --------------------
# ``features=None, selection="farthest"`` is the paper's configuration: raw
# pixels, and per label the cluster whose centroid lies farthest from the mean
# of all images (the wrong labels of a label are a mix of all other digits, so
# their centroid sits near the overall mean). On pixels, ``"largest"`` keeps
# the bigger cluster, which suits low noise rates; ``"compact"`` keeps the
# tighter one; a callable receives each label's clustering and returns the
# cluster(s) to keep. ``features`` clusters in another space, here 30
# principal components. ``selection="agreement"`` is the previous default
# rule on the default features (keep the clusters whose images mostly have the
# label as most probable class). ``n_clusters=1`` keeps every label: the
# no-filter baseline.
from sklearn.decomposition import PCA


def most_ink(X_label, labels, centers, global_center):
    """A custom rule: keep the cluster whose mean image has the most ink."""
    return int(np.argmax(centers.sum(axis=1)))


candidates = {
    "defaults": KMeansLabelFilter(),
    'selection="agreement"': KMeansLabelFilter(selection="agreement"),
    'features=None, selection="farthest" (paper)': KMeansLabelFilter(
        features=None, selection="farthest"
    ),
    'features=None, selection="largest"': KMeansLabelFilter(
        features=None, selection="largest"
    ),
    'features=None, selection="compact"': KMeansLabelFilter(
        features=None, selection="compact"
    ),
    "features=None, selection=most_ink": KMeansLabelFilter(
        features=None, selection=most_ink
    ),
    'features=PCA(30), selection="farthest"': KMeansLabelFilter(
        features=PCA(30, random_state=0)
    ),
    "n_clusters=1 (no filter)": KMeansLabelFilter(n_clusters=1),
}
rows = []
for name, candidate in candidates.items():
    candidate.set_params(random_state=0).fit_resample(X, y_noisy)
    p, r = precision_recall(candidate.kept_mask_, correct)
    rows.append((name, candidate.kept_mask_.mean(), p, r))
comparison = pd.DataFrame(
    rows, columns=["filter", "kept fraction", "precision", "recall"]
)
print(comparison.round(3).to_string(index=False))
