"""Noise models: transition matrices and drawing noisy labels from them."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

__all__ = ["NOISE_KINDS", "PAIR_PRESETS", "flip_labels", "transition_matrix"]

#: Names accepted by the ``kind`` parameter.
NOISE_KINDS = ("symmetric", "uniform", "pairflip", "asymmetric")

#: Named class pairs for ``kind="asymmetric"`` (MNIST digits).
PAIR_PRESETS = {
    # Ding et al. (WACV 2018), sec. 4.1: 2->7, 3->8, 5->6, 7->1.
    "ding2018": {2: 7, 3: 8, 5: 6, 7: 1},
    # Patrini et al. (CVPR 2017): 2->7, 3->8, 5<->6, 7->1.
    "patrini2017": {2: 7, 3: 8, 5: 6, 6: 5, 7: 1},
}

_KIND_CONSTRAINT = [StrOptions(set(NOISE_KINDS))]
_RATE_CONSTRAINT = [Interval(Real, 0, 1, closed="both")]
_PAIRS_CONSTRAINT = [StrOptions(set(PAIR_PRESETS)), dict, None]


def _check_classes(classes):
    if isinstance(classes, Integral):
        if classes < 2:
            raise ValueError(f"Label noise needs at least 2 classes, got {classes}.")
        return np.arange(classes)
    classes = np.asarray(classes)
    if classes.ndim != 1:
        raise ValueError("classes must be an int or a 1-D array of class labels.")
    unique = np.unique(classes)
    if unique.shape[0] != classes.shape[0]:
        raise ValueError("classes must not contain duplicates.")
    if unique.shape[0] < 2:
        raise ValueError(
            f"Label noise needs at least 2 classes, got {unique.shape[0]}: "
            f"{unique.tolist()}."
        )
    return unique


def _resolve_pairs(pairs, classes):
    if pairs is None:
        raise ValueError(
            'kind="asymmetric" needs pairs: a dict {source class: target class} or '
            f"one of the presets {sorted(PAIR_PRESETS)}."
        )
    if isinstance(pairs, str):
        pairs = PAIR_PRESETS[pairs]
    index = {label: i for i, label in enumerate(classes.tolist())}
    resolved = {}
    for source, target in pairs.items():
        for label in (source, target):
            if label not in index:
                raise ValueError(
                    f"pairs names class {label!r}, which is not among the classes "
                    f"{classes.tolist()}."
                )
        if source == target:
            raise ValueError(f"pairs maps class {source!r} onto itself.")
        resolved[index[source]] = index[target]
    return resolved


def _check_transition(transition, n_classes):
    transition = np.asarray(transition, dtype=np.float64)
    if transition.shape != (n_classes, n_classes):
        raise ValueError(
            f"transition must have shape ({n_classes}, {n_classes}) for "
            f"{n_classes} classes, got {transition.shape}."
        )
    if not np.all(np.isfinite(transition)) or np.any(transition < 0):
        raise ValueError("transition must contain finite, non-negative entries.")
    if not np.allclose(transition.sum(axis=1), 1.0, atol=1e-8):
        raise ValueError(
            "transition must be row-stochastic: every row must sum to 1, got row sums "
            f"{np.round(transition.sum(axis=1), 6).tolist()}."
        )
    return transition


@validate_params(
    {
        "classes": [Interval(Integral, 2, None, closed="left"), "array-like"],
        "kind": _KIND_CONSTRAINT,
        "rate": _RATE_CONSTRAINT,
        "pairs": _PAIRS_CONSTRAINT,
    },
    prefer_skip_nested_validation=True,
)
def transition_matrix(classes, *, kind="symmetric", rate=0.2, pairs=None):
    """Return the noise transition matrix that a noise setting implies.

    Entry ``T[i, j]`` is the probability that a sample of true class
    ``classes[i]`` is given the label ``classes[j]``.

    Parameters
    ----------
    classes : int or array-like of shape (n_classes,)
        The number of classes (labels ``0 .. n_classes - 1``) or the class
        labels themselves. Labels are used in sorted order.

    kind : {"symmetric", "uniform", "pairflip", "asymmetric"}, default="symmetric"
        The noise model:

        - ``"symmetric"``: with probability ``rate`` the label is replaced by one
          drawn uniformly from the *other* classes, so ``rate`` is the expected
          fraction of wrong labels (Co-teaching; Patrini et al., 2017).
        - ``"uniform"``: with probability ``rate`` the label is redrawn uniformly
          from *all* classes (Laine & Aila, 2017; DivideMix). The expected
          fraction of wrong labels is ``rate * (K - 1) / K``.
        - ``"pairflip"``: class ``i`` becomes class ``i + 1`` (cyclic, in sorted
          class order) with probability ``rate``.
        - ``"asymmetric"``: each source class in ``pairs`` becomes its target
          class with probability ``rate``; other classes stay clean.

    rate : float in [0, 1], default=0.2
        Noise rate, as defined by ``kind``.

    pairs : dict or {"ding2018", "patrini2017"}, default=None
        For ``kind="asymmetric"``: a mapping ``{source class: target class}``, or
        a preset for MNIST digits: ``"ding2018"`` (2->7, 3->8, 5->6, 7->1) or
        ``"patrini2017"`` (2->7, 3->8, 5<->6, 7->1).

    Returns
    -------
    T : ndarray of shape (n_classes, n_classes)
        A row-stochastic matrix.

    See Also
    --------
    flip_labels : Draw noisy labels from such a matrix.

    References
    ----------
    .. [1] G. Patrini et al., "Making deep neural networks robust to label noise:
       a loss correction approach", CVPR 2017.
    .. [2] Y. Ding et al., "A semi-supervised two-stage approach to learning from
       noisy labels", WACV 2018.

    Examples
    --------
    >>> from skclean.noise import transition_matrix
    >>> transition_matrix(3, kind="symmetric", rate=0.2)
    array([[0.8, 0.1, 0.1],
           [0.1, 0.8, 0.1],
           [0.1, 0.1, 0.8]])
    >>> transition_matrix(["a", "b", "c"], kind="pairflip", rate=0.3)
    array([[0.7, 0.3, 0. ],
           [0. , 0.7, 0.3],
           [0.3, 0. , 0.7]])
    """
    classes = _check_classes(classes)
    n_classes = classes.shape[0]
    eye = np.eye(n_classes)
    if kind == "symmetric":
        return (1 - rate) * eye + rate / (n_classes - 1) * (1 - eye)
    if kind == "uniform":
        return (1 - rate) * eye + rate / n_classes
    if kind == "pairflip":
        return (1 - rate) * eye + rate * np.roll(eye, 1, axis=1)
    transition = eye.copy()
    for source, target in _resolve_pairs(pairs, classes).items():
        transition[source, source] = 1 - rate
        transition[source, target] = rate
    return transition


@validate_params(
    {
        "y": ["array-like"],
        "kind": _KIND_CONSTRAINT,
        "rate": _RATE_CONSTRAINT,
        "pairs": _PAIRS_CONSTRAINT,
        "transition": ["array-like", None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def flip_labels(
    y, *, kind="symmetric", rate=0.2, pairs=None, transition=None, random_state=None
):
    """Return a noisy copy of the labels ``y``.

    Each label is replaced by one drawn from the row of a noise transition
    matrix that belongs to its class. ``y`` itself is never modified.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Clean class labels: integers, strings or any sortable values. At least
        two distinct classes.

    kind : {"symmetric", "uniform", "pairflip", "asymmetric"}, default="symmetric"
        The noise model; see :func:`transition_matrix` for each definition.

    rate : float in [0, 1], default=0.2
        Noise rate, as defined by ``kind``.

    pairs : dict or {"ding2018", "patrini2017"}, default=None
        Class pairs for ``kind="asymmetric"``.

    transition : array-like of shape (n_classes, n_classes), default=None
        An explicit row-stochastic matrix, rows and columns in sorted class
        order. When given it defines the noise, and ``kind``, ``rate`` and
        ``pairs`` are not used.

    random_state : int, RandomState instance or None, default=None
        Seed of the draw: the same seed gives the same noisy labels.

    Returns
    -------
    y_noisy : ndarray of shape (n_samples,)
        Noisy labels, with the dtype of ``y`` and values from its classes.

    See Also
    --------
    transition_matrix : The matrix a noise setting implies.
    LabelNoise : The same as a pipeline step that noises training folds only.

    Examples
    --------
    >>> import numpy as np
    >>> from skclean.noise import flip_labels
    >>> y = np.repeat([0, 1, 2, 3], 250)
    >>> y_noisy = flip_labels(y, kind="symmetric", rate=0.2, random_state=0)
    >>> round(float(np.mean(y_noisy != y)), 2)
    0.2
    >>> sorted(set(flip_labels(["cat", "dog"] * 5, rate=0.5, random_state=0)))
    ['cat', 'dog']
    """
    y = column_or_1d(y, warn=True)
    check_classification_targets(y)
    classes, y_index = np.unique(y, return_inverse=True)
    if classes.shape[0] < 2:
        raise ValueError(
            "flip_labels needs at least 2 classes in y, got one class: "
            f"{classes.tolist()}."
        )
    if transition is None:
        transition = transition_matrix(classes, kind=kind, rate=rate, pairs=pairs)
    else:
        transition = _check_transition(transition, classes.shape[0])

    rng = check_random_state(random_state)
    cumulative = np.cumsum(transition, axis=1)
    cumulative[:, -1] = 1.0  # guard against round-off in the last bin
    draws = rng.random_sample(y_index.shape[0])
    noisy_index = (draws[:, None] >= cumulative[y_index]).sum(axis=1)
    return classes[noisy_index].astype(y.dtype, copy=False)
