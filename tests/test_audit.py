"""Label audit: label issues, quality scores, noise-matrix estimates and displays."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict
from sklearn.svm import LinearSVC
from sklearn.utils._param_validation import InvalidParameterError

import skclean
from skclean.audit import (
    LabelIssuesDisplay,
    NoiseMatrixDisplay,
    class_label_quality,
    confident_joint,
    estimate_joint,
    estimate_noise_matrix,
    find_label_issues,
    label_quality_scores,
)
from skclean.noise import flip_labels, transition_matrix

METHODS = [
    "prune_by_noise_rate",
    "prune_by_class",
    "both",
    "confident_joint",
    "predicted_neq_given",
]
SCORES = ["self_confidence", "normalized_margin", "confidence_weighted_entropy"]

Y_TOY = np.array([0, 0, 0, 1, 1, 1])
P_TOY = np.array(
    [[0.9, 0.1], [0.8, 0.2], [0.2, 0.8], [0.1, 0.9], [0.3, 0.7], [0.2, 0.8]]
)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X = X[:400] / 16
    y = y[:400]
    y_noisy = flip_labels(y, rate=0.2, random_state=0)
    return X, y, y_noisy


@pytest.fixture(scope="module")
def oracle():
    """Probabilities that a perfect classifier of the noisy labels would give."""
    rng = np.random.RandomState(0)
    T = transition_matrix(3, kind="pairflip", rate=0.3)
    y_true = rng.randint(3, size=6000)
    y_noisy = flip_labels(y_true, transition=T, random_state=0)
    proba = T[y_true] + rng.uniform(0, 0.02, size=(6000, 3))
    return T, y_true, y_noisy, proba / proba.sum(axis=1, keepdims=True)


# -- find_label_issues ---------------------------------------------------------


def test_toy_mask_and_ranking():
    mask = find_label_issues(Y_TOY, y_proba=P_TOY)
    assert mask.dtype == bool and mask.tolist() == [0, 0, 1, 0, 0, 0]
    assert find_label_issues(Y_TOY, y_proba=P_TOY, output="ranking").tolist() == [2]


@pytest.mark.parametrize("method", METHODS)
def test_string_labels_give_the_same_rows(method, oracle):
    _, _, y_noisy, proba = oracle
    names = np.array(["ant", "bee", "cat"])[y_noisy]
    expected = find_label_issues(y_noisy, y_proba=proba, method=method)
    assert np.array_equal(
        find_label_issues(names, y_proba=proba, method=method), expected
    )


@pytest.mark.parametrize("method", METHODS)
def test_methods_flag_wrong_labels_only_where_the_model_disagrees(method, oracle):
    _, y_true, y_noisy, proba = oracle
    mask = find_label_issues(y_noisy, y_proba=proba, method=method)
    agrees = proba[np.arange(len(y_noisy)), y_noisy] >= proba.max(axis=1)
    assert not np.any(mask & agrees)
    wrong = y_noisy != y_true
    assert np.mean(wrong[mask]) > 0.9  # precision
    if method == "predicted_neq_given":
        assert np.array_equal(mask, ~agrees)


def test_both_is_the_intersection(oracle):
    _, _, y_noisy, proba = oracle
    pbnr = find_label_issues(y_noisy, y_proba=proba, method="prune_by_noise_rate")
    pbc = find_label_issues(y_noisy, y_proba=proba, method="prune_by_class")
    both = find_label_issues(y_noisy, y_proba=proba, method="both")
    assert np.array_equal(both, pbnr & pbc)


@pytest.mark.parametrize("rank_by", SCORES)
def test_ranking_is_the_mask_sorted_by_score(rank_by, oracle):
    _, _, y_noisy, proba = oracle
    mask = find_label_issues(y_noisy, y_proba=proba)
    ranking = find_label_issues(
        y_noisy, y_proba=proba, output="ranking", rank_by=rank_by
    )
    assert sorted(ranking.tolist()) == np.flatnonzero(mask).tolist()
    scores = label_quality_scores(y_noisy, proba, method=rank_by)[ranking]
    assert np.all(np.diff(scores) >= 0)


def test_no_class_is_flagged_entirely():
    y = np.array([0, 1, 1, 1, 1, 1])
    proba = np.array([[0.4, 0.6]] + [[0.1, 0.9]] * 5)
    for method in METHODS[:-1]:
        assert not find_label_issues(y, y_proba=proba, method=method)[0]


def test_from_X_computes_out_of_fold_probabilities(digits):
    X, y, y_noisy = digits
    mask = find_label_issues(y_noisy, X=X, cv=3, random_state=0)
    wrong = y_noisy != y
    assert np.mean(wrong[mask]) > 0.5 and np.mean(mask[wrong]) > 0.5  # 0.2 by chance
    images = X.reshape(-1, 1, 8, 8)
    same = find_label_issues(y_noisy, X=images, cv=3, random_state=0)
    assert np.array_equal(mask, same)
    with_estimator = find_label_issues(
        y_noisy, X=X, estimator=LogisticRegression(max_iter=300), cv=3
    )
    assert with_estimator.shape == mask.shape


def test_from_sparse_or_dataframe_X(digits):
    import scipy.sparse as sp

    pd = pytest.importorskip("pandas")
    X, _, y_noisy = digits
    dense = find_label_issues(y_noisy, X=X, cv=3, random_state=0)
    frame = find_label_issues(y_noisy, X=pd.DataFrame(X), cv=3, random_state=0)
    assert np.array_equal(dense, frame)
    sparse = find_label_issues(y_noisy, X=sp.csr_matrix(X), cv=3, random_state=0)
    assert sparse.shape == dense.shape and sparse.dtype == bool


def test_y_proba_wins_over_X(digits):
    X, _, _ = digits
    y = np.tile([0, 1], 200)
    proba = np.tile([[0.8, 0.2], [0.3, 0.7]], (200, 1))
    proba[0] = [0.1, 0.9]
    assert np.array_equal(
        find_label_issues(y, y_proba=proba, X=X),
        find_label_issues(y, y_proba=proba),
    )


# -- bad input -------------------------------------------------------------------


def test_needs_y_proba_or_X():
    with pytest.raises(ValueError, match="needs y_proba .* or X"):
        find_label_issues(Y_TOY)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"method": "nope"}, InvalidParameterError, "method"),
        ({"output": "indices"}, InvalidParameterError, "output"),
        ({"rank_by": "margin"}, InvalidParameterError, "rank_by"),
        ({"cv": "five"}, InvalidParameterError, "cv"),
        ({"estimator": LinearSVC()}, InvalidParameterError, "estimator"),
    ],
)
def test_parameters_are_validated(kwargs, error, match):
    with pytest.raises(error, match=match):
        find_label_issues(Y_TOY, X=np.zeros((6, 2)), **kwargs)


@pytest.mark.parametrize(
    "function",
    [
        lambda y, p: find_label_issues(y, y_proba=p),
        label_quality_scores,
        estimate_noise_matrix,
        estimate_joint,
        confident_joint,
        class_label_quality,
    ],
    ids=["find", "scores", "noise_matrix", "joint", "confident_joint", "summary"],
)
@pytest.mark.parametrize(
    "y, proba, match",
    [
        (Y_TOY, P_TOY[:, :1], r"shape \(n_samples, n_classes\)"),
        (Y_TOY, P_TOY * 2, r"in \[0, 1\]"),
        (Y_TOY, np.where(P_TOY == 0.9, np.nan, P_TOY), "NaN"),
        (Y_TOY[:-1], P_TOY, "shape"),
        (np.zeros(6, dtype=int), P_TOY, "2 classes"),
        (np.linspace(0, 1, 6), P_TOY, "Unknown label type"),
        (np.zeros(0, dtype=int), np.zeros((0, 2)), "empty"),
    ],
    ids=["columns", "range", "nan", "length", "one_class", "continuous", "empty"],
)
def test_bad_labels_or_probabilities(function, y, proba, match):
    with pytest.raises(ValueError, match=match):
        function(y, proba)


@pytest.mark.parametrize("bad, match", [(np.nan, "NaN"), (np.inf, "infinity")])
def test_nan_or_inf_in_X(bad, match, digits):
    X, _, y_noisy = digits
    X = X.copy()
    X[3, 5] = bad
    with pytest.raises(ValueError, match=match):
        find_label_issues(y_noisy, X=X, cv=3)


def test_X_of_another_length_or_1d(digits):
    X, _, y_noisy = digits
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        find_label_issues(y_noisy[:-1], X=X)
    with pytest.raises(ValueError, match="2D array"):
        find_label_issues(y_noisy, X=X[:, 0])


def test_too_few_rows_for_the_folds():
    X = np.arange(12.0).reshape(6, 2)
    with pytest.raises(ValueError, match="needs at least 5 rows of every class"):
        find_label_issues(Y_TOY, X=X)


def test_inputs_are_not_modified(digits):
    X, _, y_noisy = digits
    X_copy, y_copy, p_copy = X.copy(), y_noisy.copy(), P_TOY.copy()
    find_label_issues(y_noisy, X=X, cv=3, random_state=0)
    for function in (label_quality_scores, estimate_noise_matrix, class_label_quality):
        function(Y_TOY, P_TOY)
    find_label_issues(Y_TOY, y_proba=P_TOY, output="ranking")
    assert np.array_equal(X, X_copy) and np.array_equal(y_noisy, y_copy)
    assert np.array_equal(P_TOY, p_copy)


# -- label_quality_scores --------------------------------------------------------


def test_scores_follow_their_formulas():
    y = np.array([0, 1, 2])
    proba = np.array([[0.7, 0.2, 0.1], [0.5, 0.3, 0.2], [1 / 3, 1 / 3, 1 / 3]])
    sc = label_quality_scores(y, proba)
    np.testing.assert_allclose(sc, [0.7, 0.3, 1 / 3])
    nm = label_quality_scores(y, proba, method="normalized_margin")
    np.testing.assert_allclose(nm, [(0.5 + 1) / 2, (-0.2 + 1) / 2, 0.5])
    cwe = label_quality_scores(y, proba, method="confidence_weighted_entropy")
    assert np.all((cwe >= 0) & (cwe <= 1))
    np.testing.assert_allclose(cwe[2], (1 / 3) / (1 / 3 + 1))  # entropy log(K)
    assert cwe[0] > cwe[2] > cwe[1]


def test_confidence_weighted_entropy_of_a_sure_wrong_label_is_zero():
    scores = label_quality_scores(
        [0, 1], [[0.0, 1.0], [0.0, 1.0]], method="confidence_weighted_entropy"
    )
    assert scores.tolist() == [0.0, 1.0]


@pytest.mark.parametrize("method", SCORES)
def test_scores_separate_wrong_labels(method, oracle):
    _, y_true, y_noisy, proba = oracle
    scores = label_quality_scores(y_noisy, proba, method=method)
    wrong = y_noisy != y_true
    assert scores[wrong].mean() < scores[~wrong].mean()


# -- noise matrix ----------------------------------------------------------------


@pytest.mark.parametrize("method", ["confident_joint", "anchor_points"])
def test_noise_matrix_of_an_oracle_is_close_to_the_truth(method, oracle):
    T, _, y_noisy, proba = oracle
    estimate = estimate_noise_matrix(y_noisy, proba, method=method)
    np.testing.assert_allclose(estimate.sum(axis=1), 1.0)
    assert np.abs(estimate - T).max() < 0.05


def test_joint_and_counts_layout(oracle):
    _, y_true, y_noisy, proba = oracle
    joint = estimate_joint(y_noisy, proba)
    assert joint.sum() == pytest.approx(1.0)
    # Columns are given labels: they sum to the observed label frequencies.
    np.testing.assert_allclose(joint.sum(axis=0), np.bincount(y_noisy) / len(y_noisy))
    np.testing.assert_allclose(
        joint.sum(axis=1), np.bincount(y_true) / len(y_true), atol=0.02
    )
    counts = confident_joint(y_noisy, proba)
    assert counts.dtype.kind == "i" and counts.sum() <= len(y_noisy)
    # Row = confident class, column = given label: 0 -> 1 under pairflip.
    assert counts[0, 1] > counts[1, 0]


def test_noise_matrix_from_digits_recovers_the_structure(digits):
    X, y, _ = digits
    y_noisy = flip_labels(y, kind="pairflip", rate=0.3, random_state=0)
    proba = cross_val_predict(
        LogisticRegression(max_iter=300), X, y_noisy, cv=3, method="predict_proba"
    )
    estimate = estimate_noise_matrix(y_noisy, proba)
    off = estimate[np.arange(10), (np.arange(10) + 1) % 10]
    assert off.mean() > 0.15 and np.diag(estimate).mean() > 0.5  # 0.3 and 0.7


def test_class_label_quality_report():
    report = class_label_quality(np.array(["a", "a", "a", "b", "b", "b"]), P_TOY)
    assert report["class"] == ["a", "b"]
    assert report["n_samples"] == [3, 3] and report["n_label_issues"] == [1, 0]
    assert report["label_issue_fraction"] == pytest.approx([1 / 3, 0.0])
    assert report["estimated_noise_rate"] == pytest.approx([1 / 3, 0.0])
    assert report["mean_label_quality"] == pytest.approx([1.9 / 3, 2.4 / 3])
    assert "estimated_noise_rate" in str(report)


def test_public_names_at_the_top_level():
    assert skclean.find_label_issues is find_label_issues
    assert skclean.estimate_noise_matrix is estimate_noise_matrix
    assert skclean.class_label_quality is class_label_quality
    assert skclean.label_quality_scores is label_quality_scores


# -- displays --------------------------------------------------------------------


@pytest.fixture
def pyplot():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


@pytest.fixture(scope="module")
def digits_proba(digits):
    X, y, y_noisy = digits
    proba = cross_val_predict(
        LogisticRegression(max_iter=300), X, y_noisy, cv=3, method="predict_proba"
    )
    return X, y, y_noisy, proba


def test_label_issues_display_from_predictions(pyplot, digits_proba):
    X, _, y_noisy, proba = digits_proba
    disp = LabelIssuesDisplay.from_predictions(X, y_noisy, proba, n_images=7, n_cols=4)
    ranking = find_label_issues(y_noisy, y_proba=proba, output="ranking")[:7]
    assert disp.axes_.shape == (2, 4) and len(disp.images_) == 7
    assert np.array_equal(disp.indices, ranking)
    assert np.array_equal(disp.given_labels, y_noisy[ranking])
    assert np.array_equal(disp.suggested_labels, proba[ranking].argmax(axis=1))
    assert disp.images_[0].get_array().shape == (8, 8)
    title = disp.axes_[0, 0].get_title()
    assert f"given {y_noisy[ranking[0]]}" in title and "suggested" in title
    assert not disp.axes_[1, 3].get_visible() or not disp.axes_[1, 3].images


def test_label_issues_display_image_shapes(pyplot, digits_proba):
    X, _, y_noisy, proba = digits_proba
    for images in (X.reshape(-1, 8, 8), X.reshape(-1, 1, 8, 8), X.reshape(-1, 8, 8, 1)):
        disp = LabelIssuesDisplay.from_predictions(images, y_noisy, proba, n_images=2)
        assert disp.images_[0].get_array().shape == (8, 8)
    disp = LabelIssuesDisplay.from_predictions(
        X, y_noisy, proba, n_images=2, image_shape=(4, 16)
    )
    assert disp.images_[0].get_array().shape == (4, 16)
    with pytest.raises(ValueError, match="image_shape"):
        LabelIssuesDisplay.from_predictions(X[:, :60], y_noisy, proba)
    with pytest.raises(ValueError, match="n_images"):
        LabelIssuesDisplay.from_predictions(X, y_noisy, proba, n_images=0)
    with pytest.raises(ValueError, match="method"):
        LabelIssuesDisplay.from_predictions(X, y_noisy, proba, method="nope")


def test_label_issues_display_from_estimator(pyplot, digits):
    X, _, y_noisy = digits
    clf = LogisticRegression(max_iter=300).fit(X[200:], y_noisy[200:])
    disp = LabelIssuesDisplay.from_estimator(clf, X[:200], y_noisy[:200], n_images=3)
    assert len(disp.images_) <= 3
    with pytest.raises(NotFittedError):
        LabelIssuesDisplay.from_estimator(LogisticRegression(), X, y_noisy)
    with pytest.raises(TypeError, match="predict_proba"):
        LabelIssuesDisplay.from_estimator(LinearSVC().fit(X, y_noisy), X, y_noisy)


def test_noise_matrix_display(pyplot, digits_proba):
    _, _, y_noisy, proba = digits_proba
    T = transition_matrix(10, rate=0.2)
    disp = NoiseMatrixDisplay.from_predictions(y_noisy, proba, true_matrix=T)
    assert len(disp.ax_) == 2 and len(disp.im_) == 2
    np.testing.assert_allclose(
        disp.im_[0].get_array(), estimate_noise_matrix(y_noisy, proba)
    )
    np.testing.assert_allclose(disp.im_[1].get_array(), T)
    assert disp.text_[0].shape == (10, 10)
    assert disp.ax_[0].get_xlabel() == "given label"
    fig, ax = pyplot.subplots()
    alone = NoiseMatrixDisplay.from_predictions(
        y_noisy, proba, ax=ax, include_values=False, colorbar=False
    )
    assert alone.ax_[0] is ax and alone.text_ is None and alone.figure_ is fig
    with pytest.raises(ValueError, match="2 Axes"):
        NoiseMatrixDisplay.from_predictions(y_noisy, proba, true_matrix=T, ax=ax)
    with pytest.raises(ValueError, match="same shape"):
        NoiseMatrixDisplay(np.eye(10), true_matrix=np.eye(3)).plot()


def test_noise_matrix_display_from_estimator_and_labels(pyplot, digits):
    X, _, y_noisy = digits
    names = np.array(list("abcdefghij"))[y_noisy]
    clf = LogisticRegression(max_iter=300).fit(X[200:], names[200:])
    disp = NoiseMatrixDisplay.from_estimator(
        clf, X[:200], names[:200], method="anchor_points"
    )
    labels = [t.get_text() for t in disp.ax_[0].get_xticklabels()]
    assert labels == list("abcdefghij")
