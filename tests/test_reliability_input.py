"""Bad input across the public API: a clear error, never a crash deep inside, never a
silently wrong result; and nothing the user passed is modified."""

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from _estimators import is_sampler, public_instances, run
from sklearn.base import clone
from sklearn.datasets import load_digits

from skclean import (
    CNNClassifier,
    ConfidenceRankFilter,
    KMeansLabelFilter,
    PiModelClassifier,
    flip_labels,
)
from skclean.datasets import load_noisy_dataset
from skclean.nets import MLP

ESTIMATORS = public_instances()
IDS = [type(est).__name__ for est in ESTIMATORS]
# LabelNoise passes X through untouched, so it accepts whatever X is.
LOOKS_AT_X = [est for est in ESTIMATORS if type(est).__name__ != "LabelNoise"]
LOOKS_AT_X_IDS = [type(est).__name__ for est in LOOKS_AT_X]


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X = (X[:300] / 16).astype(np.float32)
    return X, y[:300]


@pytest.mark.parametrize("estimator", LOOKS_AT_X, ids=LOOKS_AT_X_IDS)
@pytest.mark.parametrize("bad, match", [(np.nan, "NaN"), (np.inf, "infinity")])
def test_nan_or_inf_in_X(estimator, bad, match, digits):
    X, y = digits
    X = X.copy()
    X[3, 5] = bad
    with pytest.raises(ValueError, match=match):
        run(clone(estimator), X, y)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_empty_X(estimator):
    with pytest.raises(ValueError, match="0 sample|empty|at least one sample"):
        run(clone(estimator), np.zeros((0, 64)), np.zeros(0))


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_X_and_y_of_different_lengths(estimator, digits):
    X, y = digits
    with pytest.raises(ValueError, match="inconsistent numbers of samples|different"):
        run(clone(estimator), X, y[:-1])


@pytest.mark.parametrize("estimator", LOOKS_AT_X, ids=LOOKS_AT_X_IDS)
def test_1d_X(estimator, digits):
    _, y = digits
    with pytest.raises(ValueError, match="2D array"):
        run(clone(estimator), np.linspace(0, 1, len(y)), y)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_one_class(estimator, digits):
    X, _ = digits
    with pytest.raises(ValueError, match="class"):
        run(clone(estimator), X, np.zeros(len(X), dtype=int))


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_continuous_y(estimator, digits):
    X, _ = digits
    with pytest.raises(ValueError, match="Unknown label type"):
        run(clone(estimator), X, np.linspace(0, 1, len(X)))


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_inputs_are_not_modified(estimator, digits):
    X, y = digits
    X_in, y_in = X.copy(), y.copy()
    run(clone(estimator), X_in, y_in)
    np.testing.assert_array_equal(X_in, X)
    np.testing.assert_array_equal(y_in, y)


def test_fit_params_are_not_modified(digits):
    X, y = digits
    y_proba = np.full((len(y), 10), 0.1)
    clean_mask = np.zeros(len(y), dtype=bool)
    clean_mask[::3] = True
    proba_in, mask_in = y_proba.copy(), clean_mask.copy()
    ConfidenceRankFilter(random_state=0).fit_resample(X, y, y_proba=proba_in)
    ConfidenceRankFilter(cv=3, random_state=0).fit_resample(X, y, clean_mask=mask_in)
    np.testing.assert_array_equal(proba_in, y_proba)
    np.testing.assert_array_equal(mask_in, clean_mask)


def test_flip_labels_and_datasets_do_not_modify_inputs():
    y = np.repeat([1, 2, 3], 20)
    y_in = y.copy()
    flip_labels(y_in, rate=0.5, random_state=0)
    np.testing.assert_array_equal(y_in, y)
    a = load_noisy_dataset("digits", rate=0.3, random_state=0)
    b = load_noisy_dataset("digits", rate=0.3, random_state=0)
    np.testing.assert_array_equal(a.y_train_clean, b.y_train_clean)


def test_sparse_X_supported_by_kmeans_refused_by_nets(digits):
    X, y = digits
    X_sparse = sp.csr_matrix(X)
    X_res, y_res = KMeansLabelFilter(random_state=0).fit_resample(X_sparse, y)
    assert sp.issparse(X_res) and X_res.shape[0] == len(y_res)
    with pytest.raises(TypeError, match="[Ss]parse"):
        CNNClassifier(module=MLP, max_epochs=1).fit(X_sparse, y)


