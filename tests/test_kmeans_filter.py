import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.frozen import FrozenEstimator

from skclean._probabilities import confident_rivals
from skclean.filters import KMeansLabelFilter, _kmeans
from skclean.noise import flip_labels


@pytest.fixture(scope="module")
def noisy_digits():
    X, y = load_digits(return_X_y=True)
    return X / 16, flip_labels(y, rate=0.5, random_state=0), y


def _precision(filt, y_noisy, y_clean):
    return np.mean(y_noisy[filt.kept_mask_] == y_clean[filt.kept_mask_])


def test_farthest_cluster_beats_the_noise(noisy_digits):
    X, y_noisy, y_clean = noisy_digits
    filt = KMeansLabelFilter(features=None, selection="farthest", random_state=0)
    filt.fit(X, y_noisy)
    baseline = np.mean(y_noisy == y_clean)
    assert baseline < 0.52
    assert _precision(filt, y_noisy, y_clean) > baseline + 0.25
    assert 0.35 < filt.kept_mask_.mean() < 0.65
    # "largest" is the weaker rule under heavy symmetric noise.
    largest = KMeansLabelFilter(features=None, selection="largest", random_state=0)
    largest.fit(X, y_noisy)
    assert _precision(largest, y_noisy, y_clean) < _precision(filt, y_noisy, y_clean)


def test_defaults_keep_clean_labels_whole(noisy_digits):
    X, _, y_clean = noisy_digits
    filt = KMeansLabelFilter(random_state=0).fit(X, y_clean)
    assert filt.kept_mask_.mean() > 0.97
    # DeepCleanNet's rule rejects about half of every label whatever the noise.
    paper = KMeansLabelFilter(features=None, selection="farthest", random_state=0)
    assert paper.fit(X, y_clean).kept_mask_.mean() < 0.7


def test_defaults_beat_raw_pixels_under_noise(noisy_digits):
    X, y_noisy, y_clean = noisy_digits
    filt = KMeansLabelFilter(random_state=0).fit(X, y_noisy)
    paper = KMeansLabelFilter(features=None, selection="farthest", random_state=0)
    paper.fit(X, y_noisy)
    assert _precision(filt, y_noisy, y_clean) > _precision(paper, y_noisy, y_clean)
    assert 0.4 < filt.kept_mask_.mean() < 0.7
    # The embedding: square roots of out-of-fold k-NN class probabilities.
    assert filt.y_proba_.shape == (len(y_noisy), 10) and filt.features_ is None
    assert filt.cluster_centers_[0].shape == (2, 10)
    steps = [name for name, _ in filt.estimator_.steps]
    assert steps == ["pca", "kneighborsclassifier"]


def test_auto_is_undisputed_with_the_auto_features(noisy_digits):
    X, y, _ = noisy_digits
    filt = KMeansLabelFilter(selection="undisputed", random_state=0).fit(X, y)
    auto = KMeansLabelFilter(random_state=0).fit(X, y)
    np.testing.assert_array_equal(filt.kept_mask_, auto.kept_mask_)
    rivals = confident_rivals(y, filt.y_proba_)
    for k, kept in filt.kept_clusters_.items():
        rows = y == k
        in_kept = rows & np.isin(filt.cluster_labels_, kept)
        # Every row of a kept cluster is kept; outside them, only undisputed rows.
        assert filt.kept_mask_[in_kept].all()
        assert (rivals[rows & filt.kept_mask_ & ~in_kept] == -1).all()
        for cluster in range(2):
            in_cluster = rows & (filt.cluster_labels_ == cluster)
            disputed = np.mean(rivals[in_cluster] >= 0) >= _kmeans._MAX_DISPUTED
            assert (cluster not in kept) == disputed or len(kept) == 1


