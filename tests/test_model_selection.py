"""Model selection over noise handling: searches, cross-validation, clean scoring."""

import warnings

import numpy as np
import pytest
import sklearn
from scipy.stats import spearmanr
from sklearn.datasets import load_digits
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, make_scorer
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    StratifiedKFold,
    cross_val_score,
    cross_validate,
)
from sklearn.naive_bayes import GaussianNB
from sklearn.semi_supervised import SelfTrainingClassifier
from sklearn.tree import DecisionTreeClassifier
from threadpoolctl import threadpool_limits

from skclean import LabelNoise, Pipeline, make_pipeline
from skclean.filters import ConfidenceRankFilter, KMeansLabelFilter
from skclean.metrics import labeled_accuracy
from skclean.nets import MLP, CNNClassifier
from skclean.noise import flip_labels


@pytest.fixture(scope="module", autouse=True)
def _one_native_thread():
    # Many tiny fits: BLAS/OpenMP threads only add contention on a busy 2-core box.
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16).astype(np.float32), y


@pytest.fixture(scope="module")
def small(digits):
    X, y = digits
    return X[:360], y[:360]


def _lr():
    return LogisticRegression(max_iter=200)


def _noisy_pipeline(clf=None):
    """Clean labels in, noise in training folds only, a filter slot, a classifier."""
    return Pipeline(
        [
            ("noise", LabelNoise(rate=0.3, random_state=0)),
            ("filter", "passthrough"),
            ("clf", _lr() if clf is None else clf),
        ]
    )


def _scores(search):
    results = search.cv_results_
    n_splits = search.n_splits_
    return np.array([results[f"split{i}_test_score"] for i in range(n_splits)])


# -- searching over the noise handling -------------------------------------------


@pytest.mark.slow
def test_grid_search_over_filters_their_params_and_passthrough(small):
    X, y = small
    grid = [
        {
            "filter": [KMeansLabelFilter(random_state=0)],
            "filter__n_clusters": [2, 3],
            "filter__selection": ["farthest", "largest"],
        },
        {
            "filter": [ConfidenceRankFilter(estimator=_lr(), cv=3, random_state=0)],
            "filter__threshold": [0.5, 0.9],
        },
        {"filter": ["passthrough"], "clf__C": [0.1, 1.0]},
    ]
    search = GridSearchCV(_noisy_pipeline(), grid, cv=3, error_score="raise")
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 8
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_score_ > 0.7
    names = {type(p["filter"]).__name__ for p in search.cv_results_["params"]}
    assert names == {"KMeansLabelFilter", "ConfidenceRankFilter", "str"}
    assert search.predict(X).shape == y.shape


