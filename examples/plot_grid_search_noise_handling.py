"""
=====================================================
Grid search over the noise handling itself
=====================================================

Which label filter, if any, should come before the classifier, and with which
settings? In skclean a filter is a pipeline step, so
:class:`~sklearn.model_selection.GridSearchCV` can answer this like any other
hyper-parameter question: the grid below swaps
:class:`~skclean.filters.KMeansLabelFilter`,
:class:`~skclean.filters.ConfidenceRankFilter` and no filter at all
(``"passthrough"``), tunes each filter's parameters and the classifier's, and
cross-validates every combination on scikit-learn's digits with 40% wrong
training labels.

The scores must be measured on correct labels. We do it twice: once in a
simulation, where :class:`~skclean.noise.LabelNoise` injects the noise into the
training folds only and the test folds keep their clean labels, and once as in
real life, with only the noisy labels to score against, which under symmetric
noise still rank models correctly.
"""

# %%
# A noisy training set
# --------------------
# :func:`~skclean.datasets.load_noisy_dataset` returns the noisy training labels
# and, because the noise is simulated, the clean ones too.
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from skclean import LabelNoise, Pipeline
from skclean.datasets import load_noisy_dataset
from skclean.filters import ConfidenceRankFilter, KMeansLabelFilter
from skclean.noise import flip_labels

RATE = 0.4
data = load_noisy_dataset("digits", kind="symmetric", rate=RATE, random_state=0)
n_classes = len(np.unique(data.y_test))
print(f"{data.noisy_mask.mean():.0%} of {len(data.y_train)} training labels are wrong")

# %%
# The pipeline and the grid
# -------------------------
# The pipeline has a slot for the noise (used in the simulation), a slot for
# the filter and the classifier. Filters run at fit time only: at predict time
# the classifier sees every row. The grid is a list of dicts, one per kind of
# filter, so that each filter only gets its own parameters.
pipe = Pipeline(
    [
        ("noise", "passthrough"),
        ("filter", "passthrough"),
        ("clf", LogisticRegression(max_iter=300)),
    ]
)
param_grid = [
    {
        "filter": [KMeansLabelFilter(random_state=0)],
        "filter__n_clusters": [2, 3],
        "filter__selection": ["farthest", "largest"],
        "clf__C": [0.1, 1.0],
    },
    {
        "filter": [
            ConfidenceRankFilter(
                estimator=LogisticRegression(max_iter=300), cv=3, random_state=0
            )
        ],
        "filter__threshold": [0.5, 0.9],
        "clf__C": [0.1, 1.0],
    },
    {"filter": ["passthrough"], "clf__C": [0.1, 1.0]},
]
cv = StratifiedKFold(3, shuffle=True, random_state=0)


def describe(params):
    """A short name for one candidate of the grid."""
    filt = params["filter"]
    if isinstance(filt, str):
        name = "no filter"
    elif isinstance(filt, KMeansLabelFilter):
        name = (
            f"KMeans(n_clusters={params['filter__n_clusters']}, "
            f"{params['filter__selection']})"
        )
    else:
        name = f"ConfidenceRank(threshold={params['filter__threshold']})"
    return f"{name}, C={params['clf__C']}"


# %%
# Simulation: noise in the training folds, clean test folds
# ----------------------------------------------------------
# With :class:`~skclean.noise.LabelNoise` as the first step and the *clean*
# labels passed to ``fit``, every training fold gets 40% wrong labels and every
# test fold keeps its correct ones: the cross-validation scores are clean
# accuracies.
start = time.perf_counter()
clean_search = GridSearchCV(
    pipe.set_params(noise=LabelNoise(kind="symmetric", rate=RATE, random_state=0)),
    param_grid,
    cv=cv,
)
clean_search.fit(data.X_train, data.y_train_clean)
print(
    f"{len(clean_search.cv_results_['params'])} candidates, "
    f"{time.perf_counter() - start:.0f} s"
)

results = pd.DataFrame(
    {
        "candidate": [describe(p) for p in clean_search.cv_results_["params"]],
        "clean CV accuracy": clean_search.cv_results_["mean_test_score"],
        "std": clean_search.cv_results_["std_test_score"],
        "rank": clean_search.cv_results_["rank_test_score"],
    }
)
print(results.sort_values("rank").to_string(index=False, float_format="%.3f"))