def _asymmetric_case():
    """Label 1: ones, and sevens the model calls 1 (P(1) = 0.6, below t_1).
    Label 7: twos the model calls 7 (cluster 0), sevens it calls 1 (cluster
    1); label 2: twos the model calls 7 (P(7) = 0.6 >= t_7)."""
    p = {1: [0.0, 0.95, 0.0, 0.05], 7: [0.0, 0.6, 0.0, 0.4]}
    proba = np.array(
        [p[1]] * 10  # label 1: ones
        + [p[7]] * 4  # label 1: sevens
        + [[0.0, 0.0, 0.4, 0.6]] * 6  # label 7, cluster 0: twos
        + [p[7]] * 4  # label 7, cluster 1: sevens
        + [[0.0, 0.0, 0.4, 0.6]] * 4  # label 2: twos
    )
    y = np.array([1] * 14 + [3] * 10 + [2] * 4)  # columns: 0, 1, 2, "7"=3
    return proba, y


def test_undisputed_keeps_the_cluster_the_model_calls_another_class_unconfidently():
    # Under 60% asymmetric noise the true sevens left in label 7 are called 1
    # by the model, but with P(1) = 0.6 below t_1 (about 0.85): not disputed.
    # "agreement" drops them and keeps the twos; "undisputed" keeps both.
    proba, y = _asymmetric_case()
    rivals = confident_rivals(y, proba)
    assert (rivals[y == 1] == -1).all() and (rivals[y == 3] == -1).all()
    assert (rivals[y == 2] == 3).all()  # the twos of label 2: P(7) >= t_7
    labels = np.array([0] * 6 + [1] * 4)
    rows = y == 3
    agreement = _kmeans._agreeing_clusters(proba[rows], 3, labels, 2)
    np.testing.assert_array_equal(agreement, [0])
    kept, keep = _kmeans._undisputed_clusters(rivals[rows], proba[rows], 3, labels, 2)
    np.testing.assert_array_equal(kept, [0, 1])
    assert keep.all()


def test_undisputed_keeps_a_label_whose_rows_a_rival_class_claims():
    # The twos still labelled 2 under 60% asymmetric noise: the model, which
    # learnt "2 is mostly labelled 7", confidently calls every one of them 7.
    # One class disputing more rows than no class disputes means the disputes
    # come from the noise the model learnt: the label is kept whole.
    proba, y = _asymmetric_case()
    rivals = confident_rivals(y, proba)
    rows = y == 2
    assert _kmeans._claimed_by_a_rival(rivals[rows])
    kept, keep = _kmeans._undisputed_clusters(
        rivals[rows], proba[rows], 2, np.array([0, 0, 1, 1]), 2
    )
    np.testing.assert_array_equal(kept, [0, 1])
    assert keep.all()


@pytest.mark.parametrize(
    "rivals, claimed",
    [
        ([-1, -1, -1, -1], False),  # nothing disputed
        ([3, 3, -1, -1], False),  # as many disputed by 3 as undisputed
        ([3, 3, 3, -1, -1], True),
        ([3, 4, 5, -1, -1], False),  # disputes spread over classes (symmetric)
        ([3, 3, 4, 4, 5], True),  # nothing undisputed left
    ],
)
def test_claimed_by_a_rival_needs_one_class_to_outnumber_the_undisputed_rows(
    rivals, claimed
):
    assert _kmeans._claimed_by_a_rival(np.array(rivals)) is claimed


def test_default_keeps_the_label_that_asymmetric_noise_turned_into_another_class():
    X, y = load_digits(return_X_y=True)
    y_noisy = flip_labels(
        y, kind="asymmetric", rate=0.6, pairs="ding2018", random_state=0
    )
    filt = KMeansLabelFilter(random_state=0).fit(X / 16, y_noisy)
    # Every row labelled 2 is a real 2 (no class flips into 2); the model
    # calls them 7, and the filter does not act on it.
    assert filt.kept_mask_[y_noisy == 2].all()
    np.testing.assert_array_equal(filt.kept_clusters_[2], [0, 1])
    assert (filt.label_quality_[y_noisy == 2] == 1).all()


