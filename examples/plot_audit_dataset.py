"""
================================
Auditing the labels of a dataset
================================

On real data nobody knows which labels are wrong. This example follows the
audit workflow of the user guide (:ref:`audit`) on scikit-learn's 8x8 digits,
whose labels we corrupt on purpose so that every step can be checked:

1. out-of-fold class probabilities from a classifier trained on the noisy
   labels;
2. the suspects, ranked from most to least suspect, by confident learning
   (:func:`~skclean.audit.find_label_issues`);
3. a look at them (:class:`~skclean.audit.LabelIssuesDisplay`) and at the
   estimated noise (:class:`~skclean.audit.NoiseMatrixDisplay`);
4. a small hand-checked set, split into a part that feeds
   :class:`~skclean.filters.ConfidenceRankFilter`'s ``clean_mask`` and a
   separate trusted part that is used only for decisions and scores;
5. a threshold on the label-quality score, chosen on the trusted part.

The "hand-check" is simulated by reading the true labels of a few hundred
randomly chosen rows.
"""

# %%
# Noisy labels and out-of-fold probabilities
# -------------------------------------------
# 40% of the 2s, 3s, 5s and 7s get the label of a look-alike digit (Ding et
# al.'s pairs 2->7, 3->8, 5->6, 7->1). The probabilities are out-of-fold: no
# row is scored by a model that saw its label. The model is a 25-nearest-
# neighbour vote on 30 principal components: a vote of many neighbours resists
# learning single wrong labels, and it is fast. (A logistic regression on the
# 64 pixels fits the noise more closely: the audit with it finds fewer of the
# wrong labels, with lower precision; the comparison is printed below.)
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import cross_val_predict
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skclean.audit import (
    LabelIssuesDisplay,
    NoiseMatrixDisplay,
    class_label_quality,
    find_label_issues,
    label_quality_scores,
)
from skclean.filters import ConfidenceRankFilter
from skclean.noise import flip_labels, transition_matrix

X, y_true = load_digits(return_X_y=True)
noise = dict(kind="asymmetric", rate=0.4, pairs="ding2018")
y = flip_labels(y_true, **noise, random_state=0)
wrong = y != y_true  # known here only because the noise is simulated
print(f"{wrong.sum()} of {len(y)} labels are wrong ({wrong.mean():.1%})")

model = make_pipeline(
    PCA(30, random_state=0), KNeighborsClassifier(25, weights="distance")
)
y_proba = cross_val_predict(model, X, y, cv=5, method="predict_proba")

# %%
# Ranked suspects
# ---------------
# ``output="ranking"`` returns the indices of the suspected rows, the lowest
# label quality (here ``P(given label | x)``) first.
ranking = find_label_issues(y, y_proba=y_proba, output="ranking")
print(f"{len(ranking)} suspects; {wrong[ranking].mean():.1%} of them are wrong")
found = np.isin(np.flatnonzero(wrong), ranking).mean()
print(f"share of the wrong labels found: {found:.1%}")

# %%
# The same audit on the out-of-fold probabilities of a logistic regression,
# which follows the wrong labels of the flipped classes more closely:
for name, proba in {
    "25-NN vote on 30 components": y_proba,
    "logistic regression on the pixels": cross_val_predict(
        make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
        X,
        y,
        cv=5,
        method="predict_proba",
    ),
}.items():
    suspects = find_label_issues(y, y_proba=proba)
    print(
        f"{name}: {wrong[suspects].mean():.1%} of {suspects.sum()} suspects wrong, "
        f"{suspects[wrong].mean():.1%} of the wrong labels found"
    )

# %%
# Per class, the estimated noise rate (from the calibrated confident joint) is
# the estimated share of the rows given that label whose true class differs: it
# points at the labels that received the flipped rows (7, 8, 6 and 1), the
# ones to check first.
pd.DataFrame(class_label_quality(y, y_proba)).round(3)

# %%
# Look at them
# ------------
# The most suspect images, with the label they were given and the one the
# classifier suggests.
LabelIssuesDisplay.from_predictions(X, y, y_proba, n_images=15)
plt.show()

# %%
# The estimated noise matrix beside the true one: row ``i`` is the
# distribution of the labels given to true class ``i``.
true_T = transition_matrix(10, **noise)
NoiseMatrixDisplay.from_predictions(y, y_proba, true_matrix=true_T)
plt.show()

# %%
# Hand-check a small set, in two separate parts
# ---------------------------------------------
# We check 400 randomly chosen rows. 200 of them, with their corrected labels,
# become the trusted rows of :class:`~skclean.filters.ConfidenceRankFilter`'s
# clean-set variant (``clean_mask``). The other 200 are kept apart as a trusted
# test set: they choose the threshold and score the results, and are never in
# ``clean_mask``, which would make the scores optimistic.
rng = np.random.RandomState(0)
checked = rng.choice(len(y), size=400, replace=False)
for_clean_mask, trusted = checked[:200], checked[200:]
assert not np.intersect1d(for_clean_mask, trusted).size

# %%
# Choose a threshold on the trusted part
# --------------------------------------
# Flag a label when its quality is below a threshold; pick the threshold with
# the best F1 on the trusted rows, then apply it to the rows nobody checked.
scores = label_quality_scores(y, y_proba)
thresholds = np.linspace(0.05, 0.95, 19)
f1_trusted = [f1_score(wrong[trusted], scores[trusted] < t) for t in thresholds]
best = thresholds[int(np.argmax(f1_trusted))]
unchecked = np.setdiff1d(np.arange(len(y)), checked)
flagged = scores[unchecked] < best
print(f"threshold chosen on the trusted rows: {best:.2f}")
print(
    f"unchecked rows: {flagged.sum()} flagged, {wrong[unchecked][flagged].mean():.1%} "
    f"of them wrong, {flagged[wrong[unchecked]].mean():.1%} of the wrong ones found"
)

fig, ax = plt.subplots(figsize=(5, 3.5))
ax.plot(thresholds, f1_trusted, marker="o")
ax.axvline(best, color="gray", linestyle="--")
ax.set(xlabel="quality threshold", ylabel="F1 on the trusted rows")
plt.show()

# %%
# Train on the labels the hand-checked rows confirm
# -------------------------------------------------
# The clean-set variant trains one binary classifier per class on the trusted
# rows and rejects the noisy labels it does not confirm; a classifier then
# learns from what is kept. Both are scored on the separate trusted rows (200
# rows: a coarse estimate).
y_fixed = y.copy()
y_fixed[for_clean_mask] = y_true[for_clean_mask]  # corrected by the check
clean_mask = np.isin(np.arange(len(y)), for_clean_mask)
train = np.setdiff1d(np.arange(len(y)), trusted)

confidence_filter = ConfidenceRankFilter(random_state=0)
X_kept, y_kept = confidence_filter.fit_resample(
    X[train], y_fixed[train], clean_mask=clean_mask[train]
)
print(f"labels kept: {len(y_kept)} of {len(train)}")
right = y_kept == y_true[train][confidence_filter.sample_indices_]
print(f"kept labels that are right: {right.mean():.1%}")

for name, (X_fit, y_fit) in {
    "noisy labels": (X[train], y[train]),
    "after ConfidenceRankFilter": (X_kept, y_kept),
}.items():
    accuracy = model.fit(X_fit, y_fit).score(X[trusted], y_true[trusted])
    print(f"{name:>28}: accuracy on the trusted rows {accuracy:.1%}")
