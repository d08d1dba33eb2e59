"""Class probabilities of a classifier: out-of-fold, in-sample or given."""

import time
import warnings
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, check_cv
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import check_array

from .utils._stack import user_stacklevel

#: Number of principal components of the default estimator (fewer if X has fewer).
_DEFAULT_N_COMPONENTS = 50


def _default_estimator(n_features, n_train, sparse, random_state):
    """StandardScaler -> PCA(<= 50) -> LogisticRegression, sized to the data.

    Sparse X (e.g. text) is scaled without centring and not projected.
    """
    if sparse:
        return make_pipeline(
            StandardScaler(with_mean=False), LogisticRegression(max_iter=1000)
        )
    n_components = max(1, min(_DEFAULT_N_COMPONENTS, n_features, n_train))
    return make_pipeline(
        StandardScaler(),
        PCA(n_components=n_components, random_state=random_state),
        LogisticRegression(max_iter=1000),
    )


def make_estimator(estimator, X, n_train, rng):
    """A clone of ``estimator``, or the default estimator sized to the data."""
    if estimator is None:
        return _default_estimator(
            X.shape[1], n_train, sp.issparse(X), rng.randint(np.iinfo(np.int32).max)
        )
    return clone(estimator)


def _in_class_order(proba, estimator_classes, classes):
    """Probability columns in the order of ``classes`` (zeros for unseen ones)."""
    out = np.zeros((proba.shape[0], classes.shape[0]))
    out[:, np.searchsorted(classes, estimator_classes)] = proba
    return out


def _verbose_estimator(estimator, verbose):
    """``estimator``, with its own ``verbose`` on when ``verbose >= 2``.

    For a net, that is its table of epochs.
    """
    if verbose >= 2 and "verbose" in estimator.get_params(deep=False):
        estimator = clone(estimator).set_params(verbose=1)
    return estimator


def _fit_predict_fold(estimator, X, y, train, test, classes):
    start = time.perf_counter()
    fitted = clone(estimator).fit(_safe_indexing(X, train), y[train])
    proba = fitted.predict_proba(_safe_indexing(X, test))
    seconds = time.perf_counter() - start
    return (
        _in_class_order(proba, fitted.classes_, classes),
        len(fitted.classes_),
        seconds,
    )


def _say(owner, message):
    print(f"[{owner}] {message}", flush=True)


def class_probabilities(estimator, X, y, classes, *, cv, rng, n_jobs, owner, verbose=0):
    """Out-of-fold (or, with ``cv=None``, in-sample) class probabilities.

    Returns the probabilities, columns in the order of ``classes``, and the
    estimator: fitted on all rows when ``cv=None``, unfitted otherwise (its fold
    copies are discarded). ``verbose >= 1`` prints a line per fitted model;
    ``verbose >= 2`` also turns on the models' own ``verbose``.
    """
    if cv is None:
        fitted = _verbose_estimator(
            make_estimator(estimator, X, X.shape[0], rng), verbose
        )
        start = time.perf_counter()
        fitted.fit(X, y)
        if verbose:
            _say(
                owner,
                f"fitted {type(fitted).__name__} on all {X.shape[0]} rows "
                f"in {time.perf_counter() - start:.1f} s (in-sample probabilities)",
            )
        proba = _in_class_order(fitted.predict_proba(X), fitted.classes_, classes)
        return proba, fitted
    splits = _partition(cv, X, y, classes, rng, owner)
    n_train = min(train.shape[0] for train, _ in splits)
    unfitted = make_estimator(estimator, X, n_train, rng)
    folds = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_fit_predict_fold)(
            _verbose_estimator(unfitted, verbose), X, y, train, test, classes
        )
        for train, test in splits
    )
    proba = np.zeros((X.shape[0], classes.shape[0]))
    for i, ((fold_proba, n_seen, seconds), (_, test)) in enumerate(zip(folds, splits)):
        proba[test] = fold_proba
        if n_seen < classes.shape[0]:
            # scikit-learn's cross_val_predict warns with the same words.
            warnings.warn(
                f"Number of classes in training fold ({n_seen}) does not match "
                f"total number of classes ({classes.shape[0]}). Results may not "
                "be appropriate for your use case.",
                RuntimeWarning,
                stacklevel=user_stacklevel(),
            )
        if verbose:
            _say(
                owner,
                f"fold {i + 1}/{len(splits)}: fitted {type(unfitted).__name__}"
                f" in {seconds:.1f} s",
            )
    return proba, unfitted


