"""scikit-learn's (and for samplers imbalanced-learn's) common checks, every estimator.

Estimators join by existing: :func:`skclean.utils.all_estimators` finds them.
Each expected failure is listed with its reason.
"""

import pytest
from _estimators import CHECK_PARAMS
from imblearn.utils.estimator_checks import (
    parametrize_with_checks as parametrize_with_sampler_checks,
)
from sklearn.utils.estimator_checks import (
    estimator_checks_generator,
    parametrize_with_checks,
)

from skclean.utils import all_estimators

_SKORCH_INIT = (
    "skorch's NeuralNet.__init__ sets history_, initialized_ and virtual_params_; "
    "its fit, pickling and set_params rely on them"
)

_STOCHASTIC_TRAINING = (
    "mini-batch training shuffles the rows: a repeated row lands in other batches "
    "than its weighted twin, so the two fits differ (tests/test_sample_weight.py "
    "shows the equivalence with full-batch training)"
)
_NET_WEIGHT_CHECKS = {
    "check_sample_weight_equivalence_on_dense_data": _STOCHASTIC_TRAINING,
}

_FILTER_SEES_ROWS = (
    "the filter sees rows, not weights: K-means clusters a duplicated row twice but "
    "a row of weight 2 once, so the rows it keeps (and the classifier's fit) differ"
)
_PIPELINE_STEPS = (
    "the pipeline fits its steps in place (as scikit-learn's Pipeline does, which "
    "lists the same expected failure), so the `steps` parameter changes"
)

EXPECTED_FAILED_CHECKS = {
    "FilteredClassifier": {
        "check_sample_weight_equivalence_on_dense_data": _FILTER_SEES_ROWS,
        "check_sample_weight_equivalence_on_sparse_data": _FILTER_SEES_ROWS,
    },
    "Pipeline": {
        "check_estimators_overwrite_params": _PIPELINE_STEPS,
        "check_dont_overwrite_parameters": _PIPELINE_STEPS,
    },
    "CNNClassifier": {
        "check_no_attributes_set_in_init": _SKORCH_INIT,
        **_NET_WEIGHT_CHECKS,
    },
    "PiModelClassifier": {
        "check_no_attributes_set_in_init": _SKORCH_INIT,
        **_NET_WEIGHT_CHECKS,
        "check_classifiers_classes": (
            "the check uses -1 as a class label; for a semi-supervised estimator -1 "
            "marks unlabelled rows (scikit-learn's convention)"
        ),
    },
}


def _instances():
    for name, Estimator in all_estimators():
        yield Estimator(**CHECK_PARAMS.get(name, {}))


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


ESTIMATORS = list(_instances())
SAMPLERS = [est for est in ESTIMATORS if hasattr(est, "fit_resample")]
# The nets train in every check: their checks are slow, the others are not.
NETS = [est for est in ESTIMATORS if hasattr(est, "module")]
NOT_NETS = [est for est in ESTIMATORS if not hasattr(est, "module")]


def test_all_estimators_found():
    names = {type(est).__name__ for est in ESTIMATORS}
    assert "LabelNoise" in names


# Strict: a listed check that starts to pass fails the run, so the list of
# expected failures cannot go stale.
@pytest.mark.slow  # hundreds of checks: CI runs them, the inner loop does not
@parametrize_with_checks(
    NOT_NETS, expected_failed_checks=_expected_failed_checks, xfail_strict=True
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.slow
@parametrize_with_checks(
    NETS, expected_failed_checks=_expected_failed_checks, xfail_strict=True
)
def test_sklearn_compatible_nets(estimator, check):
    check(estimator)


@pytest.mark.slow
@parametrize_with_sampler_checks(
    SAMPLERS, expected_failed_checks=_expected_failed_checks
)
def test_imblearn_sampler_compatible(estimator, check):
    check(estimator)


def _check_names(estimator):
    return {
        getattr(check, "func", check).__name__
        for _, check in estimator_checks_generator(estimator, mark=None)
    }


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda est: type(est).__name__)
def test_expected_failures_name_checks_that_exist(estimator):
    """A misspelt or retired check name would silently excuse nothing."""
    listed = set(_expected_failed_checks(estimator))
    unknown = listed - _check_names(estimator)
    assert not unknown, f"not a check of {type(estimator).__name__}: {unknown}"


# The nets at their default parameters (DeepCleanNet's 50 epochs, batch 256,
# module="auto": an MLP for the checks' tabular data), seeded for repeatability.
DEFAULT_NETS = [
    Estimator(random_state=0)
    for name, Estimator in all_estimators()
    if name in ("CNNClassifier", "PiModelClassifier")
]


@pytest.mark.slow
@parametrize_with_checks(
    DEFAULT_NETS, expected_failed_checks=_expected_failed_checks, xfail_strict=True
)
def test_nets_at_default_parameters(estimator, check):
    check(estimator)
