"""ClusterRelabeler: correcting structured label noise by clustering probabilities."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits, make_blobs
from sklearn.linear_model import LogisticRegression

from skclean.filters import ClusterRelabeler
from skclean.filters._relabel import _overruled_clusters
from skclean.pipeline import make_pipeline


@pytest.fixture(scope="module")
def heavy_pair_noise():
    """Three blobs; 60% of class 0 labelled 1, the wrong label the majority."""
    X, y = make_blobs(
        n_samples=600, centers=[[0, 0], [6, 0], [0, 6]], cluster_std=0.8, random_state=0
    )
    rng = np.random.RandomState(0)
    y_noisy = y.copy()
    flip = (y == 0) & (rng.rand(y.size) < 0.6)
    y_noisy[flip] = 1
    return X, y, y_noisy


def test_corrects_noise_where_the_wrong_label_is_the_majority(heavy_pair_noise):
    X, y, y_noisy = heavy_pair_noise
    assert np.mean(y_noisy[y == 0] == 1) > 0.5
    relabeler = ClusterRelabeler(random_state=0)
    X_out, y_out = relabeler.fit_resample(X, y_noisy)
    assert X_out is X
    assert np.mean(y_out == y) > 0.95
    np.testing.assert_array_equal(relabeler.label_issues_mask_, y_out != y_noisy)
    np.testing.assert_array_equal(relabeler.suggested_labels_, y_out)
    assert relabeler.kept_mask_.all()
    np.testing.assert_array_equal(relabeler.sample_indices_, np.arange(len(y)))
    assert sorted(relabeler.cluster_classes_.tolist()) == [0, 1, 2]
    report = relabeler.report_
    assert report["n_kept"] == report["n_samples"]
    assert report["n_label_issues"][1] == int(
        np.sum(relabeler.label_issues_mask_[y_noisy == 1])
    )
    # The relabelled rows are the ones whose own label the classifier doubts.
    assert np.mean(relabeler.label_quality_[relabeler.label_issues_mask_]) < np.mean(
        relabeler.label_quality_[~relabeler.label_issues_mask_]
    )


def test_precomputed_probabilities_train_nothing(heavy_pair_noise):
    X, y, y_noisy = heavy_pair_noise
    proba = np.zeros((len(y), 3))
    proba[y == 0] = [0.4, 0.6, 0.0]
    proba[y == 1] = [0.0, 1.0, 0.0]
    proba[y == 2] = [0.0, 0.0, 1.0]
    relabeler = ClusterRelabeler(random_state=0)
    _, y_out = relabeler.fit_resample(X, y_noisy, y_proba=proba)
    np.testing.assert_array_equal(y_out, y)
    assert relabeler.estimator_ is None
    with pytest.raises(ValueError, match="shape"):
        relabeler.fit_resample(X, y_noisy, y_proba=proba[:, :2])


def test_in_sample_probabilities_keep_the_fitted_estimator(heavy_pair_noise):
    X, y, y_noisy = heavy_pair_noise
    relabeler = ClusterRelabeler(
        estimator=LogisticRegression(), cv=None, random_state=0
    ).fit(X, y_noisy)
    assert relabeler.estimator_.predict(X[:3]).shape == (3,)


def test_string_labels_and_pandas_containers(heavy_pair_noise):
    X, y, y_noisy = heavy_pair_noise
    names = np.array(["cat", "dog", "emu"])
    y_series = pd.Series(names[y_noisy], name="animal", index=np.arange(len(y)) + 10)
    X_frame = pd.DataFrame(X, columns=["a", "b"])
    X_out, y_out = ClusterRelabeler(random_state=0).fit_resample(X_frame, y_series)
    assert X_out is X_frame
    assert isinstance(y_out, pd.Series) and y_out.name == "animal"
    assert y_out.index.equals(y_series.index)
    assert np.mean(y_out.to_numpy() == names[y]) > 0.95
    assert y_series.to_numpy().tolist() == names[y_noisy].tolist()  # not modified


def test_in_a_pipeline(heavy_pair_noise):
    X, y, y_noisy = heavy_pair_noise
    model = make_pipeline(ClusterRelabeler(random_state=0), LogisticRegression())
    assert model.fit(X, y_noisy).score(X, y) > 0.95


@pytest.mark.parametrize(
    "y, y_proba, match",
    [
        (np.zeros(20, dtype=int), None, "at least two classes"),
        (np.arange(20) % 3, np.full((20, 3), 1 / 3), "distinct probability vectors"),
    ],
)
def test_bad_input_raises_clearly(y, y_proba, match):
    X = np.random.RandomState(0).rand(20, 2)
    with pytest.raises(ValueError, match=match):
        ClusterRelabeler(cv=2, random_state=0).fit_resample(X, y, y_proba=y_proba)


def test_default_leaves_clean_labels_alone():
    X, y = load_digits(return_X_y=True)
    X, y = X[:600] / 16, y[:600]
    default = ClusterRelabeler(cv=3, random_state=0).fit(X, y)
    assert not default.label_issues_mask_.any()
    assert default.relabeled_clusters_.size == 0
    # relabel="all" gives every row its cluster's label, right or wrong.
    every = ClusterRelabeler(relabel="all", random_state=0)
    every.fit(X, y, y_proba=default.y_proba_)
    assert every.label_issues_mask_.mean() > 0.01
    np.testing.assert_array_equal(every.relabeled_clusters_, np.arange(10))


def test_only_the_overruled_cluster_is_relabeled(heavy_pair_noise):
    X, y, y_noisy = heavy_pair_noise
    relabeler = ClusterRelabeler(random_state=0).fit(X, y_noisy)
    # One cluster, the 0s, whose most frequent label (1) the matching overrules.
    (cluster,) = relabeler.relabeled_clusters_
    assert relabeler.cluster_classes_[cluster] == 0
    changed = relabeler.label_issues_mask_
    assert np.all(relabeler.cluster_labels_[changed] == cluster)


def test_a_matched_label_the_cluster_does_not_support_is_not_applied():
    # Cluster 0 holds label 0, clusters 1 and 2 both hold label 1 (a split
    # class), so the matching gives cluster 2 the leftover label 2, which its
    # rows give no probability.
    counts = np.array([[10, 0, 0], [0, 10, 0], [0, 8, 0]])
    proba = np.array([[0.9, 0.1, 0.0]] * 10 + [[0.0, 1.0, 0.0]] * 18)
    clusters = np.repeat([0, 1, 2], [10, 10, 8])
    overruled = _overruled_clusters(counts, proba, clusters, np.array([0, 1, 2]))
    assert overruled.size == 0
    proba[20:, 2] = 0.6
    proba[20:, 1] = 0.4
    overruled = _overruled_clusters(counts, proba, clusters, np.array([0, 1, 2]))
    np.testing.assert_array_equal(overruled, [2])


def test_bad_relabel_parameter():
    X, y = np.random.RandomState(0).rand(20, 2), np.arange(20) % 2
    with pytest.raises(ValueError, match="relabel"):
        ClusterRelabeler(relabel="some").fit(X, y)