def test_minus_one_mixed_with_a_real_class_minus_one(digits):
    X, y = digits
    y_pm = np.where(y % 2 == 0, -1, 1)
    with pytest.raises(ValueError, match="-1"):
        KMeansLabelFilter(mode="unlabel", random_state=0).fit_resample(X, y_pm)
    # In drop mode -1 is an ordinary class and stays one.
    _, y_res = KMeansLabelFilter(random_state=0).fit_resample(X, y_pm)
    assert set(y_res) == {-1, 1}


def test_class_with_fewer_rows_than_clusters(digits):
    X, y = digits
    y = y.copy()
    y[0] = 42  # a class with a single row
    with pytest.raises(ValueError, match="42"):
        KMeansLabelFilter(n_clusters=2).fit_resample(X, y)


def test_class_with_fewer_rows_than_folds(digits):
    X, y = digits
    y = y.copy()
    y[:2] = 42
    with pytest.raises(ValueError, match="fold|split|member"):
        ConfidenceRankFilter(cv=5).fit_resample(X, y)


@pytest.mark.parametrize(
    "estimator, params",
    [
        (ConfidenceRankFilter(), {"threshold": 1.5}),
        (ConfidenceRankFilter(), {"min_fraction": -0.1}),
        (KMeansLabelFilter(), {"mode": "delete"}),
        (KMeansLabelFilter(), {"selection": "smallest"}),
        (KMeansLabelFilter(), {"n_clusters": 0}),
    ],
)
def test_parameters_are_validated(estimator, params, digits):
    X, y = digits
    with pytest.raises(ValueError, match=next(iter(params))):
        estimator.set_params(**params).fit_resample(X, y)


def test_net_parameters_are_validated(digits):
    X, y = digits
    with pytest.raises((ValueError, TypeError)):
        CNNClassifier(module=MLP, max_epochs=-1).fit(X, y)
    with pytest.raises(ValueError, match="ensemble"):
        PiModelClassifier(module=MLP, ensemble="median").fit(X, y)


@pytest.mark.parametrize("estimator", [CNNClassifier, PiModelClassifier])
def test_callbacks_must_be_a_list(estimator, digits):
    X, y = digits
    with pytest.raises(ValueError, match="'callbacks' parameter"):
        estimator(module=MLP, max_epochs=1, callbacks=5).fit(X, y)


def test_pi_model_keeps_its_schedule_callbacks(digits):
    # callbacks="disable" would drop the ramp-up and, silently, the consistency term.
    X, y = digits
    with pytest.raises(ValueError, match="'callbacks' parameter"):
        PiModelClassifier(module=MLP, max_epochs=1, callbacks="disable").fit(X, y)
    net = CNNClassifier(module=MLP, max_epochs=1, callbacks="disable", verbose=0)
    assert net.fit(X, y).callbacks_ == []


def test_out_of_memory_names_batch_size(digits, monkeypatch):
    X, y = digits
    clf = CNNClassifier(module=MLP, max_epochs=1, batch_size=4096)

    def out_of_memory(*args, **kwargs):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB")

    monkeypatch.setattr(type(clf), "train_step", out_of_memory)
    with pytest.raises(MemoryError, match="batch_size=4096"):
        clf.fit(X, y)


@pytest.mark.parametrize(
    "estimator",
    [e for e in ESTIMATORS if is_sampler(e)],
    ids=[type(e).__name__ for e in ESTIMATORS if is_sampler(e)],
)
def test_samplers_keep_pandas_containers(estimator, digits):
    pd = pytest.importorskip("pandas")
    X, y = digits
    frame = pd.DataFrame(X, index=np.arange(len(y)) + 1000)
    labels = pd.Series(y, index=frame.index, name="digit")
    X_res, y_res = clone(estimator).fit_resample(frame, labels)
    assert isinstance(X_res, pd.DataFrame) and isinstance(y_res, pd.Series)
    assert list(X_res.index) == list(y_res.index)
    assert y_res.name == "digit"
