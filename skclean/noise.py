"""Simulate label noise: transition matrices, label flipping and a pipeline step."""

import numpy as np

from ._noise_models import (
    _KIND_CONSTRAINT,
    _PAIRS_CONSTRAINT,
    _RATE_CONSTRAINT,
    NOISE_KINDS,
    flip_labels,
    transition_matrix,
)
from .base import BaseLabelSampler

__all__ = ["NOISE_KINDS", "LabelNoise", "flip_labels", "transition_matrix"]


class LabelNoise(BaseLabelSampler):
    """Pipeline step that flips training labels, and only training labels.

    A sampler in the imbalanced-learn sense: it acts in ``fit_resample`` and is
    skipped at predict time. Put it first in a :func:`skclean.pipeline.make_pipeline`
    (or ``imblearn.pipeline.make_pipeline``) and cross-validate on clean labels:
    noise is injected into each training fold while every test fold keeps its
    clean labels, so the scores measure clean accuracy.

    Parameters
    ----------
    kind : {"symmetric", "uniform", "pairflip", "asymmetric"}, default="symmetric"
        The noise model; see :func:`transition_matrix`.

    rate : float in [0, 1], default=0.2
        Noise rate, as defined by ``kind``.

    pairs : dict or {"ding2018", "patrini2017"}, default=None
        Class pairs for ``kind="asymmetric"``.

    transition : array-like of shape (n_classes, n_classes), default=None
        An explicit row-stochastic matrix; overrides ``kind``, ``rate``, ``pairs``.

    random_state : int, RandomState instance or None, default=None
        Seed of the draw.

    Attributes
    ----------
    noisy_mask_ : ndarray of shape (n_samples,)
        True where the label of the last ``fit_resample`` was changed.

    sample_indices_ : ndarray of shape (n_samples,)
        ``arange(n_samples)``: every row is returned.

    sampling_strategy_ : dict
        Empty: label noise changes labels, not the number of rows per class
        (kept for imbalanced-learn's sampler API).

    n_features_in_ : int
        Number of features seen by the last ``fit_resample`` (image-shaped ``X``
        counts ``channels * height * width``).

    See Also
    --------
    flip_labels : The function this step applies.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import cross_val_score
    >>> from imblearn.pipeline import make_pipeline
    >>> from skclean.noise import LabelNoise
    >>> X, y = load_digits(return_X_y=True)
    >>> model = make_pipeline(LabelNoise(rate=0.3, random_state=0),
    ...                       LogisticRegression(max_iter=200))
    >>> scores = cross_val_score(model, X / 16, y, cv=3)  # clean test folds
    >>> bool(scores.mean() > 0.8)
    True
    """

    _parameter_constraints = {
        "kind": _KIND_CONSTRAINT,
        "rate": _RATE_CONSTRAINT,
        "pairs": _PAIRS_CONSTRAINT,
        "transition": ["array-like", None],
        "random_state": ["random_state"],
    }

    # X passes through unread: any rows, any values; one class is enough.
    _accept_sparse = True
    _allow_nan = True
    _min_classes = 1

    def __init__(
        self,
        *,
        kind="symmetric",
        rate=0.2,
        pairs=None,
        transition=None,
        random_state=None,
    ):
        self.kind = kind
        self.rate = rate
        self.pairs = pairs
        self.transition = transition
        self.random_state = random_state

    def _fit_resample(self, X, y):
        y_noisy = flip_labels(
            y,
            kind=self.kind,
            rate=self.rate,
            pairs=self.pairs,
            transition=self.transition,
            random_state=self.random_state,
        )
        self.noisy_mask_ = y_noisy != y
        self.sample_indices_ = np.arange(y.shape[0])
        self.sampling_strategy_ = {}  # labels change, row counts do not
        return X, y_noisy

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True  # X passes through untouched
        return tags
