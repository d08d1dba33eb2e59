"""Noisy versions of bundled datasets, with the clean labels kept alongside."""

import os
from numbers import Integral, Real

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from .._noise_models import NOISE_KINDS, PAIR_PRESETS, flip_labels, transition_matrix
from ._mnist import load_mnist

__all__ = ["load_noisy_dataset"]


def _load_digits_split(random_state):
    digits = load_digits()
    X = (digits.data / 16.0).astype(np.float32)
    return train_test_split(
        X,
        digits.target,
        test_size=0.25,
        stratify=digits.target,
        random_state=random_state,
    )


@validate_params(
    {
        "name": [StrOptions({"digits", "mnist"})],
        "kind": [StrOptions(set(NOISE_KINDS))],
        "rate": [Interval(Real, 0, 1, closed="both")],
        "pairs": [StrOptions(set(PAIR_PRESETS)), dict, None],
        "n_train": [Interval(Integral, 20, None, closed="left"), None],
        "as_images": ["boolean"],
        "random_state": ["random_state"],
        "data_home": [str, os.PathLike, None],
    },
    prefer_skip_nested_validation=True,
)
def load_noisy_dataset(
    name="digits",
    *,
    kind="symmetric",
    rate=0.2,
    pairs=None,
    n_train=None,
    as_images=False,
    random_state=None,
    data_home=None,
):
    """Load a dataset whose training labels carry simulated noise.

    The test labels stay clean, and the clean training labels are returned
    alongside the noisy ones so that a filter's precision and recall can be
    measured.

    Parameters
    ----------
    name : {"digits", "mnist"}, default="digits"
        ``"digits"``: scikit-learn's 8x8 digits (1,797 images), split 75/25
        stratified. ``"mnist"``: the standard 60,000/10,000 MNIST split, see
        :func:`load_mnist`.

    kind : {"symmetric", "uniform", "pairflip", "asymmetric"}, default="symmetric"
        Noise model, see :func:`skclean.noise.transition_matrix`.

    rate : float in [0, 1], default=0.2
        Noise rate.

    pairs : dict or {"ding2018", "patrini2017"}, default=None
        Class pairs for ``kind="asymmetric"``.

    n_train : int, default=None
        Keep a stratified random subset of this many training rows (for quick
        runs); all of them by default.

    as_images : bool, default=False
        Return images as ``(n, 1, h, w)`` instead of flat rows.

    random_state : int, RandomState instance or None, default=None
        Seed of the split, the subset and the noise.

    data_home : str or path-like, default=None
        Cache folder for MNIST.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``X_train``, ``y_train`` (noisy), ``y_train_clean``, ``noisy_mask``
        (True where the training label is wrong), ``X_test``, ``y_test`` (clean),
        and ``transition`` (the noise transition matrix).

    See Also
    --------
    skclean.noise.flip_labels : The noise applied to the training labels.

    Examples
    --------
    >>> from skclean.datasets import load_noisy_dataset
    >>> data = load_noisy_dataset("digits", kind="symmetric", rate=0.4, random_state=0)
    >>> data.X_train.shape, data.X_test.shape
    ((1347, 64), (450, 64))
    >>> round(float(data.noisy_mask.mean()), 1)
    0.4
    """
    rng = check_random_state(random_state)
    if name == "digits":
        X_train, X_test, y_train, y_test = _load_digits_split(rng.randint(2**31 - 1))
        side = 8
    else:
        X_train, X_test, y_train, y_test = load_mnist(
            data_home=data_home, return_X_y=True
        )
        side = 28
    if n_train is not None and n_train < X_train.shape[0]:
        X_train, _, y_train, _ = train_test_split(
            X_train,
            y_train,
            train_size=n_train,
            stratify=y_train,
            random_state=rng.randint(2**31 - 1),
        )
    y_noisy = flip_labels(y_train, kind=kind, rate=rate, pairs=pairs, random_state=rng)
    if as_images:
        X_train = X_train.reshape(-1, 1, side, side)
        X_test = X_test.reshape(-1, 1, side, side)
    return Bunch(
        X_train=X_train,
        y_train=y_noisy,
        y_train_clean=y_train,
        noisy_mask=y_noisy != y_train,
        X_test=X_test,
        y_test=y_test,
        transition=transition_matrix(
            np.unique(y_train), kind=kind, rate=rate, pairs=pairs
        ),
    )
