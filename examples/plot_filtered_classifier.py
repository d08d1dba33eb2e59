"""
===============================================================
A filter and a classifier as one classifier: FilteredClassifier
===============================================================

scikit-learn's tools expect a classifier where a filter cannot go:
:class:`sklearn.pipeline.Pipeline` refuses a step that drops rows, and
:func:`~sklearn.model_selection.cross_val_score` or
:class:`~sklearn.model_selection.GridSearchCV` want one estimator.
:class:`~skclean.pipeline.FilteredClassifier` wraps a label filter and a
classifier into that one classifier: at fit time the filter chooses the rows,
the classifier is trained on them, and at predict time every row reaches the
classifier. This example puts it inside a plain scikit-learn pipeline,
cross-validates it with noise simulated in the training folds only
(:class:`~skclean.noise.LabelNoise`), and lets a grid search choose between
filtering and not filtering.
"""

# %%
# Inside a scikit-learn pipeline
# ------------------------------
# The digits come with clean labels; here we make 40% of the training labels
# wrong once, and keep the test labels clean.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline as sklearn_make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skclean import FilteredClassifier, LabelNoise, make_pipeline
from skclean.datasets import load_noisy_dataset
from skclean.filters import ConfidenceRankFilter, KMeansLabelFilter

data = load_noisy_dataset("digits", kind="symmetric", rate=0.4, random_state=0)

filtered = FilteredClassifier(
    ConfidenceRankFilter(random_state=0), LogisticRegression(max_iter=1000)
)
model = sklearn_make_pipeline(MinMaxScaler(), filtered)
model.fit(data.X_train, data.y_train)
kept = model[-1].filter_.kept_mask_
print(f"labels kept by the filter: {kept.sum()} of {len(kept)}")
print(f"right labels before filtering: {np.mean(~data.noisy_mask):.1%}")
print(f"right among the kept labels:   {np.mean(~data.noisy_mask[kept]):.1%}")
print(f"clean test accuracy: {model.score(data.X_test, data.y_test):.3f}")

# %%
# ``filter_`` and ``classifier_`` are the fitted filter and classifier; the
# filter's ``kept_mask_`` and ``report_`` say what it kept. With
# ``filter="passthrough"`` the same classifier trains on every row, which is
# the baseline to compare with.
plain = sklearn_make_pipeline(
    MinMaxScaler(),
    FilteredClassifier("passthrough", LogisticRegression(max_iter=1000)),
)
plain.fit(data.X_train, data.y_train)
accuracy = plain.score(data.X_test, data.y_test)
print(f"without filtering, clean test accuracy: {accuracy:.3f}")

# %%
# Cross-validation with noise in the training folds only
# ------------------------------------------------------
# To compare ways of handling noise with cross-validation, start from clean
# labels and put :class:`~skclean.noise.LabelNoise` first, in skclean's
# pipeline: it is a sampler, so it makes the labels of each training fold
# wrong and leaves every test fold clean. The scores are then clean accuracy.
X = np.concatenate([data.X_train, data.X_test])
y = np.concatenate([data.y_train_clean, data.y_test])
cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)


def noisy_training(filter_):
    return make_pipeline(
        LabelNoise(kind="symmetric", rate=0.4, random_state=0),
        MinMaxScaler(),
        FilteredClassifier(filter_, LogisticRegression(max_iter=1000)),
    )


candidates = {
    "no filter": "passthrough",
    "ConfidenceRankFilter": ConfidenceRankFilter(random_state=0),
    "KMeansLabelFilter": KMeansLabelFilter(random_state=0),
}
scores = {
    name: cross_val_score(noisy_training(filter_), X, y, cv=cv)
    for name, filter_ in candidates.items()
}
print(pd.DataFrame(scores).describe().loc[["mean", "std"]].round(3).to_string())

# %%
# Let a grid search decide
# ------------------------
# The filter is a parameter of :class:`~skclean.pipeline.FilteredClassifier`,
# so :class:`~sklearn.model_selection.GridSearchCV` can swap it, tune it, or
# remove it, next to the classifier's own parameters. Because the noise is
# simulated in the training folds only, the search ranks the candidates by
# clean accuracy.
search = GridSearchCV(
    noisy_training("passthrough"),
    {
        "filteredclassifier__filter": list(candidates.values()),
        "filteredclassifier__classifier__C": [0.1, 1.0],
    },
    cv=cv,
)
search.fit(X, y)
results = pd.DataFrame(search.cv_results_)
results["filter"] = results["param_filteredclassifier__filter"].map(
    lambda f: f if isinstance(f, str) else type(f).__name__
)
results["C"] = results["param_filteredclassifier__classifier__C"]
print(
    results[["filter", "C", "mean_test_score", "std_test_score", "rank_test_score"]]
    .sort_values("rank_test_score")
    .round(3)
    .to_string(index=False)
)
print("best:", search.best_params_)

# %%
fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
for C, group in results.groupby("C"):
    ax.errorbar(
        group["filter"],
        group["mean_test_score"],
        yerr=group["std_test_score"],
        fmt="o",
        capsize=4,
        label=f"C={C}",
    )
ax.set(ylabel="clean accuracy (5-fold)", title="40% symmetric noise in training folds")
ax.legend()
plt.show()

# %%
# Read the ranking with the numbers printed above, which this run produced;
# they depend on the data, the noise and the classifier, and a filter that
# helps one classifier can hurt another. That is the point of searching over
# the noise handling on clean test folds rather than choosing it once.
# :doc:`/user_guide/pipelines` explains the pipelines, and
# :doc:`/user_guide/choosing` collects what the benchmarks measured.