def test_undisputed_keeps_the_undisputed_rows_of_a_mixed_rejected_cluster():
    # Cluster 1 of label 0: four rows confidently of classes 1, 2, 3 and 4
    # (wrong labels from many classes) and two rows no class disputes.
    confident = np.eye(5)[[1, 2, 3, 4]] * 0.95 + 0.01
    proba = np.vstack(
        [np.eye(5)[[0] * 6] * 0.9 + 0.02, confident, [[0.3, 0.3, 0.2, 0.1, 0.1]] * 2]
        + [np.eye(5)[[k] * 5] * 0.9 + 0.02 for k in range(1, 5)]
    )
    y = np.array([0] * 12 + [1] * 5 + [2] * 5 + [3] * 5 + [4] * 5)
    rivals = confident_rivals(y, proba)
    labels = np.array([0] * 6 + [1] * 6)
    kept, keep = _kmeans._undisputed_clusters(rivals[:12], proba[:12], 0, labels, 2)
    np.testing.assert_array_equal(kept, [0])
    np.testing.assert_array_equal(keep, [True] * 6 + [False] * 4 + [True] * 2)
    # When one class disputes the whole cluster (pair-flip noise: one wrongly
    # labelled class), none of its rows is kept.
    one_rival = rivals[:12].copy()
    one_rival[6:10] = 1
    _, keep = _kmeans._undisputed_clusters(one_rival, proba[:12], 0, labels, 2)
    np.testing.assert_array_equal(keep, [True] * 6 + [False] * 6)


def test_agreement_keeps_the_clusters_whose_rows_the_model_agrees_with(noisy_digits):
    X, y, _ = noisy_digits
    filt = KMeansLabelFilter(selection="agreement", random_state=0).fit(X, y)
    argmax = filt.y_proba_.argmax(axis=1)
    for k, kept in filt.kept_clusters_.items():
        rows = y == k
        for cluster in range(2):
            in_cluster = rows & (filt.cluster_labels_ == cluster)
            agree = np.mean(argmax[in_cluster] == k) >= 0.5
            assert (cluster in kept) == agree or len(kept) == 1


def test_agreement_never_empties_a_label():
    proba = np.array([[0.4, 0.6]] * 6 + [[0.1, 0.9]] * 6)
    y = np.array([0] * 6 + [1] * 6)
    labels = np.array([0, 0, 0, 1, 1, 1])
    proba[3:6, 0] = [0.45, 0.45, 0.45]
    # No cluster of label 0 agrees: the one that gives label 0 most probability.
    kept = _kmeans._agreeing_clusters(proba[y == 0], 0, labels, 2)
    np.testing.assert_array_equal(kept, [1])
    kept = _kmeans._agreeing_clusters(proba[y == 1], 1, labels, 2)
    np.testing.assert_array_equal(kept, [0, 1])


def test_auto_is_farthest_without_the_auto_features(noisy_digits):
    X, y, _ = noisy_digits
    auto = KMeansLabelFilter(features=None, random_state=1).fit(X, y)
    farthest = KMeansLabelFilter(features=None, selection="farthest", random_state=1)
    farthest.fit(X, y)
    np.testing.assert_array_equal(auto.kept_mask_, farthest.kept_mask_)


@pytest.mark.parametrize("selection", ["agreement", "undisputed"])
def test_probability_rules_need_the_auto_features(selection):
    X, y = np.random.RandomState(0).rand(20, 2), [0, 1] * 10
    with pytest.raises(ValueError, match=f'selection="{selection}"'):
        KMeansLabelFilter(features=None, selection=selection).fit(X, y)


@pytest.mark.filterwarnings("ignore:Number of distinct clusters")
def test_small_labels_use_fewer_folds():
    rng = np.random.RandomState(0)
    X = np.vstack([rng.normal(0, 1, (3, 2)), rng.normal(5, 1, (3, 2))])
    y = np.repeat([0, 1], 3)
    filt = KMeansLabelFilter(random_state=0).fit(X, y)
    assert filt.kept_mask_.all()


