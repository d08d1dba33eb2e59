"""
==========================================================
Giving wrong labels back: ClusterRelabeler on heavy noise
==========================================================

When most images of a class carry the same wrong label, that wrong label is
the majority: a classifier trained on the noisy labels learns it, and a filter
that drops the labels the classifier disagrees with keeps exactly the wrong
ones. This example labels 60% of the 2s of scikit-learn's digits as 7s (and
60% of the 3s as 8s), shows how a
:class:`~sklearn.linear_model.LogisticRegression` learns to call a 2 a 7, and
corrects the labels with :class:`~skclean.filters.ClusterRelabeler`, which
clusters the out-of-fold class probabilities and matches the clusters to
labels one to one. Its public attributes ``label_issues_mask_``,
``suggested_labels_`` and ``report_`` tell which labels it changed and to
what.
"""

# %%
# Labels that are mostly wrong for two classes
# --------------------------------------------
# :func:`~skclean.datasets.load_noisy_dataset` flips each source class of
# ``pairs`` to its target with probability ``rate``; the other classes stay
# clean. The test labels stay clean.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import ConfusionMatrixDisplay

from skclean.datasets import load_noisy_dataset
from skclean.filters import ClusterRelabeler

data = load_noisy_dataset(
    "digits", kind="asymmetric", pairs={2: 7, 3: 8}, rate=0.6, random_state=0
)
X, y_noisy, y_clean = data.X_train, data.y_train, data.y_train_clean
for source, target in [(2, 7), (3, 8)]:
    flipped = np.mean(y_noisy[y_clean == source] == target)
    print(f"true {source}s labelled {target}: {flipped:.0%}")
print(f"wrong training labels overall: {data.noisy_mask.mean():.1%}")

# %%
# Plain training learns the wrong label
# -------------------------------------
plain = LogisticRegression(max_iter=1000).fit(X, y_noisy)
accuracy = plain.score(data.X_test, data.y_test)
print(f"trained on the noisy labels: clean test accuracy {accuracy:.3f}")

# %%
# Correct the labels, then train
# ------------------------------
# The relabeller returns every row, with the label of its cluster. Its default
# classifier (scaling, PCA and a logistic regression) produces 5-fold
# out-of-fold probabilities, so no row is judged by a model that saw its label.
relabeler = ClusterRelabeler(random_state=0)
X_out, y_relabeled = relabeler.fit_resample(X, y_noisy)
print(f"labels right before: {np.mean(y_noisy == y_clean):.1%}")
print(f"labels right after:  {np.mean(y_relabeled == y_clean):.1%}")

relabeled = LogisticRegression(max_iter=1000).fit(X_out, y_relabeled)
accuracy = relabeled.score(data.X_test, data.y_test)
print(f"trained on the corrected labels: clean test accuracy {accuracy:.3f}")

# %%
# What the relabeller changed
# ---------------------------
# ``label_issues_mask_`` marks the labels it believes wrong (those it changes)
# and ``suggested_labels_`` holds the label it gives every row. With the clean
# labels, which a real data set does not have, we can check both.
changed = relabeler.label_issues_mask_
right_change = relabeler.suggested_labels_[changed] == y_clean[changed]
print(f"labels changed: {changed.sum()}")
print(f"changed to the true label: {right_change.mean():.1%}")
print(f"wrong labels it changed: {changed[data.noisy_mask].mean():.1%}")
print(f"right labels it changed: {changed[~data.noisy_mask].mean():.1%}")

# %%
# ``report_`` counts, for each input label, its rows and the label issues among
# them. The changed labels sit in the target classes 7 and 8, where the 2s and
# 3s were hiding.
print(pd.DataFrame(relabeler.report_).round(3).to_string(index=False))

# %%
# Where the two classifiers err
# -----------------------------
fig, axes = plt.subplots(1, 2, figsize=(10, 4.5), layout="constrained")
for ax, (title, model) in zip(
    axes, [("noisy labels", plain), ("corrected labels", relabeled)]
):
    ConfusionMatrixDisplay.from_estimator(
        model,
        data.X_test,
        data.y_test,
        normalize="true",
        values_format=".1f",
        colorbar=False,
        ax=ax,
    )
    ax.set_title(f"LogisticRegression, {title}")
plt.show()

# %%
# Trained on the noisy labels, the classifier predicts 7 for most 2s and 8 for
# most 3s: the rows of the left matrix for the true classes 2 and 3 put their
# weight in the columns 7 and 8. After relabelling, those rows are back on
# the diagonal.
#
# The relabeller assumes that each class forms one cluster of probability
# vectors and that the matching that keeps the most labels is the true one.
# Where labels are mostly right it may also change the labels of rows the
# classifier gets wrong, so it suits heavy, structured noise rather than light
# noise; :doc:`/user_guide/relabeling` describes it, and
# :doc:`/user_guide/choosing` says when to use it.
