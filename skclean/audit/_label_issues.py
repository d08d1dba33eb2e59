"""Find the rows whose given label is probably wrong, and score every label."""

from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, StrOptions, validate_params
from sklearn.utils.validation import check_array, check_consistent_length

from .._probabilities import check_y_proba, class_probabilities
from ._confident_joint import confident_classes, joint_given_true
from ._validation import check_labels, check_labels_and_proba

__all__ = ["find_label_issues", "label_quality_scores"]

ISSUE_METHODS = (
    "prune_by_noise_rate",
    "prune_by_class",
    "both",
    "confident_joint",
    "predicted_neq_given",
)
SCORE_METHODS = ("self_confidence", "normalized_margin", "confidence_weighted_entropy")


def quality_scores(y_index, y_proba, method):
    """Per-row label quality in [0, 1]; higher means the label is more likely right."""
    rows = np.arange(y_index.shape[0])
    self_confidence = y_proba[rows, y_index]
    if method == "self_confidence":
        return self_confidence.copy()
    if method == "normalized_margin":
        others = y_proba.copy()
        others[rows, y_index] = -np.inf
        return (self_confidence - others.max(axis=1) + 1.0) / 2.0
    # confidence_weighted_entropy: s / (s + H), H the entropy in units of log(K).
    totals = y_proba.sum(axis=1, keepdims=True)
    p = y_proba / np.where(totals > 0, totals, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    entropy = -plogp.sum(axis=1) / np.log(y_proba.shape[1])
    s = p[rows, y_index]
    denominator = s + entropy
    return np.divide(s, denominator, out=np.zeros_like(s), where=denominator > 0)


def _largest(values, k):
    """Positions of the ``k`` largest ``values`` (any of a tie at the cut)."""
    if k <= 0:
        return np.empty(0, dtype=np.intp)
    if k >= values.shape[0]:
        return np.arange(values.shape[0])
    return np.argpartition(-values, k - 1)[:k]


def _rows_by_class(y_index, n_classes):
    """For every class, the indices of its rows (ascending)."""
    order = np.argsort(y_index, kind="stable")
    bounds = np.cumsum(np.bincount(y_index, minlength=n_classes))[:-1]
    return np.split(order, bounds)


def _prune_by_noise_rate(y_index, y_proba, joint, n_samples):
    """For each off-diagonal cell (i, j), the n * Q[i, j] rows labelled i with
    the largest margin P(j | x) - P(i | x)."""
    n_classes = y_proba.shape[1]
    mask = np.zeros(n_samples, dtype=bool)
    for i, rows in enumerate(_rows_by_class(y_index, n_classes)):
        proba = y_proba[rows]
        margins = proba - proba[:, i : i + 1]
        for j in range(n_classes):
            k = int(round(n_samples * joint[i, j]))
            if j != i and k > 0:
                mask[rows[_largest(margins[:, j], k)]] = True
    return mask


def _prune_by_class(y_index, y_proba, joint, n_samples):
    """For each given label i, the n * sum_{j != i} Q[i, j] rows labelled i with
    the lowest P(i | x)."""
    n_classes = y_proba.shape[1]
    mask = np.zeros(n_samples, dtype=bool)
    for i, rows in enumerate(_rows_by_class(y_index, n_classes)):
        k = int(round(n_samples * (joint[i].sum() - joint[i, i])))
        mask[rows[_largest(-y_proba[rows, i], k)]] = True
    return mask


def label_issue_mask(y_index, y_proba, method):
    """Boolean mask of the labels ``method`` suspects; see find_label_issues."""
    n_samples, n_classes = y_proba.shape
    rows = np.arange(n_samples)
    self_confidence = y_proba[rows, y_index]
    disagrees = self_confidence < y_proba.max(axis=1)
    if method == "predicted_neq_given":
        return disagrees
    if method == "confident_joint":
        confident = confident_classes(y_index, y_proba)
        return disagrees & (confident >= 0) & (confident != y_index)
    joint = joint_given_true(y_index, y_proba)
    if method == "prune_by_noise_rate":
        mask = _prune_by_noise_rate(y_index, y_proba, joint, n_samples)
    elif method == "prune_by_class":
        mask = _prune_by_class(y_index, y_proba, joint, n_samples)
    else:  # both
        mask = _prune_by_noise_rate(
            y_index, y_proba, joint, n_samples
        ) & _prune_by_class(y_index, y_proba, joint, n_samples)
    mask &= disagrees
    # Never flag every row of a class: keep its most confident row.
    for members in _rows_by_class(y_index, n_classes):
        if members.size and mask[members].all():
            mask[members[np.argmax(self_confidence[members])]] = False
    return mask


def _check_X(X, n_samples):
    """Validate ``X`` (flat or image-shaped) for the estimator; returns 2-D X."""
    X = check_array(
        X,
        accept_sparse=("csr", "csc"),
        allow_nd=True,
        dtype="numeric",
        input_name="X",
    )
    if X.ndim > 2:
        X = X.reshape(X.shape[0], -1)
    return X


@validate_params(
    {
        "y": ["array-like"],
        "y_proba": ["array-like", None],
        "X": ["array-like", "sparse matrix", None],
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
        "cv": ["cv_object"],
        "method": [StrOptions(set(ISSUE_METHODS))],
        "output": [StrOptions({"mask", "ranking"})],
        "rank_by": [StrOptions(set(SCORE_METHODS))],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
    },
    prefer_skip_nested_validation=False,
)
def find_label_issues(
    y,
    *,
    y_proba=None,
    X=None,
    estimator=None,
    cv=5,
    method="prune_by_noise_rate",
    output="mask",
    rank_by="self_confidence",
    random_state=None,
    n_jobs=None,
):
    """Find the rows whose given label is probably wrong.

    Confident learning [1]_ from out-of-fold class probabilities: every class
    ``k`` gets the threshold ``t_k``, the mean probability of ``k`` over the
    rows labelled ``k``; the confident joint counts, for each given label
    ``i``, the rows whose most probable class above its threshold is ``j``;
    calibrated to the label counts and normalised, it estimates the joint
    distribution ``Q[i, j]`` of given label ``i`` and true class ``j`` (the
    paper's layout; :func:`estimate_joint` returns its transpose), hence how
    many rows of each kind of error to flag.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        The given (possibly wrong) labels: integers, strings or any sortable
        values; at least two classes.

    y_proba : array-like of shape (n_samples, n_classes), default=None
        Out-of-fold class probabilities, columns in sorted class order
        (``np.unique(y)``). If None, they are computed from ``X``.

    X : {array-like, sparse matrix} of shape (n_samples, ...), default=None
        Features, flat or image-shaped (flattened to 2-D). Needed when
        ``y_proba`` is None, not used otherwise.

    estimator : classifier or None, default=None
        Classifier with ``predict_proba`` that gives the out-of-fold
        probabilities, cloned for each fold. None uses ``StandardScaler ->
        PCA(min(50, n_features)) -> LogisticRegression`` (for sparse ``X``:
        ``StandardScaler(with_mean=False) -> LogisticRegression``), as
        :class:`~skclean.filters.ConfidenceRankFilter` does. Not used with
        ``y_proba``.

    cv : int, cross-validation generator, iterable or None, default=5
        The folds: an int ``n`` gives ``StratifiedKFold(n, shuffle=True)``
        seeded by ``random_state`` (every class then needs ``n`` rows); a
        splitter or an iterable of ``(train, test)`` splits is used as given.
        None fits on all rows and predicts the same rows, which makes most
        labels look right. Not used with ``y_proba``.

    method : {"prune_by_noise_rate", "prune_by_class", "both", \
            "confident_joint", "predicted_neq_given"}, default="prune_by_noise_rate"
        Which rows to flag, in the paper's terms (sec. 3.2):

        - ``"prune_by_noise_rate"``: for each pair of given label ``i`` and
          class ``j != i``, the ``n * Q[i, j]`` rows labelled ``i`` with the
          largest margin ``P(j | x) - P(i | x)``.
        - ``"prune_by_class"``: for each label ``i``, the
          ``n * sum_{j != i} Q[i, j]`` rows labelled ``i`` with the lowest
          ``P(i | x)``.
        - ``"both"``: rows that both of the above flag.
        - ``"confident_joint"``: rows counted off the diagonal of the confident
          joint (confidently of a class other than their label).
        - ``"predicted_neq_given"``: rows whose label is not the most probable
          class.

    output : {"mask", "ranking"}, default="mask"
        ``"mask"`` returns a boolean mask; ``"ranking"`` the indices of the
        flagged rows, most suspect first.

    rank_by : {"self_confidence", "normalized_margin", \
            "confidence_weighted_entropy"}, default="self_confidence"
        The score that orders the ranking (lowest first); see
        :func:`label_quality_scores`. Ties keep row order. Not used with
        ``output="mask"``.

    random_state : int, RandomState instance or None, default=None
        Seed of the fold shuffling and of the default estimator. Not used with
        ``y_proba``.

    n_jobs : int, default=None
        Number of jobs of :func:`~sklearn.model_selection.cross_val_predict`.

    Returns
    -------
    issues : ndarray
        With ``output="mask"``, a boolean array of shape (n_samples,), True
        where the label is suspected wrong. With ``output="ranking"``, the
        integer indices of those rows, from most to least suspect.

    See Also
    --------
    label_quality_scores : A score for every row, not only the flagged ones.
    estimate_noise_matrix : The noise transition matrix behind the labels.
    class_label_quality : A per-class summary.
    LabelIssuesDisplay : Look at the flagged images.
    skclean.filters.ConfidenceRankFilter : Train on the labels a classifier
        confirms; its ``clean_mask`` takes hand-checked rows.

    Notes
    -----
    A row whose given label is the most probable class (ties included) is
    never flagged, whatever the method, and no class has every row flagged
    (its most confident row is kept): both are cases where the counting rules
    contradict the classifier they are derived from.

    The probabilities must be out-of-fold (or from a held-out model):
    a model that has seen a row's label tends to agree with it.

    References
    ----------
    .. [1] C. Northcutt, L. Jiang and I. Chuang, "Confident Learning:
       Estimating Uncertainty in Dataset Labels", JAIR 70, 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from skclean.audit import find_label_issues
    >>> y = np.array(["cat", "cat", "cat", "dog", "dog", "dog"])
    >>> y_proba = np.array([[0.9, 0.1], [0.8, 0.2], [0.2, 0.8],
    ...                     [0.1, 0.9], [0.3, 0.7], [0.2, 0.8]])
    >>> find_label_issues(y, y_proba=y_proba)
    array([False, False,  True, False, False, False])

    Without probabilities, 5-fold out-of-fold ones are computed from ``X``:

    >>> from sklearn.datasets import load_digits
    >>> from skclean.noise import flip_labels
    >>> X, y = load_digits(return_X_y=True)
    >>> y_noisy = flip_labels(y, rate=0.2, random_state=0)
    >>> ranking = find_label_issues(y_noisy, X=X, output="ranking", random_state=0)
    >>> len(ranking), round(float(np.mean(y_noisy[ranking] != y[ranking])), 2)
    (407, 0.86)
    """
    classes, y_index = check_labels(y)
    n_samples = y_index.shape[0]
    if y_proba is not None:
        if X is not None:
            check_consistent_length(X, y)
        proba = check_y_proba(y_proba, n_samples, classes)
    elif X is None:
        raise ValueError(
            "find_label_issues needs y_proba (out-of-fold class probabilities) or "
            "X (features to compute them from); got neither."
        )
    else:
        check_consistent_length(X, y)
        X = _check_X(X, n_samples)
        y_labels = classes[y_index]
        proba, _ = class_probabilities(
            estimator,
            X,
            y_labels,
            classes,
            cv=cv,
            rng=check_random_state(random_state),
            n_jobs=n_jobs,
            owner="find_label_issues",
        )
    mask = label_issue_mask(y_index, proba, method)
    if output == "mask":
        return mask
    flagged = np.flatnonzero(mask)
    scores = quality_scores(y_index, proba, rank_by)[flagged]
    return flagged[np.argsort(scores, kind="stable")]


@validate_params(
    {
        "y": ["array-like"],
        "y_proba": ["array-like"],
        "method": [StrOptions(set(SCORE_METHODS))],
    },
    prefer_skip_nested_validation=True,
)
def label_quality_scores(y, y_proba, *, method="self_confidence"):
    """Score how likely each given label is to be right.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        The given (possibly wrong) labels; at least two classes.

    y_proba : array-like of shape (n_samples, n_classes)
        Out-of-fold class probabilities, columns in sorted class order
        (``np.unique(y)``).

    method : {"self_confidence", "normalized_margin", \
            "confidence_weighted_entropy"}, default="self_confidence"
        With ``s = P(given label | x)``:

        - ``"self_confidence"``: ``s`` [1]_.
        - ``"normalized_margin"``: ``(s - max_{k != label} P(k | x) + 1) / 2``,
          which also looks at how strongly another class is preferred [1]_.
        - ``"confidence_weighted_entropy"``: ``s / (s + H)``, with ``H`` the
          entropy of the row divided by ``log(n_classes)``; it ranks rows as
          the entropy divided by ``s`` does [2]_ (in reverse), so a label the
          model is both unsure and unconvinced of scores lowest.

    Returns
    -------
    scores : ndarray of shape (n_samples,)
        Label quality in [0, 1]: higher means more likely right.

    See Also
    --------
    find_label_issues : Which rows to flag.

    References
    ----------
    .. [1] C. Northcutt, L. Jiang and I. Chuang, "Confident Learning:
       Estimating Uncertainty in Dataset Labels", JAIR 70, 2021.
    .. [2] J. Kuan and J. Mueller, "Model-agnostic label quality scoring to
       detect real-world label errors", ICML DataPerf workshop, 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from skclean.audit import label_quality_scores
    >>> y = np.array(["cat", "dog", "dog"])
    >>> y_proba = np.array([[0.9, 0.1], [0.3, 0.7], [0.8, 0.2]])
    >>> label_quality_scores(y, y_proba)
    array([0.9, 0.7, 0.2])
    >>> label_quality_scores(y, y_proba, method="normalized_margin")
    array([0.9, 0.7, 0.2])
    """
    _, y_index, y_proba = check_labels_and_proba(y, y_proba)
    return quality_scores(y_index, y_proba, method)
