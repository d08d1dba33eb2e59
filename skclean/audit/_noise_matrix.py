"""Estimate the label noise: confident joint, noise matrix, per-class summary."""

import numpy as np
from sklearn.utils._param_validation import StrOptions, validate_params

from ..base import FilterReport
from ._confident_joint import confident_classes, counts_given_true, joint_given_true
from ._label_issues import label_issue_mask
from ._validation import check_labels_and_proba

__all__ = [
    "confident_joint",
    "estimate_joint",
    "estimate_noise_matrix",
    "class_label_quality",
]

# Rows at this percentile of P(class | x) serve as the anchors of a class
# (Patrini et al. 2017 use the 97th percentile rather than the maximum, which
# an outlier can own).
_ANCHOR_PERCENTILE = 97.0


def _noise_matrix_from_joint(joint):
    """T[true, given] from a joint P(true, given); an unseen true class is clean."""
    prior = joint.sum(axis=1)
    out = np.eye(joint.shape[0])
    seen = prior > 0
    out[seen] = joint[seen] / prior[seen, None]
    return out


def _anchor_noise_matrix(y_proba):
    """Patrini et al.'s estimate: T[i] = P(noisy label | x) at an anchor of class i."""
    n_classes = y_proba.shape[1]
    out = np.empty((n_classes, n_classes))
    for i in range(n_classes):
        column = y_proba[:, i]
        cut = np.percentile(column, _ANCHOR_PERCENTILE, method="inverted_cdf")
        anchor = np.flatnonzero(column >= cut)
        anchor = anchor[np.argmin(column[anchor])]
        out[i] = y_proba[anchor] / max(y_proba[anchor].sum(), np.finfo(float).tiny)
    return out


