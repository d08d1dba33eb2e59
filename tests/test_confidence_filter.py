import numpy as np
import pytest
import sklearn
from imblearn.pipeline import make_pipeline
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, cross_validate
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

from skclean.filters import ConfidenceRankFilter
from skclean.filters._confidence import _min_count
from skclean.noise import flip_labels
from skclean.pipeline import make_pipeline as skclean_make_pipeline


@pytest.fixture(autouse=True)
def _one_blas_thread():
    # Tiny data: extra threads only contend. conftest's threadpool_limits(1)
    # misses the BLAS/OpenMP libraries loaded after it (scipy's OpenBLAS).
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:1000] / 16, y[:1000]  # a subset keeps the file fast


def _noisy(y, kind, rate, seed=0):
    pairs = "ding2018" if kind == "asymmetric" else None
    return flip_labels(y, kind=kind, rate=rate, pairs=pairs, random_state=seed)


def _precision(filt, y_noisy, y_clean):
    kept = filt.kept_mask_
    return np.mean(y_noisy[kept] == y_clean[kept])


def test_paper_rule_high_precision_on_asymmetric_noise(digits):
    X, y = digits
    y_noisy = _noisy(y, "asymmetric", 0.4)
    filt = ConfidenceRankFilter(threshold=0.9, cv=3, random_state=0).fit(X, y_noisy)
    assert np.mean(y_noisy == y) < 0.9
    assert _precision(filt, y_noisy, y) > 0.97
    assert filt.kept_mask_.mean() > 0.4
    # The default estimator: PCA, then k nearest neighbours.
    steps = [name for name, _ in filt.estimator_.steps]
    assert steps == ["pca", "kneighborsclassifier"]
    assert filt.y_proba_.shape == (len(y), 10)
    np.testing.assert_allclose(filt.y_proba_.sum(axis=1), 1)


def test_default_keeps_clean_labels_and_drops_wrong_ones(digits):
    X, y = digits
    clean = ConfidenceRankFilter(cv=3, random_state=0).fit(X, y)
    assert clean.kept_mask_.mean() > 0.97
    y_noisy = _noisy(y, "symmetric", 0.4)
    noisy = ConfidenceRankFilter(cv=3, random_state=0).fit(X, y_noisy)
    assert np.mean(y_noisy == y) < 0.65
    assert _precision(noisy, y_noisy, y) > 0.9
    assert 0.45 < noisy.kept_mask_.mean() < 0.75
    # The paper's rule keeps far fewer rows on the same probabilities.
    paper = ConfidenceRankFilter(threshold=0.9).fit(X, y_noisy, y_proba=noisy.y_proba_)
    assert paper.kept_mask_.mean() < noisy.kept_mask_.mean() - 0.2


def test_auto_threshold_depends_on_mode(digits):
    X, y = digits
    y_noisy = _noisy(y, "symmetric", 0.3)
    proba = ConfidenceRankFilter(cv=3, random_state=0).fit(X, y_noisy).y_proba_
    unlabel = ConfidenceRankFilter(mode="unlabel").fit(X, y_noisy, y_proba=proba)
    paper = ConfidenceRankFilter(mode="unlabel", threshold=0.9, min_fraction=0.1)
    paper.fit(X, y_noisy, y_proba=proba)
    np.testing.assert_array_equal(unlabel.kept_mask_, paper.kept_mask_)
    drop = ConfidenceRankFilter().fit(X, y_noisy, y_proba=proba)
    assert not np.array_equal(drop.kept_mask_, unlabel.kept_mask_)


def test_drop_rule_on_handmade_probabilities():
    X = np.zeros((6, 1))
    y = np.array([0, 0, 0, 1, 1, 1])
    # Per-class thresholds: mean P(0) over rows labelled 0 = 0.6, mean P(1)
    # over rows labelled 1 = 0.8.
    p0 = np.array([0.9, 0.7, 0.2, 0.0, 0.1, 0.5])
    y_proba = np.column_stack([p0, 1 - p0])
    filt = ConfidenceRankFilter(min_fraction=0).fit(X, y, y_proba=y_proba)
    # Row 2 (label 0): P(1) = 0.8 reaches class 1's threshold and beats 0.2.
    # Row 5 (label 1): P(0) = 0.5 is below class 0's threshold: kept although
    # the model does not prefer label 1.
    np.testing.assert_array_equal(filt.kept_mask_, [1, 1, 0, 1, 1, 1])
    # Row 1 (label 0, P(0) = 0.7) is kept by the default but not by the paper's 0.9.
    paper = ConfidenceRankFilter(threshold=0.9, min_fraction=0)
    np.testing.assert_array_equal(
        paper.fit(X, y, y_proba=y_proba).kept_mask_, [1, 0, 0, 1, 1, 0]
    )


def test_precomputed_y_proba_gives_the_same_result(digits):
    X, y = digits
    y_noisy = _noisy(y, "symmetric", 0.3)
    computed = ConfidenceRankFilter(cv=3, random_state=0).fit(X, y_noisy)
    given = ConfidenceRankFilter().fit(X, y_noisy, y_proba=computed.y_proba_)
    np.testing.assert_array_equal(given.kept_mask_, computed.kept_mask_)
    assert given.estimator_ is None
    assert given.report_ == computed.report_