def _partition(cv, X, y, classes, rng, owner):
    """The (train, test) folds of ``cv``; their test parts must cover every row once.

    An integer means stratified, shuffled folds, and every class needs that many
    rows.
    """
    if isinstance(cv, Integral):
        counts = np.bincount(np.searchsorted(classes, y), minlength=classes.size)
        rare = counts < cv
        if np.any(rare):
            raise ValueError(
                f"{owner}(cv={cv}) needs at least {cv} rows of every class for its "
                "stratified out-of-fold probabilities, but class(es) "
                f"{classes[rare].tolist()} have only {counts[rare].tolist()}. Lower "
                "cv, use cv=None (in-sample) or pass y_proba."
            )
        splitter = StratifiedKFold(
            cv, shuffle=True, random_state=rng.randint(np.iinfo(np.int32).max)
        )
    else:
        splitter = check_cv(cv, y, classifier=True)
    splits = list(splitter.split(X, y))
    tested = np.sort(np.concatenate([test for _, test in splits]))
    if not np.array_equal(tested, np.arange(X.shape[0])):
        raise ValueError(
            f"{owner}: the folds of cv must test every row exactly once (a "
            "partition, as KFold or StratifiedKFold make) to give out-of-fold "
            "probabilities for every row."
        )
    return splits


def check_y_proba(y_proba, n_samples, classes):
    """Validate precomputed probabilities: shape (n_samples, n_classes), in [0, 1]."""
    y_proba = check_array(
        y_proba, dtype=np.float64, ensure_2d=False, input_name="y_proba"
    )
    expected = (n_samples, classes.shape[0])
    if y_proba.shape != expected:
        raise ValueError(
            f"y_proba must have shape (n_samples, n_classes) = {expected}, one "
            f"column per class in sorted order {classes.tolist()}; got shape "
            f"{y_proba.shape}."
        )
    if np.any(y_proba < 0) or np.any(y_proba > 1):
        raise ValueError(
            "y_proba must hold probabilities in [0, 1]; got values from "
            f"{y_proba.min():.3g} to {y_proba.max():.3g}."
        )
    return y_proba


def per_class_thresholds(y_index, y_proba):
    """t_k: the mean probability of class k over the rows labelled k (CL eq. 2)."""
    n_classes = y_proba.shape[1]
    counts = np.bincount(y_index, minlength=n_classes)
    self_confidence = y_proba[np.arange(y_index.shape[0]), y_index]
    sums = np.bincount(y_index, weights=self_confidence, minlength=n_classes)
    return sums / np.maximum(counts, 1)


def confident_rivals(y_index, y_proba):
    """Per row, the class that confidently disputes its label, or -1.

    Class ``j`` disputes a row labelled ``k != j`` when ``P(j) >= t_j`` (the
    per-class thresholds of confident learning, Northcutt et al., 2021) and
    ``P(j) > P(k)``; of several such classes, the most probable.
    """
    rows = np.arange(y_proba.shape[0])
    own = y_proba[rows, y_index]
    rival = (y_proba >= per_class_thresholds(y_index, y_proba)) & (
        y_proba > own[:, None]
    )
    rival[rows, y_index] = False
    return np.where(
        rival.any(axis=1), np.where(rival, y_proba, -1.0).argmax(axis=1), -1
    )
