"""Small, fast instances of every public estimator, for the reliability tests."""

from test_common import CHECK_PARAMS

from skclean.utils import all_estimators

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