def test_rules_on_handmade_probabilities():
    X = np.zeros((10, 1))
    y = np.array([0] * 5 + [1] * 5)
    p0 = np.array([0.95, 0.9, 0.8, 0.3, 0.1, 0.05, 0.2, 0.6, 0.3, 0.0])
    y_proba = np.column_stack([p0, 1 - p0])
    # Class 0: agreeing rows 0-2, of which 0-1 pass 0.9. Class 1: agreeing rows
    # 5, 6, 8, 9 (p1 = 0.95, 0.8, 0.7, 1.0), of which 5 and 9 pass.
    filt = ConfidenceRankFilter(threshold=0.9, min_fraction=0).fit(
        X, y, y_proba=y_proba
    )
    np.testing.assert_array_equal(np.flatnonzero(filt.kept_mask_), [0, 1, 5, 9])
    # min_fraction tops up down the ranking: agreeing rows first...
    filt = ConfidenceRankFilter(threshold=0.9, min_fraction=0.6)
    filt.fit(X, y, y_proba=y_proba)
    np.testing.assert_array_equal(np.flatnonzero(filt.kept_mask_), [0, 1, 2, 5, 6, 9])
    # ...then the disagreeing ones, ranked by P(label | x).
    filt = ConfidenceRankFilter(threshold=0.9, min_fraction=0.8)
    filt.fit(X, y, y_proba=y_proba)
    np.testing.assert_array_equal(
        np.flatnonzero(filt.kept_mask_), [0, 1, 2, 3, 5, 6, 8, 9]
    )
    # Label issues: the rows the model disagrees with, kept or not.
    np.testing.assert_allclose(filt.report_["label_issue_fraction"], [0.4, 0.2])
    np.testing.assert_array_equal(filt.label_issues_mask_, y_proba.argmax(axis=1) != y)
    np.testing.assert_array_equal(filt.suggested_labels_, y_proba.argmax(axis=1))
    np.testing.assert_allclose(filt.label_quality_, y_proba[np.arange(len(y)), y])


def test_ties_at_the_cut_are_kept_together():
    X = np.zeros((6, 1))
    y = np.array([0, 0, 0, 0, 1, 1])
    y_proba = np.array([[0.6, 0.4]] * 4 + [[0.1, 0.9]] * 2)
    filt = ConfidenceRankFilter(threshold=0.9, min_fraction=0.25)
    filt.fit(X, y, y_proba=y_proba)
    assert filt.kept_mask_.tolist() == [True] * 6  # one needed, four tied
    # A row whose label ties for the highest probability agrees.
    filt = ConfidenceRankFilter(threshold=0.5, min_fraction=0)
    filt.fit(X[:2], [0, 1], y_proba=[[0.5, 0.5], [0.5, 0.5]])
    assert filt.kept_mask_.all()


@pytest.mark.parametrize("fraction, n", [(0.1, 30), (0.1, 7), (0.3, 10), (1 / 3, 3)])
def test_min_count(fraction, n):
    k = _min_count(fraction, n)
    assert k / n >= fraction and (k == 0 or (k - 1) / n < fraction)


def test_in_sample_cv_none(digits):
    X, y = digits
    y_noisy = _noisy(y, "symmetric", 0.2)
    filt = ConfidenceRankFilter(cv=None, random_state=0).fit(X[:500], y_noisy[:500])
    np.testing.assert_allclose(filt.y_proba_, filt.estimator_.predict_proba(X[:500]))


def test_cv_splitter_and_iterable(digits):
    X, y = digits
    X, y = X[:300], _noisy(y[:300], "symmetric", 0.2)
    estimator = LogisticRegression(max_iter=200)
    a = ConfidenceRankFilter(estimator=estimator, cv=KFold(3)).fit(X, y)
    b = ConfidenceRankFilter(estimator=estimator, cv=list(KFold(3).split(X))).fit(X, y)
    np.testing.assert_array_equal(a.kept_mask_, b.kept_mask_)
    assert not hasattr(a.estimator_, "coef_")  # fold copies are fitted, not it


def test_clean_set_variant_improves_precision(digits):
    X, y = digits
    y_noisy = _noisy(y, "asymmetric", 0.6)
    clean = np.random.RandomState(0).rand(len(y)) < 0.2
    y_given = np.where(clean, y, y_noisy)
    plain = ConfidenceRankFilter(threshold=0.9, cv=3, random_state=0)
    plain.fit(X, y_given)
    with_clean = ConfidenceRankFilter(random_state=0)
    with_clean.fit(X, y_given, clean_mask=clean)
    assert with_clean.kept_mask_[clean].all()  # clean rows are always kept
    assert _precision(with_clean, y_given, y) > max(0.98, _precision(plain, y_given, y))
    assert with_clean.kept_mask_.mean() > plain.kept_mask_.mean()
    assert len(with_clean.estimators_) == 10 and with_clean.estimator_ is None
    # Column k: class k's binary classifier's probability for every row.
    np.testing.assert_allclose(
        with_clean.y_proba_[:, 3], with_clean.estimators_[3].predict_proba(X)[:, 1]
    )
    noisy_kept = with_clean.kept_mask_ & ~clean
    rows = np.arange(len(y))
    assert np.all(with_clean.y_proba_[rows, y_given][noisy_kept] >= 0.5)


