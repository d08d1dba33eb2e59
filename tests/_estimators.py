"""Small, fast instances of every public estimator, for the reliability tests."""

from sklearn.linear_model import LogisticRegression

from skclean.filters import KMeansLabelFilter
from skclean.nets import MLP
from skclean.utils import all_estimators

# Small, fast settings for the checks; defaults elsewhere follow the papers.
CHECK_PARAMS = {
    # A fast filter and classifier; the checks' data are small blobs.
    "FilteredClassifier": {
        "filter": KMeansLabelFilter(random_state=0),
        "classifier": LogisticRegression(),
    },
    "Pipeline": {
        "steps": [
            ("filter", KMeansLabelFilter(random_state=0)),
            ("clf", LogisticRegression()),
        ]
    },
    "LabelNoise": {"random_state": 0},
    "KMeansLabelFilter": {"random_state": 0},
    "ConfidenceRankFilter": {"cv": 3, "random_state": 0},
    "ClusterRelabeler": {"cv": 3, "random_state": 0},
    # The checks use tabular data with a handful of features: the MLP module.
    "CNNClassifier": {
        "module": MLP,
        "max_epochs": 20,
        "batch_size": 32,
        "lr": 1e-2,
        "random_state": 0,
    },
    "PiModelClassifier": {
        "module": MLP,
        "max_epochs": 20,
        "batch_size": 32,
        "lr": 1e-2,
        "random_state": 0,
    },
}


# Nets train in a second on digits with these settings.
FAST_NET = {"max_epochs": 2, "batch_size": 64, "random_state": 0}


def fast_instance(name, Estimator):
    params = dict(CHECK_PARAMS.get(name, {}))
    if name in ("CNNClassifier", "PiModelClassifier"):
        params.update(FAST_NET)
    return Estimator(**params)


def public_instances():
    return [fast_instance(name, Estimator) for name, Estimator in all_estimators()]


def is_sampler(estimator):
    return hasattr(estimator, "fit_resample")


def run(estimator, X, y):
    """Fit ``estimator`` and return what it produces: resampled data or predictions."""
    if is_sampler(estimator):
        return estimator.fit_resample(X, y)
    estimator.fit(X, y)
    return (
        estimator.predict_proba(X)
        if hasattr(estimator, "predict_proba")
        else (estimator.predict(X))
    )
