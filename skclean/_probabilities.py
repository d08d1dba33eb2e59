"""Class probabilities of a classifier: out-of-fold, in-sample or given."""

from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, check_cv, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_array

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


def class_probabilities(estimator, X, y, classes, *, cv, rng, n_jobs, owner):
    """Out-of-fold (or, with ``cv=None``, in-sample) class probabilities.

    Returns the probabilities, columns in the order of ``classes``, and the
    estimator: fitted on all rows when ``cv=None``, unfitted otherwise (its fold
    copies are discarded).
    """
    if cv is None:
        fitted = make_estimator(estimator, X, X.shape[0], rng)
        fitted.fit(X, y)
        proba = fitted.predict_proba(X)
        # Put the columns in sorted class order whatever the estimator's.
        columns = np.searchsorted(classes, fitted.classes_)
        out = np.zeros((X.shape[0], classes.shape[0]))
        out[:, columns] = proba
        return out, fitted
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
    n_train = min(train.shape[0] for train, _ in splits)
    unfitted = make_estimator(estimator, X, n_train, rng)
    proba = cross_val_predict(
        unfitted, X, y, cv=splits, method="predict_proba", n_jobs=n_jobs
    )
    return proba, unfitted


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