@validate_params(
    {"y": ["array-like"], "y_proba": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def confident_joint(y, y_proba):
    """Count the rows of each given label that confidently belong to each class.

    The confident joint of confident learning [1]_: every class ``k`` gets the
    threshold ``t_k``, the mean probability of ``k`` over the rows labelled
    ``k``; a row confidently belongs to the most probable class whose
    probability reaches its threshold, and to none if no class does.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        The given (possibly wrong) labels; at least two classes.

    y_proba : array-like of shape (n_samples, n_classes)
        Out-of-fold class probabilities, columns in sorted class order
        (``np.unique(y)``).

    Returns
    -------
    counts : ndarray of shape (n_classes, n_classes)
        ``counts[i, j]``: the number of rows confidently of class ``i`` whose
        given label is ``j``; uncalibrated. Rows confidently of no class are not
        counted. The layout is that of
        :func:`~skclean.noise.transition_matrix` (true class first), the
        transpose of the paper's ``C[given][true]``.

    See Also
    --------
    estimate_joint : The confident joint calibrated to a joint distribution.
    estimate_noise_matrix : The noise transition matrix.

    References
    ----------
    .. [1] C. Northcutt, L. Jiang and I. Chuang, "Confident Learning:
       Estimating Uncertainty in Dataset Labels", JAIR 70, 2021, sec. 3.1.

    Examples
    --------
    >>> import numpy as np
    >>> from skclean.audit import confident_joint
    >>> y = np.array([0, 0, 0, 1, 1, 1])
    >>> y_proba = np.array([[0.9, 0.1], [0.8, 0.2], [0.2, 0.8],
    ...                     [0.1, 0.9], [0.3, 0.7], [0.2, 0.8]])
    >>> confident_joint(y, y_proba)  # the third row is labelled 0, looks like 1
    array([[2, 0],
           [1, 2]])
    """
    _, y_index, y_proba = check_labels_and_proba(y, y_proba)
    confident = confident_classes(y_index, y_proba)
    return counts_given_true(y_index, confident, y_proba.shape[1]).T


@validate_params(
    {"y": ["array-like"], "y_proba": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def estimate_joint(y, y_proba):
    """Estimate the joint distribution of true classes and given labels.

    The confident joint (:func:`confident_joint`), calibrated as in confident
    learning [1]_: each given label's counts are rescaled to the number of rows
    with that label, and the matrix to sum 1.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        The given (possibly wrong) labels; at least two classes.

    y_proba : array-like of shape (n_samples, n_classes)
        Out-of-fold class probabilities, columns in sorted class order
        (``np.unique(y)``).

    Returns
    -------
    joint : ndarray of shape (n_classes, n_classes)
        ``joint[i, j]``: the estimated fraction of rows of true class ``i``
        given the label ``j``; sums to 1. ``joint.sum(axis=1)`` estimates the
        prior of the true classes and ``joint.sum(axis=0)`` equals the observed
        label frequencies.

    See Also
    --------
    confident_joint : The uncalibrated counts.
    estimate_noise_matrix : ``joint`` divided by its row sums.

    References
    ----------
    .. [1] C. Northcutt, L. Jiang and I. Chuang, "Confident Learning:
       Estimating Uncertainty in Dataset Labels", JAIR 70, 2021, sec. 3.1.

    Examples
    --------
    >>> import numpy as np
    >>> from skclean.audit import estimate_joint
    >>> y = np.array([0, 0, 0, 1, 1, 1])
    >>> y_proba = np.array([[0.9, 0.1], [0.8, 0.2], [0.2, 0.8],
    ...                     [0.1, 0.9], [0.3, 0.7], [0.2, 0.8]])
    >>> estimate_joint(y, y_proba).round(3)
    array([[0.333, 0.   ],
           [0.167, 0.5  ]])
    """
    _, y_index, y_proba = check_labels_and_proba(y, y_proba)
    return joint_given_true(y_index, y_proba).T


@validate_params(
    {
        "y": ["array-like"],
        "y_proba": ["array-like"],
        "method": [StrOptions({"confident_joint", "anchor_points"})],
    },
    prefer_skip_nested_validation=True,
)
def estimate_noise_matrix(y, y_proba, *, method="confident_joint"):
    """Estimate the noise transition matrix from out-of-fold probabilities.

    The estimate of the matrix that :func:`skclean.noise.transition_matrix`
    simulates: entry ``[i, j]`` is the probability that a row of true class
    ``i`` is given the label ``j``.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        The given (possibly wrong) labels; at least two classes.

    y_proba : array-like of shape (n_samples, n_classes)
        Out-of-fold class probabilities, columns in sorted class order
        (``np.unique(y)``). In-sample probabilities of a model that fits its
        training labels make every label look right.

    method : {"confident_joint", "anchor_points"}, default="confident_joint"
        ``"confident_joint"``: the calibrated confident joint
        (:func:`estimate_joint`) divided by its row sums, as in confident
        learning [1]_. ``"anchor_points"``: Patrini et al.'s estimate [2]_: row
        ``i`` is the probability vector of an anchor of class ``i``, the row at
        the 97th percentile of ``P(i | x)``; it assumes the classifier
        estimates ``P(given label | x)`` well and that each class has rows
        that surely belong to it.

    Returns
    -------
    noise_matrix : ndarray of shape (n_classes, n_classes)
        Row-stochastic: ``noise_matrix[i, j]`` estimates P(given label
        ``classes[j]`` | true class ``classes[i]``), classes sorted as
        ``np.unique(y)``. A class no row confidently belongs to gets the
        identity row.

    See Also
    --------
    skclean.noise.transition_matrix : The matrix of a simulated noise setting.
    estimate_joint : The joint distribution of true and given labels.
    NoiseMatrixDisplay : Draw the estimate beside the true matrix.

    References
    ----------
    .. [1] C. Northcutt, L. Jiang and I. Chuang, "Confident Learning:
       Estimating Uncertainty in Dataset Labels", JAIR 70, 2021, sec. 3.1.
    .. [2] G. Patrini et al., "Making deep neural networks robust to label
       noise: a loss correction approach", CVPR 2017, sec. 4.

    Examples
    --------
    >>> import numpy as np
    >>> from skclean.audit import estimate_noise_matrix
    >>> y = np.array([0, 0, 0, 1, 1, 1])
    >>> y_proba = np.array([[0.9, 0.1], [0.8, 0.2], [0.2, 0.8],
    ...                     [0.1, 0.9], [0.3, 0.7], [0.2, 0.8]])
    >>> estimate_noise_matrix(y, y_proba).round(2)  # a quarter of 1s labelled 0
    array([[1.  , 0.  ],
           [0.25, 0.75]])
    """
    _, y_index, y_proba = check_labels_and_proba(y, y_proba)
    if method == "anchor_points":
        return _anchor_noise_matrix(y_proba)
    return _noise_matrix_from_joint(joint_given_true(y_index, y_proba).T)


@validate_params(
    {
        "y": ["array-like"],
        "y_proba": ["array-like"],
        "method": [
            StrOptions(
                {
                    "prune_by_noise_rate",
                    "prune_by_class",
                    "both",
                    "confident_joint",
                    "predicted_neq_given",
                }
            )
        ],
    },
    prefer_skip_nested_validation=True,
)
def class_label_quality(y, y_proba, *, method="prune_by_noise_rate"):
    """Summarise the label quality of each class.

    One row per class, in sorted class order (the order of ``np.unique(y)``,
    as in the filters' ``report_``); to list the worst classes first, sort by
    ``estimated_noise_rate``.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        The given (possibly wrong) labels; at least two classes.

    y_proba : array-like of shape (n_samples, n_classes)
        Out-of-fold class probabilities, columns in sorted class order
        (``np.unique(y)``).

    method : {"prune_by_noise_rate", "prune_by_class", "both", \
            "confident_joint", "predicted_neq_given"}, default="prune_by_noise_rate"
        How the label issues are found; see :func:`find_label_issues`.

    Returns
    -------
    report : :class:`~skclean.base.FilterReport`
        A ``dict`` of equal-length columns (``pandas.DataFrame(report)`` gives
        a table): ``class``; ``n_samples``, the rows given that label;
        ``n_label_issues``, those flagged by :func:`find_label_issues`;
        ``label_issue_fraction``; ``estimated_noise_rate``, the estimated
        fraction of the rows given that label whose true class differs, from
        the calibrated confident joint (:func:`estimate_joint`); and
        ``mean_label_quality``, the mean self-confidence
        (:func:`label_quality_scores`) of those rows.

    See Also
    --------
    find_label_issues : The rows behind ``n_label_issues``.
    estimate_joint : The joint behind ``estimated_noise_rate``.

    Examples
    --------
    >>> import numpy as np
    >>> from skclean.audit import class_label_quality
    >>> y = np.array(["cat", "cat", "cat", "dog", "dog", "dog"])
    >>> y_proba = np.array([[0.9, 0.1], [0.8, 0.2], [0.2, 0.8],
    ...                     [0.1, 0.9], [0.3, 0.7], [0.2, 0.8]])
    >>> report = class_label_quality(y, y_proba)
    >>> report["n_label_issues"], [round(r, 3) for r in report["estimated_noise_rate"]]
    ([1, 0], [0.333, 0.0])
    """
    classes, y_index, y_proba = check_labels_and_proba(y, y_proba)
    n_classes = classes.shape[0]
    joint = joint_given_true(y_index, y_proba)  # [given, true]
    mask = label_issue_mask(y_index, y_proba, method)
    n_given = np.bincount(y_index, minlength=n_classes)
    n_issues = np.bincount(y_index[mask], minlength=n_classes)
    given_mass = joint.sum(axis=1)
    noise_rate = 1.0 - np.diag(joint) / np.where(given_mass > 0, given_mass, 1.0)
    self_confidence = y_proba[np.arange(y_index.shape[0]), y_index]
    quality = np.bincount(y_index, weights=self_confidence, minlength=n_classes)
    return FilterReport(
        {
            "class": classes.tolist(),
            "n_samples": n_given.tolist(),
            "n_label_issues": n_issues.tolist(),
            "label_issue_fraction": (n_issues / n_given).tolist(),
            "estimated_noise_rate": np.clip(noise_rate, 0.0, 1.0).tolist(),
            "mean_label_quality": (quality / n_given).tolist(),
        }
    )
