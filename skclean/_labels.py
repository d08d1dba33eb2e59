"""The label conventions: -1 marks an unlabelled row; samples may be image-shaped."""

import numpy as np

__all__ = ["UNLABELED", "flatten_samples", "labeled_mask", "unlabel"]

#: The label that marks an unlabelled row (scikit-learn's semi-supervised convention).
UNLABELED = -1


def flatten_samples(X):
    """Return ``X`` as 2-D ``(n_samples, n_features)`` if it is an N-D array.

    Image batches ``(n, c, h, w)`` become ``(n, c * h * w)`` (a view, no copy).
    Anything else is returned unchanged.
    """
    if isinstance(X, np.ndarray) and X.ndim > 2:
        return X.reshape(X.shape[0], -1)
    return X


def _is_number(value):
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def labeled_mask(y):
    """Return a boolean mask, True where the label ``y`` is not -1 (unlabelled).

    Integer, float and object labels equal to -1 are unlabelled; string and
    boolean labels never are (an object array mixes string labels with the
    integer -1, as scikit-learn's semi-supervised estimators do).

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels.

    Returns
    -------
    mask : ndarray of bool of shape (n_samples,)
        True for labelled rows.

    Examples
    --------
    >>> import numpy as np
    >>> from skclean.metrics import labeled_mask
    >>> labeled_mask([0, -1, 2])
    array([ True, False,  True])
    >>> labeled_mask(np.array(["cat", -1, "dog"], dtype=object))
    array([ True, False,  True])
    """
    array = np.asarray(y)
    if array.dtype.kind in "US" and not hasattr(y, "dtype"):
        # numpy turns a list that mixes strings and -1 into strings, "-1" included.
        array = np.asarray(y, dtype=object)
    if array.dtype.kind in "iuf":
        return array != UNLABELED
    if array.dtype.kind == "O":
        # Compare element by element: numpy's `!=` on object arrays may try to
        # broadcast sequences stored as labels.
        return np.fromiter(
            (not (_is_number(v) and v == UNLABELED) for v in array.ravel()),
            dtype=bool,
            count=array.size,
        ).reshape(array.shape)
    return np.ones(array.shape, dtype=bool)


def unlabel(y, keep):
    """Return a copy of the 1-D labels ``y`` with the rows not in ``keep`` set to -1.

    Integer labels stay integers (unsigned ones become signed), float labels stay
    floats, and any other labels (strings, booleans) become dtype object, as in
    scikit-learn's semi-supervised estimators.
    """
    y = np.asarray(y)
    if y.dtype.kind in "if":
        out = y.copy()
    elif y.dtype.kind == "u":
        out = y.astype(np.int64)
    else:
        out = y.astype(object)
    out[~keep] = UNLABELED
    return out