# %%
# Real life: only noisy labels
# ----------------------------
# Without clean labels, the pipeline gets the noisy labels and no
# ``LabelNoise``; the test folds are noisy too. Under symmetric noise of rate
# ``r`` over ``K`` classes a right prediction matches the noisy label with
# probability ``1 - r`` and a wrong one with probability ``r / (K - 1)``, so
# in expectation
#
# .. math:: \mathrm{acc}_\mathrm{noisy} = (1 - r)\,\mathrm{acc}
#           + r\,(1 - \mathrm{acc}) / (K - 1),
#
# an increasing affine function of the clean accuracy: noisy scores are lower,
# but they rank models in the same order (up to sampling noise), and inverting
# the formula estimates the clean accuracy. Under *asymmetric* noise this no
# longer holds: a model that has learned the noise can beat a better one on
# noisy labels; then simulate, or score on a trusted subset.
noisy_search = GridSearchCV(pipe.set_params(noise="passthrough"), param_grid, cv=cv)
noisy_search.fit(data.X_train, data.y_train)

slope = 1 - RATE - RATE / (n_classes - 1)
results["noisy CV accuracy"] = noisy_search.cv_results_["mean_test_score"]
results["clean, estimated from noisy"] = (
    results["noisy CV accuracy"] - RATE / (n_classes - 1)
) / slope
columns = [
    "candidate",
    "clean CV accuracy",
    "noisy CV accuracy",
    "clean, estimated from noisy",
]
print(results.sort_values("rank")[columns].to_string(index=False, float_format="%.3f"))
print("simulation picks:", describe(clean_search.best_params_))
print("noisy labels pick:", describe(noisy_search.best_params_))

# %%
# The two searches differ in more than the test labels (the simulation draws
# new noise for each training fold), so their scores are not exactly related.
# To check the formula itself, fit each candidate once on the noisy training
# labels and score the *same* model on the clean test labels and on a copy of
# them with 40% symmetric noise.
y_test_noisy = flip_labels(data.y_test, kind="symmetric", rate=RATE, random_state=1)
test_clean, test_noisy = [], []
for params in noisy_search.cv_results_["params"]:
    model = pipe.set_params(**params).fit(data.X_train, data.y_train)
    y_pred = model.predict(data.X_test)
    test_clean.append(np.mean(y_pred == data.y_test))
    test_noisy.append(np.mean(y_pred == y_test_noisy))
results["clean test accuracy"] = test_clean
results["noisy test accuracy"] = test_noisy
results["formula"] = (1 - RATE) * results["clean test accuracy"] + RATE * (
    1 - results["clean test accuracy"]
) / (n_classes - 1)
columns = ["candidate", "clean test accuracy", "noisy test accuracy", "formula"]
print(
    results.sort_values("clean test accuracy", ascending=False)[columns].to_string(
        index=False, float_format="%.3f"
    )
)

# %%
# The winner on held-out clean labels
# -----------------------------------
# ``best_estimator_`` was refit on the whole training set (with fresh noise from
# ``LabelNoise``, not the noise of ``data.y_train``); the filter is skipped
# when it predicts.
print(f"best candidate of the simulation: {describe(clean_search.best_params_)}")
print(f"its clean test accuracy: {clean_search.score(data.X_test, data.y_test):.3f}")

# %%
# Plot
# ----
# Left: every candidate's clean cross-validation accuracy from the simulation.
# Right: the accuracy of the same fitted models on noisy and on clean test
# labels, with the line the formula predicts.
palette = {"K": "tab:blue", "C": "tab:orange", "n": "tab:gray"}
order = results.sort_values("clean CV accuracy")
fig, (ax_bar, ax_scatter) = plt.subplots(1, 2, figsize=(12, 5), width_ratios=[3, 2])
ax_bar.barh(
    order["candidate"],
    order["clean CV accuracy"],
    xerr=order["std"],
    color=[palette[name[0]] for name in order["candidate"]],
)
ax_bar.set_xlabel("clean CV accuracy (noise in training folds only)")
ax_bar.set_xlim(0.5, 1.0)
ax_bar.tick_params(axis="y", labelsize=8)

acc = np.linspace(results["clean test accuracy"].min() - 0.02, 1.0, 2)
ax_scatter.plot(
    acc,
    (1 - RATE) * acc + RATE * (1 - acc) / (n_classes - 1),
    "k--",
    label="(1 - r) acc + r (1 - acc) / (K - 1)",
)
ax_scatter.scatter(
    results["clean test accuracy"],
    results["noisy test accuracy"],
    c=[palette[name[0]] for name in results["candidate"]],
)
ax_scatter.set_xlabel("accuracy on clean test labels")
ax_scatter.set_ylabel(f"accuracy on test labels with {RATE:.0%} noise")
ax_scatter.legend(loc="upper left")
fig.suptitle(f"Searching over noise handling: digits, {RATE:.0%} symmetric noise")
fig.tight_layout()
plt.show()
