"""Behaviour shared by the label filters: pipelines, containers, modes, properties."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from imblearn.pipeline import make_pipeline
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.semi_supervised import SelfTrainingClassifier
from threadpoolctl import threadpool_limits

from skclean import ConfidenceRankFilter, KMeansLabelFilter
from skclean.exceptions import ClassRemovedWarning
from skclean.noise import flip_labels


@pytest.fixture(autouse=True)
def _one_blas_thread():
    # Tiny data: extra threads only contend. conftest's threadpool_limits(1)
    # misses the BLAS/OpenMP libraries loaded after it (scipy's OpenBLAS).
    with threadpool_limits(1):
        yield


def _digits(n=400, rate=0.3, seed=0):
    X, y = load_digits(return_X_y=True)
    X, y = X[:n] / 16, y[:n]
    return X, flip_labels(y, rate=rate, random_state=seed), y


def _fast_confidence(**params):
    params = {"cv": 3, "random_state": 0, **params}
    return ConfidenceRankFilter(estimator=LogisticRegression(max_iter=200), **params)


FILTERS = {
    "kmeans": lambda **p: KMeansLabelFilter(random_state=0, **p),
    "confidence": _fast_confidence,
}


@pytest.fixture(params=sorted(FILTERS))
def make_filter(request):
    return FILTERS[request.param]


def test_drop_returns_kept_rows(make_filter):
    X, y, _ = _digits()
    filt = make_filter()
    X_out, y_out = filt.fit_resample(X, y)
    idx = filt.sample_indices_
    np.testing.assert_array_equal(idx, np.flatnonzero(filt.kept_mask_))
    np.testing.assert_array_equal(X_out, X[idx])
    np.testing.assert_array_equal(y_out, y[idx])
    assert 0 < len(idx) < len(y)
    assert filt.sampling_strategy_ == dict(
        zip(filt.classes_.tolist(), np.bincount(y_out).tolist())
    )
    assert list(filt.report_["n_kept"]) == np.bincount(y_out).tolist()


def test_unlabel_keeps_every_row(make_filter):
    X, y, _ = _digits()
    # ConfidenceRankFilter's threshold="auto" depends on the mode: fix it here.
    params = {"threshold": 0.9} if make_filter is _fast_confidence else {}
    X_out, y_out = make_filter(mode="unlabel", **params).fit_resample(X, y)
    drop = make_filter(**params).fit(X, y)
    assert X_out is X
    np.testing.assert_array_equal(y_out == -1, ~drop.kept_mask_)
    np.testing.assert_array_equal(y_out[drop.kept_mask_], y[drop.kept_mask_])
    np.testing.assert_array_equal(drop.sample_indices_, np.flatnonzero(drop.kept_mask_))


def test_image_shaped_X_keeps_its_shape(make_filter):
    X, y, _ = _digits()
    images = X.reshape(-1, 1, 8, 8)
    X_out, _ = make_filter().fit_resample(images, y)
    flat_out, _ = make_filter().fit_resample(X, y)
    assert X_out.shape[1:] == (1, 8, 8)
    np.testing.assert_array_equal(X_out.reshape(len(X_out), -1), flat_out)


def test_pandas_in_pandas_out(make_filter):
    X, y, _ = _digits()
    X_df = pd.DataFrame(
        X, columns=[f"px{i}" for i in range(64)], index=np.arange(400) + 7
    )
    y_s = pd.Series(y, name="digit", index=X_df.index)
    filt = make_filter()
    X_out, y_out = filt.fit_resample(X_df, y_s)
    assert isinstance(X_out, pd.DataFrame) and isinstance(y_out, pd.Series)
    assert y_out.name == "digit" and list(X_out.columns) == list(X_df.columns)
    np.testing.assert_array_equal(X_out.index, X_df.index[filt.sample_indices_])
    np.testing.assert_array_equal(y_out.index, X_out.index)
    np.testing.assert_array_equal(filt.feature_names_in_, X_df.columns)


@pytest.mark.parametrize("mode", ["drop", "unlabel"])
def test_string_labels(make_filter, mode):
    X, y, _ = _digits()
    names = np.array([f"digit {i}" for i in range(10)])  # sorts as 0..9 does
    filt = make_filter(mode=mode)
    _, y_out = filt.fit_resample(X, names[y])
    np.testing.assert_array_equal(filt.classes_, names)
    # Decisions depend on the classes' order, not on how they are spelt.
    same = make_filter(mode=mode).fit(X, y)
    np.testing.assert_array_equal(filt.kept_mask_, same.kept_mask_)
    if mode == "unlabel":
        assert y_out.dtype == object
        np.testing.assert_array_equal(y_out == -1, ~filt.kept_mask_)
        np.testing.assert_array_equal(y_out[filt.kept_mask_], names[y][filt.kept_mask_])
    else:
        np.testing.assert_array_equal(y_out, names[y][filt.kept_mask_])


def test_inputs_not_modified(make_filter):
    X, y, _ = _digits()
    images = X.reshape(-1, 1, 8, 8)
    X_before, y_before = images.copy(), y.copy()
    make_filter(mode="unlabel").fit_resample(images, y)
    make_filter().fit_resample(images, y)
    np.testing.assert_array_equal(images, X_before)
    np.testing.assert_array_equal(y, y_before)


def test_same_random_state_same_output(make_filter):
    X, y, _ = _digits()
    a = make_filter().fit(X, y)
    b = make_filter().fit(X, y)
    np.testing.assert_array_equal(a.kept_mask_, b.kept_mask_)


def test_sparse_X_gives_the_same_labels_as_dense(make_filter):
    X, y, _ = _digits()
    dense = make_filter().fit(X, y)
    X_out, y_out = make_filter().fit_resample(sp.csr_matrix(X), y)
    assert sp.issparse(X_out)
    if isinstance(dense, KMeansLabelFilter):
        np.testing.assert_array_equal(y_out, y[dense.kept_mask_])
    else:  # the same estimator on the same numbers: same decisions
        assert abs(len(y_out) - dense.kept_mask_.sum()) <= 0.02 * len(y)


@pytest.mark.parametrize(
    "X, y, error, match",
    [
        (np.full((6, 2), np.nan), [0, 1] * 3, ValueError, "NaN"),
        (np.full((6, 2), np.inf), [0, 1] * 3, ValueError, "infinity"),
        (np.ones((6, 2)), [0] * 6, ValueError, "at least two classes"),
        (np.ones((6, 2)), [0, 1] * 4, ValueError, "inconsistent numbers of samples"),
        (np.ones((6, 2)), np.linspace(0, 1, 6), ValueError, "Unknown label type"),
    ],
)
def test_bad_input_raises(make_filter, X, y, error, match):
    with pytest.raises(error, match=match):
        make_filter().fit_resample(X, y)


def test_unlabel_refuses_minus_one_labels(make_filter):
    X, y, _ = _digits()
    with pytest.raises(ValueError, match="-1"):
        make_filter(mode="unlabel").fit_resample(X, np.where(y == 0, -1, y))


def test_bad_mode_raises(make_filter):
    X, y, _ = _digits()
    with pytest.raises(ValueError, match="'mode' parameter"):
        make_filter(mode="relabel").fit_resample(X, y)


@pytest.mark.slow
def test_in_pipeline_under_grid_search_and_cross_validate():
    X, y, _ = _digits(n=300)
    model = make_pipeline(
        KMeansLabelFilter(random_state=0), LogisticRegression(max_iter=200)
    )
    search = GridSearchCV(
        model, {"kmeanslabelfilter__selection": ["farthest", "largest"]}, cv=3
    ).fit(X, y)
    assert search.best_params_["kmeanslabelfilter__selection"] in {
        "farthest",
        "largest",
    }
    assert search.predict(X).shape == (300,)

    model = make_pipeline(_fast_confidence(), LogisticRegression(max_iter=200))
    search = GridSearchCV(
        model, {"confidencerankfilter__threshold": [0.5, 0.9]}, cv=3
    ).fit(X, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    scores = cross_validate(model, X, y, cv=3)
    assert scores["test_score"].shape == (3,)


def test_unlabel_mode_feeds_a_semi_supervised_classifier():
    X, y, _ = _digits(n=300)
    model = make_pipeline(
        KMeansLabelFilter(mode="unlabel", random_state=0),
        SelfTrainingClassifier(LogisticRegression(max_iter=200), max_iter=2),
    )
    model.fit(X, y)
    assert set(model[-1].classes_) == set(range(10))


def test_class_removed_warning():
    X, y, _ = _digits()
    y_proba = np.eye(10)[np.where(y == 0, 1, y)]  # class 0 is always called 1
    filt = ConfidenceRankFilter(min_fraction=0.0)
    with pytest.warns(ClassRemovedWarning, match=r"class\(es\) \[0\]"):
        filt.fit_resample(X, y, y_proba=y_proba)
    assert filt.sampling_strategy_[0] == 0


# Property tests. The KMeans filter runs on tiny data; the confidence filter is
# given its probabilities, so that nothing is trained.


@st.composite
def labelled_data(draw, min_per_class=2):
    n_classes = draw(st.integers(2, 4))
    counts = draw(
        st.lists(st.integers(min_per_class, 8), min_size=n_classes, max_size=n_classes)
    )
    y = np.repeat(np.arange(n_classes), counts)
    seed = draw(st.integers(0, 2**16))
    rng = np.random.RandomState(seed)
    y = y[rng.permutation(y.size)]
    X = rng.normal(size=(y.size, 3)) + y[:, None]
    return X, y, rng


@settings(max_examples=25, deadline=None)
@given(data=labelled_data(), mode=st.sampled_from(["drop", "unlabel"]))
def test_kmeans_returns_rows_with_labels_unchanged(data, mode):
    X, y, _ = data
    X_out, y_out = KMeansLabelFilter(mode=mode, random_state=0).fit_resample(X, y)
    _check_output(X, y, X_out, y_out, mode)


@pytest.mark.filterwarnings("ignore::skclean.exceptions.ClassRemovedWarning")
@settings(max_examples=60, deadline=None)
@given(
    data=labelled_data(min_per_class=1),
    mode=st.sampled_from(["drop", "unlabel"]),
    threshold=st.floats(0, 1),
    min_fraction=st.floats(0, 1),
)
def test_confidence_keeps_min_fraction_and_labels_unchanged(
    data, mode, threshold, min_fraction
):
    X, y, rng = data
    n_classes = y.max() + 1
    y_proba = rng.dirichlet(np.ones(n_classes), size=y.size)
    filt = ConfidenceRankFilter(
        threshold=threshold, min_fraction=min_fraction, mode=mode
    )
    X_out, y_out = filt.fit_resample(X, y, y_proba=y_proba)
    _check_output(X, y, X_out, y_out, mode)
    for c in range(n_classes):
        assert filt.kept_mask_[y == c].mean() >= min_fraction


@pytest.mark.filterwarnings("ignore::skclean.exceptions.ClassRemovedWarning")
@settings(max_examples=40, deadline=None)
@given(
    data=labelled_data(min_per_class=1),
    threshold=st.sampled_from([0.0, 0.3, 0.9]),
    min_fraction=st.sampled_from([0.0, 0.1, 0.5, 1.0]),
    ties=st.booleans(),
)
def test_confidence_is_invariant_to_row_order(data, threshold, min_fraction, ties):
    X, y, rng = data
    n_classes = y.max() + 1
    y_proba = rng.dirichlet(np.ones(n_classes), size=y.size)
    if ties:  # coarse probabilities make many ties in the ranking
        y_proba = np.round(y_proba, 1)
    perm = rng.permutation(y.size)
    params = {"threshold": threshold, "min_fraction": min_fraction}
    a = ConfidenceRankFilter(**params).fit(X, y, y_proba=y_proba)
    b = ConfidenceRankFilter(**params).fit(X[perm], y[perm], y_proba=y_proba[perm])
    np.testing.assert_array_equal(a.kept_mask_[perm], b.kept_mask_)


def _check_output(X, y, X_out, y_out, mode):
    if mode == "drop":
        # A subset of the rows, in order, each with its own label.
        rows = [np.flatnonzero((X == x).all(axis=1))[0] for x in X_out]
        assert rows == sorted(set(rows))
        np.testing.assert_array_equal(y_out, y[rows])
    else:
        assert X_out is X
        assert np.all((y_out == y) | (y_out == -1))
