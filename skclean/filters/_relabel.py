"""ClusterRelabeler: give each row the label of its cluster of class probabilities."""

from numbers import Integral

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from .._probabilities import check_y_proba, class_probabilities
from ..base import BaseLabelSampler, LabelDecision

__all__ = ["ClusterRelabeler"]


def _overruled_clusters(counts, proba, clusters, label_of_cluster):
    """Clusters whose matched label overrules their most frequent label.

    A cluster qualifies when the one-to-one matching gives it another label
    than the most frequent one among its rows, and its rows give the matched
    label at least half the mean probability they give the most frequent one
    (so that a split class, whose second cluster is matched to a leftover
    label it has nothing to do with, is left alone).
    """
    overruled = []
    for c, matched in enumerate(label_of_cluster):
        rows = clusters == c
        majority = int(np.argmax(counts[c]))
        if not rows.any() or matched == majority:
            continue
        mean = proba[rows].mean(axis=0)
        if mean[matched] >= 0.5 * mean[majority]:
            overruled.append(c)
    return np.array(overruled, dtype=np.intp)


class ClusterRelabeler(BaseLabelSampler):
    """Correct labels by clustering class probabilities and matching clusters to labels.

    1. A classifier's out-of-fold probabilities ``P(noisy label | x)`` are
       computed for every row (or passed as ``y_proba``);
    2. K-means groups the probability vectors into as many clusters as there
       are classes;
    3. clusters are matched one-to-one to labels so that as many rows as
       possible keep their label (the Hungarian algorithm on the table of
       label counts per cluster);
    4. with ``relabel="overruled"`` (the default), the rows of a cluster get
       its matched label only where the matching overrules the cluster's most
       frequent label, and the cluster's rows give the matched label at least
       half the mean probability they give that most frequent one; every other
       row keeps its label. With ``relabel="all"``, every row gets the label
       matched to its cluster.

    This undoes noise that a filter cannot: when a noise process makes the
    wrong label the most frequent one for a class (e.g. 60% of the 2s of
    MNIST labelled 7), a classifier learns to predict it, and dropping the
    labels it disagrees with keeps the wrong ones. The images of such a class
    still share a distinct probability vector (0.4 on "2", 0.6 on "7"), so they
    form a cluster of their own, and the one-to-one matching gives it back the
    label "2", since "7" is taken by the cluster of the 7s. It returns every
    row, so it can precede a filter or any classifier.

    It assumes that each class forms one cluster of probability vectors and
    that the one-to-one matching that keeps the most labels is the true one
    (for each class, its own label is the most frequent among its rows once
    the other classes have claimed theirs). With ``relabel="all"`` it also
    changes, where labels are mostly right, the labels of rows the classifier
    gets wrong; the default changes labels only in clusters where the
    matching disagrees with the majority, which happens under heavy,
    structured noise, so it leaves clean and lightly or symmetrically noisy
    labels as they are.

    Parameters
    ----------
    estimator : classifier or None, default=None
        Classifier with ``predict_proba``, cloned before fitting. ``None`` uses
        ``StandardScaler -> PCA(min(50, n_features)) -> LogisticRegression``,
        as :class:`ConfidenceRankFilter` does.

    cv : int, cross-validation generator, iterable or None, default=5
        How the probabilities are computed: out-of-fold with ``cv`` folds
        (stratified and shuffled with ``random_state`` for an int), or
        in-sample with ``None``. Not used with ``y_proba``.

    relabel : {"overruled", "all"}, default="overruled"
        Which rows get their cluster's matched label: only those of the
        clusters whose matched label overrules their most frequent label (see
        above), or all of them (this class's first behaviour).

    n_init : int, default=10
        Number of K-means initialisations.

    n_jobs : int, default=None
        Number of folds fitted in parallel (joblib), as in
        :func:`~sklearn.model_selection.cross_val_predict`.

    verbose : int, default=0
        ``1`` prints a line per model fitted for the probabilities (with its
        time) and a summary of the labels kept; ``2`` also turns on the
        ``verbose`` of the models themselves (a network's table of epochs).

    random_state : int, RandomState instance or None, default=None
        Seed of the cross-validation shuffling, the default estimator and
        K-means.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels seen in ``y``, sorted; the columns of ``y_proba_``.

    y_proba_ : ndarray of shape (n_samples, n_classes)
        The class probabilities that were clustered.

    cluster_labels_ : ndarray of shape (n_samples,)
        The K-means cluster of each row.

    cluster_classes_ : ndarray of shape (n_classes,)
        The label matched to each cluster.

    relabeled_clusters_ : ndarray of int
        The clusters whose rows were given their matched label (all of them
        with ``relabel="all"``).

    kept_mask_ : ndarray of shape (n_samples,)
        All True: a relabeller keeps every row.

    label_quality_ : ndarray of shape (n_samples,)
        Per-row label-quality score in [0, 1], higher for labels more likely
        right: the probability the classifier gives the row's own label.

    label_issues_mask_ : ndarray of shape (n_samples,)
        True for the labels the relabeller changes (it believes them wrong).

    suggested_labels_ : ndarray of shape (n_samples,)
        The label of each row's cluster: the labels returned.

    sample_indices_ : ndarray of shape (n_samples,)
        ``arange(n_samples)``: every row is returned.

    report_ : :class:`~skclean.base.FilterReport`
        Per class (input label): counts of rows and of label issues (rows
        given another label), and the mean label quality.

    sampling_strategy_ : dict
        Number of rows per input label (every row is kept).

    estimator_ : estimator
        The classifier that produced ``y_proba_``: fitted on all rows with
        ``cv=None``, unfitted otherwise; None when ``y_proba`` is passed.

    n_features_in_ : int
        Number of features of ``X`` (``channels * height * width`` for images).

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features of ``X``; defined only when ``X`` has string
        column names.

    See Also
    --------
    ConfidenceRankFilter : Keep the labels a classifier confidently agrees with.
    KMeansLabelFilter : Keep each label's most distinct K-means cluster.

    Notes
    -----
    The default ``relabel="overruled"`` was chosen on a noisy validation
    split (``benchmarks/study_filter_defaults.py``, in a run made before the
    benchmarks recorded their commit): with ``relabel="all"``,
    on 8,000 MNIST images with clean labels, 10% of the labels were changed,
    all of them wrongly, and an MLP trained on the output lost about 4 points
    of validation accuracy (as much under symmetric and pair-flip noise); the
    default changed no label in these settings. The classes' most frequent
    label and the matched one differ only when a class's wrong label is its
    majority, which is the noise this class exists for.

    Examples
    --------
    Three groups of points; 60% of the first group is labelled as the second,
    so the wrong label is the majority there:

    >>> import numpy as np
    >>> from sklearn.datasets import make_blobs
    >>> from skclean.filters import ClusterRelabeler
    >>> X, y = make_blobs(n_samples=600, centers=[[0, 0], [6, 0], [0, 6]],
    ...                   cluster_std=0.8, random_state=0)
    >>> rng = np.random.RandomState(0)
    >>> y_noisy = np.where((y == 0) & (rng.rand(600) < 0.6), 1, y)
    >>> relabeler = ClusterRelabeler(random_state=0)
    >>> X_out, y_out = relabeler.fit_resample(X, y_noisy)
    >>> round(float(np.mean(y_noisy == y)), 2)  # labels right before
    0.8
    >>> round(float(np.mean(y_out == y)), 2)  # after
    0.99
    >>> relabeler.relabeled_clusters_.size  # one cluster relabelled: the 0s
    1
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
        "cv": ["cv_object"],
        "relabel": [StrOptions({"overruled", "all"})],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        estimator=None,
        cv=5,
        relabel="overruled",
        n_init=10,
        n_jobs=None,
        verbose=0,
        random_state=None,
    ):
        self.estimator = estimator
        self.cv = cv
        self.relabel = relabel
        self.n_init = n_init
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.random_state = random_state

    def fit_resample(self, X, y, *, y_proba=None):
        """Relabel ``y`` by the clusters of the class probabilities of ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, ...)
            Training data, flat or image-shaped; returned as it was passed.

        y : array-like of shape (n_samples,)
            Noisy labels; at least two classes.

        y_proba : array-like of shape (n_samples, n_classes), default=None
            Precomputed class probabilities (e.g. out-of-fold predictions of a
            network), columns in sorted class order. Nothing is trained.

        Returns
        -------
        X : {array-like, sparse matrix, DataFrame}
            The input ``X`` itself.

        y_relabeled : array-like of shape (n_samples,)
            The corrected labels, in the container of ``y``.
        """
        return super().fit_resample(X, y, y_proba=y_proba)

    def _fit_resample(self, X, y, *, y_proba=None):
        classes, y_index = np.unique(y, return_inverse=True)
        n_samples, n_classes = y.shape[0], classes.shape[0]
        rng = check_random_state(self.random_state)
        self.estimator_ = None
        if y_proba is not None:
            proba = check_y_proba(y_proba, n_samples, classes)
        else:
            proba, self.estimator_ = class_probabilities(
                self.estimator,
                X,
                y,
                classes,
                cv=self.cv,
                rng=rng,
                n_jobs=self.n_jobs,
                owner=type(self).__name__,
                verbose=self.verbose,
            )
        n_distinct = np.unique(proba, axis=0).shape[0]
        if n_distinct < n_classes:
            raise ValueError(
                f"ClusterRelabeler needs at least as many distinct probability "
                f"vectors as classes ({n_classes}) to form one cluster per class, "
                f"got {n_distinct}."
            )
        kmeans = KMeans(
            n_clusters=n_classes,
            n_init=self.n_init,
            random_state=rng.randint(np.iinfo(np.int32).max),
        )
        clusters = kmeans.fit_predict(proba)
        counts = np.zeros((n_classes, n_classes))
        np.add.at(counts, (clusters, y_index), 1)
        _, label_of_cluster = linear_sum_assignment(counts, maximize=True)
        if self.relabel == "all":
            relabeled = np.arange(n_classes)
        else:
            relabeled = _overruled_clusters(counts, proba, clusters, label_of_cluster)
        new_index = np.where(
            np.isin(clusters, relabeled), label_of_cluster[clusters], y_index
        )

        self.y_proba_ = proba
        self.cluster_labels_ = clusters
        self.cluster_classes_ = classes[label_of_cluster]
        self.relabeled_clusters_ = relabeled
        self.sample_indices_ = np.arange(n_samples)
        decision = LabelDecision(
            keep=np.ones(n_samples, dtype=bool),
            label_quality=proba[np.arange(n_samples), y_index],
            label_issues=new_index != y_index,
            suggested_labels=classes[new_index],
        )
        self._record_decision(decision, y, classes)
        return X, classes[new_index]

    _accept_sparse = True
