import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from imblearn.pipeline import make_pipeline
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import cross_val_score

from skclean import LabelNoise, flip_labels, transition_matrix
from skclean.noise import NOISE_KINDS

KINDS = [k for k in NOISE_KINDS if k != "asymmetric"]


def _expected_wrong_fraction(kind, rate, n_classes):
    return rate * (n_classes - 1) / n_classes if kind == "uniform" else rate


@settings(max_examples=40, deadline=None)
@given(
    kind=st.sampled_from(KINDS),
    rate=st.floats(0, 1),
    n_classes=st.integers(2, 12),
    seed=st.integers(0, 2**31 - 1),
)
def test_wrong_fraction_matches_rate(kind, rate, n_classes, seed):
    n = 4000
    y = np.arange(n) % n_classes
    y_noisy = flip_labels(y, kind=kind, rate=rate, random_state=seed)
    expected = _expected_wrong_fraction(kind, rate, n_classes)
    # Five standard deviations, plus three flips for rates so small that the
    # count is Poisson-like (P(4+ flips) < 1e-7 when 0.02 are expected).
    tolerance = 5 * np.sqrt(expected * (1 - expected) / n) + 3 / n
    assert abs(np.mean(y_noisy != y) - expected) <= tolerance


@settings(max_examples=40, deadline=None)
@given(
    kind=st.sampled_from(KINDS),
    rate=st.floats(0, 1),
    labels=st.lists(
        st.text(min_size=1, max_size=3), min_size=2, max_size=8, unique=True
    ),
    seed=st.integers(0, 2**31 - 1),
)
def test_labels_stay_in_class_set_and_input_untouched(kind, rate, labels, seed):
    y = np.array(labels * 5, dtype=object)
    y_before = y.copy()
    y_noisy = flip_labels(y, kind=kind, rate=rate, random_state=seed)
    assert set(y_noisy) <= set(labels)
    assert y_noisy.dtype == y.dtype
    np.testing.assert_array_equal(y, y_before)


@settings(max_examples=40, deadline=None)
@given(kind=st.sampled_from(KINDS), rate=st.floats(0, 1), n_classes=st.integers(2, 20))
def test_transition_matrices_are_row_stochastic(kind, rate, n_classes):
    T = transition_matrix(n_classes, kind=kind, rate=rate)
    assert T.shape == (n_classes, n_classes)
    assert np.all(T >= 0)
    np.testing.assert_allclose(T.sum(axis=1), 1)


@pytest.mark.parametrize("preset", ["ding2018", "patrini2017"])
def test_asymmetric_presets(preset):
    T = transition_matrix(10, kind="asymmetric", rate=0.3, pairs=preset)
    np.testing.assert_allclose(T.sum(axis=1), 1)
    assert T[2, 7] == pytest.approx(0.3) and T[7, 1] == pytest.approx(0.3)
    assert T[0, 0] == 1 and T[9, 9] == 1
    assert (T[6, 5] == pytest.approx(0.3)) == (preset == "patrini2017")


def test_asymmetric_flips_only_named_pairs():
    y = np.repeat(np.arange(10), 500)
    y_noisy = flip_labels(
        y, kind="asymmetric", rate=0.4, pairs="ding2018", random_state=0
    )
    changed = y != y_noisy
    assert set(y[changed]) == {2, 3, 5, 7}
    assert set(zip(y[changed], y_noisy[changed])) == {(2, 7), (3, 8), (5, 6), (7, 1)}
    assert abs(changed[y == 2].mean() - 0.4) < 0.1


def test_pairflip_is_cyclic_in_sorted_class_order():
    y = np.array(["c", "a", "b"] * 100)
    y_noisy = flip_labels(y, kind="pairflip", rate=1.0, random_state=0)
    mapping = dict(zip(y, y_noisy))
    assert mapping == {"a": "b", "b": "c", "c": "a"}


def test_symmetric_never_keeps_label_at_rate_one():
    y = np.repeat([1, 2, 3], 50)
    assert np.all(flip_labels(y, kind="symmetric", rate=1.0, random_state=0) != y)


def test_explicit_transition_matrix():
    T = np.array([[0.0, 1.0], [0.0, 1.0]])
    y = np.array([5, 9, 5, 9])
    np.testing.assert_array_equal(flip_labels(y, transition=T, random_state=0), [9] * 4)


def test_same_seed_same_labels_different_seed_different_labels():
    y = np.repeat(np.arange(5), 200)
    a = flip_labels(y, rate=0.5, random_state=3)
    b = flip_labels(y, rate=0.5, random_state=3)
    c = flip_labels(y, rate=0.5, random_state=4)
    np.testing.assert_array_equal(a, b)
    assert np.any(a != c)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"rate": 1.5}, "rate"),
        ({"rate": -0.1}, "rate"),
        ({"kind": "gaussian"}, "kind"),
        ({"kind": "asymmetric"}, "needs pairs"),
        ({"kind": "asymmetric", "pairs": {0: 42}}, "class 42"),
        ({"kind": "asymmetric", "pairs": {1: 1}}, "onto itself"),
        ({"transition": [[0.5, 0.4], [0, 1]]}, "row-stochastic"),
        ({"transition": [[1.0]]}, "shape"),
        ({"transition": [[1.5, -0.5], [0, 1]]}, "non-negative"),
    ],
)
def test_bad_parameters_raise_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        flip_labels(np.array([0, 1, 0, 1]), **kwargs)


def test_one_class_raises():
    with pytest.raises(ValueError, match="at least 2 classes"):
        flip_labels([3, 3, 3])


def test_continuous_y_raises():
    with pytest.raises(ValueError, match="Unknown label type"):
        flip_labels(np.linspace(0, 1, 10))


def test_label_noise_step_changes_only_y():
    X = np.random.rand(300, 1, 4, 4)
    y = np.repeat(np.arange(3), 100)
    X_before, y_before = X.copy(), y.copy()
    step = LabelNoise(rate=0.3, random_state=0)
    X_out, y_out = step.fit_resample(X, y)
    assert X_out is X
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)
    np.testing.assert_array_equal(step.noisy_mask_, y_out != y)
    assert 0.2 < step.noisy_mask_.mean() < 0.4


def test_label_noise_in_pipeline_scores_on_clean_labels():
    # Labels are 100% flipped in training folds (binary, rate 1), so the model
    # learns the opposite class; scored on the clean test folds it is always wrong.
    X = np.repeat([[0.0], [1.0]], 50, axis=0)
    y = np.repeat([0, 1], 50)
    from sklearn.tree import DecisionTreeClassifier

    model = make_pipeline(
        LabelNoise(rate=1.0, random_state=0), DecisionTreeClassifier()
    )
    scores = cross_val_score(model, X, y, cv=5)
    assert np.all(scores == 0.0)
    clean = cross_val_score(DecisionTreeClassifier(), X, y, cv=5)
    assert np.all(clean == 1.0)
    # And the noise never reaches predict: a dummy fitted through it still works.
    make_pipeline(LabelNoise(random_state=0), DummyClassifier()).fit(X, y).predict(X)
