"""Scores that leave out unlabelled rows (y == -1)."""

import numpy as np
from sklearn.metrics import accuracy_score, make_scorer
from sklearn.utils._param_validation import validate_params
from sklearn.utils.validation import (
    _check_sample_weight,
    check_consistent_length,
    column_or_1d,
)

from ._labels import labeled_mask

__all__ = ["labeled_accuracy_score", "labeled_accuracy", "labeled_mask"]


@validate_params(
    {
        "y_true": ["array-like"],
        "y_pred": ["array-like"],
        "sample_weight": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def labeled_accuracy_score(y_true, y_pred, *, sample_weight=None):
    """Accuracy over the rows whose true label is not -1 (unlabelled).

    :func:`sklearn.metrics.accuracy_score` counts a row labelled -1 as a row of
    a class called -1, which no classifier of the real classes predicts, so
    every unlabelled row counts as an error (scikit-learn issue #2593). This
    score leaves those rows out: it is the accuracy on the labelled rows.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels; -1 marks an unlabelled row. String labels come in an
        object array that holds -1 for the unlabelled rows.

    y_pred : array-like of shape (n_samples,)
        Predicted labels.

    sample_weight : array-like of shape (n_samples,), default=None
        Weights of the rows.

    Returns
    -------
    score : float
        The fraction (weighted by ``sample_weight``) of labelled rows whose
        prediction equals their label.

    Raises
    ------
    ValueError
        If every row is unlabelled.

    See Also
    --------
    labeled_accuracy : This score as a scorer, for ``scoring=``.
    sklearn.metrics.accuracy_score : Accuracy over every row.

    Examples
    --------
    >>> from skclean.metrics import labeled_accuracy_score
    >>> labeled_accuracy_score([0, 1, -1, -1], [0, 0, 1, 1])
    0.5
    >>> labeled_accuracy_score(["a", "b", -1], ["a", "b", "a"])
    1.0
    """
    labeled = labeled_mask(y_true)
    y_true = column_or_1d(y_true, dtype=None, input_name="y_true")
    y_pred = column_or_1d(y_pred, dtype=None, input_name="y_pred")
    check_consistent_length(y_true, y_pred, sample_weight)
    labeled = labeled.ravel()
    if not labeled.any():
        raise ValueError(
            f"labeled_accuracy_score needs at least one labelled row, but all "
            f"{y_true.shape[0]} rows of y_true are -1 (unlabelled)."
        )
    if sample_weight is not None:
        sample_weight = _check_sample_weight(sample_weight, y_true)[labeled]
    y_true = y_true[labeled]
    if y_true.dtype.kind == "O":
        # The -1s are gone; let accuracy_score see the labels' own type.
        y_true = np.asarray(y_true.tolist())
    return float(accuracy_score(y_true, y_pred[labeled], sample_weight=sample_weight))


#: :func:`labeled_accuracy_score` as a scorer: pass ``scoring=labeled_accuracy`` to
#: :func:`~sklearn.model_selection.cross_validate`,
#: :class:`~sklearn.model_selection.GridSearchCV` ... so that test rows labelled -1
#: are left out. Greater is better.
labeled_accuracy = make_scorer(labeled_accuracy_score)
