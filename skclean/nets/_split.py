"""A validation split for semi-supervised training: labelled rows only."""

from numbers import Integral, Real

import numpy as np
from sklearn.model_selection import StratifiedShuffleSplit
from torch.utils.data import Subset

from .._labels import UNLABELED

__all__ = ["LabeledValidSplit"]


class LabeledValidSplit:
    """Hold out a stratified share of the labelled rows; train on all the others.

    A ``train_split`` for :class:`~skclean.nets.PiModelClassifier` (and any
    skorch net whose targets mark unlabelled rows with -1). skorch's
    :class:`~skorch.dataset.ValidSplit` would stratify on -1 as if it were a
    class and hold unlabelled rows out of training, where they are the whole
    point; this split validates on labelled rows only and keeps every
    unlabelled row in training. The validation scores (``valid_loss``,
    ``valid_acc``) are then on held-out *noisy* labels, the curve the
    benchmark protocol reads, and can drive skorch's
    :class:`~skorch.callbacks.EarlyStopping`.

    Parameters
    ----------
    cv : int or float, default=5
        An int ``k`` holds out ``1/k`` of the labelled rows; a float in (0, 1)
        is the held-out fraction itself.

    random_state : int or None, default=None
        Seed of the split.

    Examples
    --------
    >>> import numpy as np
    >>> from skclean.nets import LabeledValidSplit
    >>> from skclean.nets._data import DeviceDataset
    >>> y = np.array([0, 1] * 10 + [-1] * 20)
    >>> train, valid = LabeledValidSplit(cv=5, random_state=0)(
    ...     DeviceDataset(np.zeros((40, 2), dtype=np.float32), y), y)
    >>> len(train), len(valid)  # 4 labelled rows held out, 20 unlabelled kept
    (36, 4)
    """

    def __init__(self, cv=5, *, random_state=None):
        self.cv = cv
        self.random_state = random_state

    def _valid_fraction(self):
        if isinstance(self.cv, Integral) and self.cv >= 2:
            return 1.0 / self.cv
        if isinstance(self.cv, Real) and 0 < self.cv < 1:
            return float(self.cv)
        raise ValueError(
            "LabeledValidSplit's cv must be an int >= 2 (hold out 1/cv of the "
            f"labelled rows) or a float in (0, 1); got {self.cv!r}."
        )

    def __call__(self, dataset, y=None, groups=None):
        """Return ``(train, valid)`` subsets of ``dataset``."""
        y = np.asarray(y)
        labeled = np.flatnonzero(y != UNLABELED)
        splitter = StratifiedShuffleSplit(
            n_splits=1,
            test_size=self._valid_fraction(),
            random_state=self.random_state,
        )
        _, held_out = next(splitter.split(labeled, y[labeled]))
        valid = np.sort(labeled[held_out])
        train = np.setdiff1d(np.arange(y.shape[0]), valid)
        return Subset(dataset, train), Subset(dataset, valid)

    def __repr__(self):
        return (
            f"{type(self).__name__}(cv={self.cv!r}, random_state={self.random_state!r})"
        )