def test_fitted_attributes(noisy_digits):
    X, y, _ = noisy_digits
    filt = KMeansLabelFilter(n_clusters=3, n_keep=2, features=None, random_state=0)
    filt.fit(X, y)
    assert set(filt.cluster_centers_) == set(range(10))
    assert filt.cluster_centers_[4].shape == (3, 64)
    assert all(len(kept) == 2 for kept in filt.kept_clusters_.values())
    assert filt.cluster_labels_.shape == y.shape
    assert set(np.unique(filt.cluster_labels_)) == {0, 1, 2}
    for label, kept in filt.kept_clusters_.items():
        rows = y == label
        np.testing.assert_array_equal(
            filt.kept_mask_[rows], np.isin(filt.cluster_labels_[rows], kept)
        )
    np.testing.assert_allclose(filt.global_center_, X.mean(axis=0))
    assert filt.features_ is None and filt.n_features_in_ == 64
    # The label issues are the rejected labels, as documented...
    np.testing.assert_array_equal(filt.label_issues_mask_, ~filt.kept_mask_)
    np.testing.assert_allclose(
        filt.report_["label_issue_fraction"],
        1 - np.array(filt.report_["kept_fraction"]),
    )
    # ...and a kept row is nearer a kept centroid than a rejected one.
    assert np.all(filt.label_quality_[filt.kept_mask_] >= 0.5)
    assert np.all(filt.label_quality_[~filt.kept_mask_] <= 0.5)
    assert filt.suggested_labels_ is None


def test_farthest_picks_the_centroid_farthest_from_the_global_mean(noisy_digits):
    X, y, _ = noisy_digits
    filt = KMeansLabelFilter(features=None, random_state=0).fit(X, y)
    for label, centers in filt.cluster_centers_.items():
        distances = np.linalg.norm(centers - filt.global_center_, axis=1)
        assert filt.kept_clusters_[label].tolist() == [int(np.argmax(distances))]


def test_largest_and_compact_rules():
    rng = np.random.RandomState(0)
    # Per label: a tight blob of 30 rows and a wide blob of 10 rows far away.
    tight = rng.normal(0, 0.1, size=(30, 2))
    wide = rng.normal(0, 2.0, size=(10, 2)) + [20, 20]
    X = np.vstack([tight, wide, tight + [0, 50], wide + [0, 50]])
    y = np.repeat([0, 1], 40)
    for selection in ("largest", "compact"):
        filt = KMeansLabelFilter(selection=selection, features=None, random_state=0)
        filt.fit(X, y)
        np.testing.assert_array_equal(filt.kept_mask_, np.tile(np.arange(40) < 30, 2))


def test_callable_selection(noisy_digits):
    X, y, _ = noisy_digits
    seen = {}

    def smallest(X_label, labels, centers, global_center):
        seen["args"] = (X_label.shape, labels.shape, centers.shape, global_center.shape)
        return int(np.argmin(np.bincount(labels)))

    filt = KMeansLabelFilter(selection=smallest, features=None, random_state=0)
    filt.fit(X, y)
    n_rows = np.sum(y == 9)
    assert seen["args"] == ((n_rows, 64), (n_rows,), (2, 64), (64,))
    for label, kept in filt.kept_clusters_.items():
        sizes = np.bincount(filt.cluster_labels_[y == label])
        assert kept.tolist() == [int(np.argmin(sizes))]

    keep_all = KMeansLabelFilter(selection=lambda *a: [0, 1], random_state=0)
    keep_all.fit(X, y)
    assert keep_all.kept_mask_.all()


