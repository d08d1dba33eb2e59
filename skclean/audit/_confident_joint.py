"""The confident joint of confident learning: per-class thresholds and counts."""

import numpy as np

from .._probabilities import per_class_thresholds


def confident_classes(y_index, y_proba):
    """For every row, the class it confidently belongs to, or -1 for none.

    A row confidently belongs to the most probable of the classes whose
    probability reaches that class's threshold.
    """
    thresholds = per_class_thresholds(y_index, y_proba)
    # A relative tolerance so that a class whose rows all share one probability
    # reaches its own mean despite rounding.
    above = y_proba >= thresholds - 1e-9 * np.maximum(thresholds, 1.0)
    masked = np.where(above, y_proba, -np.inf)
    confident = masked.argmax(axis=1)
    confident[~above.any(axis=1)] = -1
    return confident


def counts_given_true(y_index, confident, n_classes):
    """Confident joint in the paper's layout: C[given, confidently true] counts."""
    counted = confident >= 0
    flat = y_index[counted] * n_classes + confident[counted]
    return np.bincount(flat, minlength=n_classes * n_classes).reshape(
        n_classes, n_classes
    )


def joint_given_true(y_index, y_proba):
    """Calibrated confident joint as probabilities, layout Q[given, true] (CL eq. 3).

    Each given-label row of the counts is rescaled to the number of rows with
    that label, then the whole matrix to sum 1. A label none of whose rows is
    counted puts its rows on the diagonal.
    """
    n_samples, n_classes = y_proba.shape
    counts = counts_given_true(
        y_index, confident_classes(y_index, y_proba), n_classes
    ).astype(np.float64)
    n_given = np.bincount(y_index, minlength=n_classes).astype(np.float64)
    row_sums = counts.sum(axis=1)
    empty = row_sums == 0
    counts[empty] = 0.0
    counts[empty, np.flatnonzero(empty)] = 1.0
    row_sums[empty] = 1.0
    calibrated = counts / row_sums[:, None] * n_given[:, None]
    return calibrated / n_samples
