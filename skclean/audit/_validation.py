"""Input checks shared by the label-audit functions: labels and class probabilities."""

import numpy as np
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

from .._probabilities import check_y_proba


def check_labels(y):
    """Validate noisy labels: 1-D class labels of at least two classes.

    Returns the sorted classes and, for every row, the index of its label in them.
    """
    y = column_or_1d(y, warn=True)
    if y.shape[0] == 0:
        raise ValueError("y is empty: the audit needs at least one sample.")
    check_classification_targets(y)
    classes, y_index = np.unique(y, return_inverse=True)
    if classes.shape[0] < 2:
        raise ValueError(
            "A label audit needs at least 2 classes in y, got 1 class: "
            f"{classes.tolist()}."
        )
    return classes, y_index


def check_labels_and_proba(y, y_proba):
    """Validate labels and their class probabilities together.

    Returns ``(classes, y_index, y_proba)``; ``y_proba`` as a new float64 array
    (the caller's array is never written to).
    """
    classes, y_index = check_labels(y)
    y_proba = check_y_proba(y_proba, y_index.shape[0], classes)
    return classes, y_index, y_proba