@pytest.mark.parametrize(
    "result, error, match",
    [
        (5, ValueError, r"must lie in \[0, 2\)"),
        ([], TypeError, "non-empty list"),
        ("0", TypeError, "cluster index"),
        (0.5, TypeError, "cluster index"),
    ],
)
def test_callable_selection_bad_return(noisy_digits, result, error, match):
    X, y, _ = noisy_digits
    with pytest.raises(error, match=match):
        KMeansLabelFilter(selection=lambda *a: result, features=None).fit(X, y)


def test_n_keep_at_least_n_clusters_keeps_everything(noisy_digits):
    X, y, _ = noisy_digits
    assert KMeansLabelFilter(n_keep=2, features=None).fit(X, y).kept_mask_.all()
    assert KMeansLabelFilter(n_clusters=1).fit(X, y).kept_mask_.all()


def test_features_are_cloned_fit_and_used(noisy_digits):
    X, y, _ = noisy_digits
    pca = PCA(n_components=10, random_state=0)
    filt = KMeansLabelFilter(features=pca, random_state=0).fit(X, y)
    assert not hasattr(pca, "components_")  # the parameter is left unfitted
    assert filt.features_.n_components_ == 10
    assert filt.cluster_centers_[0].shape == (2, 10)
    assert filt.global_center_.shape == (10,)


def test_frozen_features_are_not_refit(noisy_digits):
    X, y, _ = noisy_digits
    pca = PCA(n_components=5, random_state=0).fit(X[:100])
    components = pca.components_.copy()
    filt = KMeansLabelFilter(features=FrozenEstimator(pca), random_state=0).fit(X, y)
    np.testing.assert_array_equal(filt.features_.components_, components)


def test_features_must_keep_the_rows(noisy_digits):
    X, y, _ = noisy_digits

    class DropsRows:
        def fit(self, X, y=None):
            return self

        def transform(self, X):
            return X[:-1]

        def get_params(self, deep=True):
            return {}

    with pytest.raises(ValueError, match="one row"):
        KMeansLabelFilter(features=DropsRows()).fit(X, y)


def test_class_with_fewer_rows_than_clusters():
    X = np.arange(14, dtype=float).reshape(7, 2)
    y = np.array([0, 0, 0, 1, 1, 1, 2])
    with pytest.raises(ValueError, match=r"label\(s\) \[2\] have only \[1\]"):
        KMeansLabelFilter(n_clusters=2).fit(X, y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_clusters": 0}, "n_clusters"),
        ({"n_keep": 0}, "n_keep"),
        ({"selection": "nearest"}, "selection"),
        ({"algorithm": "elkan"}, "algorithm"),
        ({"features": "pca"}, "features"),
    ],
)
def test_bad_parameters(params, match):
    X, y = np.ones((6, 2)), [0, 1] * 3
    with pytest.raises(ValueError, match=match):
        KMeansLabelFilter(**params).fit(X, y)


def test_minibatch_algorithm(noisy_digits, monkeypatch):
    X, y_noisy, y_clean = noisy_digits
    filt = KMeansLabelFilter(algorithm="minibatch", features=None, random_state=0)
    filt.fit(X, y_noisy)
    assert _precision(filt, y_noisy, y_clean) > 0.7
    # "auto" switches to MiniBatchKMeans for large labels.
    monkeypatch.setattr(_kmeans, "_MINIBATCH_MIN_ROWS", 100)
    auto = KMeansLabelFilter(features=None, random_state=0).fit(X, y_noisy)
    np.testing.assert_array_equal(auto.kept_mask_, filt.kept_mask_)


def test_sparse_input_and_compact_on_sparse(noisy_digits):
    X, y, _ = noisy_digits
    for selection in ("farthest", "compact"):
        dense = KMeansLabelFilter(selection=selection, features=None, random_state=0)
        dense.fit(X, y)
        sparse = KMeansLabelFilter(selection=selection, features=None, random_state=0)
        X_out, _ = sparse.fit_resample(sp.csc_matrix(X), y)
        assert sp.issparse(X_out)
        np.testing.assert_array_equal(sparse.kept_mask_, dense.kept_mask_)