@pytest.mark.filterwarnings("ignore:y contains no unlabeled samples")
@pytest.mark.slow
def test_grid_search_over_mode_with_a_semi_supervised_final_step(small):
    X, y = small
    semi = SelfTrainingClassifier(_lr(), max_iter=2)
    pipe = _noisy_pipeline(semi).set_params(filter=KMeansLabelFilter(random_state=0))
    grid = {"filter__mode": ["drop", "unlabel"], "clf__threshold": [0.75, 0.9]}
    search = GridSearchCV(pipe, grid, cv=3, error_score="raise").fit(X, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert -1 not in search.classes_


@pytest.mark.filterwarnings("ignore:One or more of the test scores are non-finite")
def test_unlabel_mode_with_a_supervised_classifier_is_an_error(small):
    X, y = small
    pipe = _noisy_pipeline().set_params(filter=KMeansLabelFilter(random_state=0))
    grid = {"filter__mode": ["drop", "unlabel"]}
    with pytest.warns(FitFailedWarning, match="mode='unlabel'"):
        search = GridSearchCV(pipe, grid, cv=3, refit=False).fit(X, y)
    scores = dict(
        zip(
            [p["filter__mode"] for p in search.cv_results_["params"]],
            search.cv_results_["mean_test_score"],
        )
    )
    assert np.isfinite(scores["drop"]) and np.isnan(scores["unlabel"])

    search.set_params(error_score="raise")
    with pytest.raises(ValueError, match="filter__mode='drop'"):
        search.fit(X, y)


def test_grid_search_over_the_net_and_the_filter(small):
    X, y = small
    net = CNNClassifier(module=MLP, max_epochs=3, batch_size=64, random_state=0)
    pipe = make_pipeline(
        LabelNoise(rate=0.3, random_state=0), KMeansLabelFilter(random_state=0), net
    )
    grid = {"cnnclassifier__lr": [1e-3, 1e-2], "kmeanslabelfilter__n_clusters": [2, 3]}
    search = GridSearchCV(pipe, grid, cv=3, error_score="raise").fit(X, y)
    assert search.best_params_["cnnclassifier__lr"] == 1e-2  # 3 epochs: faster wins
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_cross_validate_and_cross_val_score(small):
    X, y = small
    pipe = _noisy_pipeline().set_params(filter=KMeansLabelFilter(random_state=0))
    result = cross_validate(
        pipe,
        X,
        y,
        cv=3,
        scoring={"accuracy": "accuracy", "labeled": labeled_accuracy},
        return_estimator=True,
    )
    # No test label is -1 here: both scores agree.
    np.testing.assert_array_equal(result["test_accuracy"], result["test_labeled"])
    assert all(
        est.named_steps["filter"].kept_mask_.mean() < 1 for est in result["estimator"]
    )
    scores = cross_val_score(pipe, X, y, cv=3)
    np.testing.assert_array_equal(scores, result["test_accuracy"])


@pytest.mark.parametrize("routing", [False, True])
def test_cross_validate_carries_sample_weight_through_the_filter(small, routing):
    X, y = small
    weights = np.linspace(0.5, 1.5, y.shape[0])
    with sklearn.config_context(enable_metadata_routing=routing):
        clf = _lr()
        if routing:
            clf.set_fit_request(sample_weight=True)
            params = {"sample_weight": weights}
            # Weighted fit, unweighted score.
            scoring = make_scorer(accuracy_score).set_score_request(sample_weight=False)
        else:
            params = {"clf__sample_weight": weights}
            scoring = "accuracy"
        pipe = _noisy_pipeline(clf).set_params(filter=KMeansLabelFilter(random_state=0))
        result = cross_validate(
            pipe,
            X,
            y,
            cv=KFold(3),
            params=params,
            scoring=scoring,
            return_estimator=True,
        )
    assert np.all(np.isfinite(result["test_score"]))
    for (train, _), fitted in zip(KFold(3).split(X), result["estimator"]):
        kept = fitted.named_steps["filter"].sample_indices_
        direct = _lr().fit(
            X[train][kept],
            flip_labels(y[train], rate=0.3, random_state=0)[kept],
            sample_weight=weights[train][kept],
        )
        np.testing.assert_allclose(fitted.named_steps["clf"].coef_, direct.coef_)


@pytest.mark.slow
def test_parallel_search_matches_sequential(small):
    X, y = small
    pipe = _noisy_pipeline().set_params(filter=KMeansLabelFilter(random_state=0))
    grid = {"filter__n_clusters": [2, 3], "clf__C": [0.1, 1.0]}
    sequential = GridSearchCV(pipe, grid, cv=3).fit(X, y)
    parallel = GridSearchCV(pipe, grid, cv=3, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(_scores(parallel), _scores(sequential))
    scores = cross_val_score(pipe, X, y, cv=3, n_jobs=2)
    np.testing.assert_array_equal(scores, cross_val_score(pipe, X, y, cv=3))


def test_same_random_states_give_identical_search_results(small):
    X, y = small

    def search():
        pipe = make_pipeline(
            LabelNoise(rate=0.4, random_state=0),
            KMeansLabelFilter(random_state=0),
            CNNClassifier(module=MLP, max_epochs=3, batch_size=64, random_state=0),
        )
        grid = {"kmeanslabelfilter__selection": ["farthest", "largest"]}
        cv = StratifiedKFold(3, shuffle=True, random_state=0)
        return GridSearchCV(pipe, grid, cv=cv).fit(X, y)

    first, second = search(), search()
    np.testing.assert_array_equal(_scores(first), _scores(second))
    np.testing.assert_array_equal(
        first.cv_results_["mean_test_score"], second.cv_results_["mean_test_score"]
    )


# -- evaluating on clean labels ------------------------------------------------------


def test_label_noise_step_noises_training_folds_only(small):
    X, y = small
    pipe = make_pipeline(LabelNoise(rate=0.4, random_state=0), _lr())
    cv = KFold(3)
    result = cross_validate(pipe, X, y, cv=cv, return_estimator=True)
    for (train, test), fitted, score in zip(
        cv.split(X), result["estimator"], result["test_score"]
    ):
        noise = fitted.named_steps["labelnoise"]
        assert noise.noisy_mask_.shape == (train.shape[0],)  # training rows only
        y_fit = flip_labels(y[train], rate=0.4, random_state=0)
        reference = _lr().fit(X[train], y_fit)
        np.testing.assert_allclose(fitted[-1].coef_, reference.coef_)
        # The fold is scored against the clean labels of the test rows.
        assert score == accuracy_score(y[test], reference.predict(X[test]))
        y_test_noisy = flip_labels(y[test], rate=0.4, random_state=1)
        assert score > accuracy_score(y_test_noisy, reference.predict(X[test]))


def _symmetric_noisy_accuracy(accuracy, rate, n_classes):
    """Expected accuracy on labels with symmetric noise, given the clean accuracy."""
    return (1 - rate) * accuracy + rate * (1 - accuracy) / (n_classes - 1)


def test_symmetric_noise_keeps_the_ranking_and_is_affine_in_clean_accuracy(digits):
    """Under symmetric noise of rate r over K classes, a prediction that is right
    matches the noisy label with probability 1 - r, a wrong one with r / (K - 1):

        E[acc_noisy] = (1 - r) acc + r (1 - acc) / (K - 1),

    an increasing affine function of the clean accuracy when r < (K - 1) / K, so
    noisy test labels rank models as clean ones do."""
    X, y = digits
    X_train, y_train, X_test, y_test = X[:900], y[:900], X[900:], y[900:]
    models = [
        DummyClassifier(strategy="stratified", random_state=0),
        DecisionTreeClassifier(max_depth=4, random_state=0),
        DecisionTreeClassifier(max_depth=8, random_state=0),
        GaussianNB(),
        LogisticRegression(max_iter=300),
    ]
    predictions = [m.fit(X_train, y_train).predict(X_test) for m in models]
    rate, n_classes, n_test = 0.4, 10, y_test.shape[0]
    clean = np.array([accuracy_score(y_test, p) for p in predictions])
    expected = _symmetric_noisy_accuracy(clean, rate, n_classes)

    # One noisy test set, as a user would have.
    y_noisy = flip_labels(y_test, rate=rate, random_state=0)
    noisy = np.array([accuracy_score(y_noisy, p) for p in predictions])
    # Each test row matches its noisy label with probability 1 - r or r / (K - 1).
    p_match = [
        np.where(p == y_test, 1 - rate, rate / (n_classes - 1)) for p in predictions
    ]
    std = np.array([np.sqrt(np.sum(p * (1 - p))) / n_test for p in p_match])
    np.testing.assert_array_less(np.abs(noisy - expected), 4 * std)
    assert spearmanr(clean, noisy).statistic == pytest.approx(1.0)

    # Averaged over many noisy test sets, the formula holds tightly.
    draws = np.array(
        [
            [
                accuracy_score(flip_labels(y_test, rate=rate, random_state=s), p)
                for p in predictions
            ]
            for s in range(1, 101)
        ]
    )
    np.testing.assert_allclose(draws.mean(axis=0), expected, atol=4 * std.max() / 10)
    slope = 1 - rate - rate / (n_classes - 1)
    fitted_slope = np.polyfit(clean, draws.mean(axis=0), 1)[0]
    assert fitted_slope == pytest.approx(slope, abs=0.02)
    assert np.all(np.argsort(draws.mean(axis=0)) == np.argsort(clean))


def test_asymmetric_noise_can_reverse_the_ranking(digits):
    """Under pair noise (3 -> 8 with rate r) a model that predicts 8 for every 3
    gains r on each 3 and loses 1 - r; a model that is right on the 3s but
    wrong on s other rows loses s + r n_3. With n_3 (1 - 2r) < s < n_3 the
    second is better on clean labels and worse on noisy ones."""
    _, y = digits
    y_test = y[900:]
    rate = 0.4
    threes = np.flatnonzero(y_test == 3)
    zeros = np.flatnonzero(y_test == 0)
    n_3 = threes.shape[0]

    # Right on every 3, but confuses 60% as many zeros with sixes.
    careful = y_test.copy()
    careful[zeros[: int(0.6 * n_3)]] = 6
    # Right everywhere else, but has learned the noisy pair: every 3 is an 8.
    pair_learner = y_test.copy()
    pair_learner[threes] = 8

    assert accuracy_score(y_test, careful) > accuracy_score(y_test, pair_learner)

    noisy_scores = []
    for seed in range(20):
        y_noisy = flip_labels(
            y_test, kind="asymmetric", pairs={3: 8}, rate=rate, random_state=seed
        )
        noisy_scores.append(
            (accuracy_score(y_noisy, careful), accuracy_score(y_noisy, pair_learner))
        )
    careful_noisy, pair_noisy = np.mean(noisy_scores, axis=0)
    assert pair_noisy > careful_noisy  # the noisy test labels prefer the wrong model
    n = y_test.shape[0]
    assert careful_noisy == pytest.approx(1 - (0.6 * n_3 + rate * n_3) / n, abs=0.01)
    assert pair_noisy == pytest.approx(1 - (1 - rate) * n_3 / n, abs=0.01)


def test_search_scores_on_clean_labels_rank_like_the_clean_test_set(digits):
    """With LabelNoise as the first step, the search's scores are clean-label
    scores: the candidate it picks is the one a clean held-out set prefers."""
    X, y = digits
    X_train, y_train, X_test, y_test = X[:900], y[:900], X[900:], y[900:]
    pipe = _noisy_pipeline().set_params(noise__rate=0.5)
    grid = {"clf__C": [0.001, 1.0]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence
        search = GridSearchCV(pipe, grid, cv=3).fit(X_train, y_train)
    held_out = [
        pipe.set_params(**params).fit(X_train, y_train).score(X_test, y_test)
        for params in search.cv_results_["params"]
    ]
    assert np.argmax(held_out) == np.argmax(search.cv_results_["mean_test_score"])