def test_clean_set_variant_keeps_min_fraction(digits):
    X, y = digits
    clean = np.zeros(len(y), dtype=bool)
    clean[:50] = True
    y_given = np.where(clean, y, (y + 1) % 10)  # every noisy label is wrong
    filt = ConfidenceRankFilter(min_fraction=0.5, random_state=0)
    filt.fit(X, y_given, clean_mask=clean)
    assert min(filt.report_["kept_fraction"]) >= 0.5


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (
            {"y_proba": np.full((20, 3), 0.5)},
            ValueError,
            r"shape \(n_samples, n_classes\)",
        ),
        ({"y_proba": np.full((19, 2), 0.5)}, ValueError, r"= \(20, 2\)"),
        ({"y_proba": np.full(20, 0.5)}, ValueError, "got shape"),
        ({"y_proba": np.full((20, 2), np.nan)}, ValueError, "NaN"),
        ({"y_proba": np.full((20, 2), 2.0)}, ValueError, r"in \[0, 1\]"),
        ({"clean_mask": np.ones(20, dtype=int)}, TypeError, "boolean array"),
        ({"clean_mask": np.ones(19, dtype=bool)}, ValueError, r"shape \(n_samples,\)"),
        ({"clean_mask": np.arange(20) < 10}, ValueError, r"class\(es\) \[1\]"),
        (
            {"clean_mask": np.ones(20, bool), "y_proba": np.full((20, 2), 0.5)},
            ValueError,
            "not both",
        ),
    ],
)
def test_bad_fit_params(kwargs, error, match):
    X = np.random.RandomState(0).rand(20, 2)
    y = np.repeat([0, 1], 10)
    with pytest.raises(error, match=match):
        ConfidenceRankFilter().fit_resample(X, y, **kwargs)


def test_class_with_fewer_rows_than_folds():
    X = np.random.RandomState(0).rand(20, 2)
    y = np.array([0] * 9 + [1] * 9 + [2] * 2)
    with pytest.raises(ValueError, match=r"class\(es\) \[2\] have only \[2\]"):
        ConfidenceRankFilter(cv=3).fit(X, y)
    # An explicit splitter is used as given, with scikit-learn's warning.
    with pytest.warns(RuntimeWarning, match="Number of classes in training fold"):
        ConfidenceRankFilter(cv=KFold(3), min_fraction=0.5).fit(X, y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"estimator": LinearSVC()}, "estimator"),
        ({"threshold": 1.5}, "threshold"),
        ({"threshold": "high"}, "threshold"),
        ({"min_fraction": -0.1}, "min_fraction"),
        ({"cv": 1}, "cv"),
    ],
)
def test_bad_parameters(params, match):
    X, y = np.random.RandomState(0).rand(20, 2), np.repeat([0, 1], 10)
    with pytest.raises(ValueError, match=match):
        ConfidenceRankFilter(**params).fit(X, y)


def test_y_proba_through_skclean_pipeline(digits):
    X, y = digits
    X, y = X[:300], _noisy(y[:300], "symmetric", 0.2)
    y_proba = np.eye(10)[y] * 0.95 + 0.005
    model = skclean_make_pipeline(
        ConfidenceRankFilter(), LogisticRegression(max_iter=200)
    )
    model.fit(X, y, confidencerankfilter__y_proba=y_proba)
    assert model[0].kept_mask_.all() and model[0].estimator_ is None
    scores = cross_validate(
        model,
        X,
        y,
        cv=3,
        params={"confidencerankfilter__y_proba": y_proba},
        return_estimator=True,
    )
    assert all(est[0].kept_mask_.all() for est in scores["estimator"])


def test_y_proba_routed_through_pipeline_and_cross_validate(digits):
    # imbalanced-learn's Pipeline forwards fit parameters to fit_resample only
    # through metadata routing.
    X, y = digits
    X, y = X[:300], _noisy(y[:300], "symmetric", 0.2)
    y_proba = np.eye(10)[y] * 0.95 + 0.005
    with sklearn.config_context(enable_metadata_routing=True):
        filt = ConfidenceRankFilter().set_fit_resample_request(y_proba=True)
        model = make_pipeline(filt, LogisticRegression(max_iter=200))
        model.fit(X, y, y_proba=y_proba)
        assert model[0].kept_mask_.all()
        # cross_validate slices the per-row parameter with the training folds.
        scores = cross_validate(
            model, X, y, cv=3, params={"y_proba": y_proba}, return_estimator=True
        )
    for estimator in scores["estimator"]:
        assert estimator[0].kept_mask_.shape == (200,) and estimator[0].kept_mask_.all()
