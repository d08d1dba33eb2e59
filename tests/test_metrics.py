import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import KFold, cross_validate
from sklearn.semi_supervised import SelfTrainingClassifier

from skclean.metrics import labeled_accuracy, labeled_accuracy_score, labeled_mask


def test_ignores_unlabelled_rows_that_accuracy_counts():
    y_true = np.array([0, 1, 1, -1, -1, -1])
    y_pred = np.array([0, 1, 0, 1, 1, 1])
    # scikit-learn issue #2593: -1 rows count as errors.
    assert accuracy_score(y_true, y_pred) == pytest.approx(2 / 6)
    assert labeled_accuracy_score(y_true, y_pred) == pytest.approx(2 / 3)


def test_equals_accuracy_without_unlabelled_rows():
    rng = np.random.RandomState(0)
    y_true, y_pred = rng.randint(3, size=50), rng.randint(3, size=50)
    assert labeled_accuracy_score(y_true, y_pred) == accuracy_score(y_true, y_pred)


@pytest.mark.parametrize(
    "y_true",
    [
        np.array(["cat", -1, "dog", "dog"], dtype=object),
        ["cat", -1, "dog", "dog"],
        pd.Series(["cat", -1, "dog", "dog"]),
    ],
    ids=["object-array", "list", "series"],
)
def test_string_labels_with_minus_one(y_true):
    y_pred = np.array(["cat", "cat", "dog", "cat"])
    assert labeled_accuracy_score(y_true, y_pred) == pytest.approx(2 / 3)


def test_float_and_pandas_labels():
    assert labeled_accuracy_score([1.0, -1.0, 2.0], [1.0, 1.0, 1.0]) == 0.5
    y_true = pd.Series([0, -1, 1], index=[10, 20, 30])
    assert labeled_accuracy_score(y_true, pd.Series([0, 0, 1])) == 1.0


def test_string_minus_one_is_a_label():
    # Only the number -1 marks an unlabelled row, as in scikit-learn.
    assert labeled_mask(np.array(["-1", "a"])).all()
    assert labeled_mask(np.array([True, False])).all()


def test_sample_weight_of_unlabelled_rows_is_ignored():
    y_true = [0, 1, -1]
    y_pred = [0, 0, 0]
    score = labeled_accuracy_score(y_true, y_pred, sample_weight=[3, 1, 100])
    assert score == pytest.approx(0.75)


def test_inputs_are_not_modified():
    y_true = np.array([0, -1, 1])
    y_pred = np.array([0, 1, 1])
    labeled_accuracy_score(y_true, y_pred)
    np.testing.assert_array_equal(y_true, [0, -1, 1])


def test_no_labelled_rows_is_an_error():
    with pytest.raises(ValueError, match="at least one labelled row"):
        labeled_accuracy_score([-1, -1], [0, 1])


def test_inconsistent_lengths_are_an_error():
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        labeled_accuracy_score([0, 1, -1], [0, 1])


def test_scorer_in_cross_validate_ignores_unlabelled_test_rows():
    X, y = load_digits(return_X_y=True)
    X, y = X[:300] / 16, y[:300]
    y_partial = y.copy()
    y_partial[::2] = -1  # half of the rows unlabelled, in every fold
    model = SelfTrainingClassifier(LogisticRegression(max_iter=200), max_iter=1)
    cv = KFold(3)
    result = cross_validate(
        model,
        X,
        y_partial,
        cv=cv,
        scoring={"labeled": labeled_accuracy, "plain": "accuracy"},
        return_estimator=True,
    )
    for (_, test), fitted, labeled, plain in zip(
        cv.split(X),
        result["estimator"],
        result["test_labeled"],
        result["test_plain"],
    ):
        keep = y_partial[test] != -1
        expected = accuracy_score(y[test][keep], fitted.predict(X[test][keep]))
        assert labeled == pytest.approx(expected)
        assert plain == pytest.approx(expected * keep.mean())  # -1 rows counted wrong
    assert result["test_labeled"].mean() > 0.8


def test_scorer_calls_the_score_on_predictions():
    X = np.arange(8, dtype=float).reshape(-1, 1)
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    model = LogisticRegression().fit(X, y)
    y_test = np.array([0, -1, 0, 0, 1, 1, -1, 0])
    expected = labeled_accuracy_score(y_test, model.predict(X))
    assert labeled_accuracy(model, X, y_test) == expected
