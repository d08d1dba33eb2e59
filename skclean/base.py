"""Base classes for skclean's samplers: label filters and label noise."""

import warnings
from abc import abstractmethod

import numpy as np
from imblearn.base import SamplerMixin
from imblearn.utils import check_target_type
from scipy.sparse import issparse
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, _fit_context
from sklearn.preprocessing import label_binarize
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _num_samples,
    check_consistent_length,
    column_or_1d,
    validate_data,
)

from .exceptions import ClassRemovedWarning

__all__ = ["BaseLabelSampler", "BaseLabelFilter", "FilterReport", "UNLABELED"]

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


def unlabel(y, keep):
    """Return a copy of the 1-D labels ``y`` with the rows not in ``keep`` set to -1.

    Integer labels stay integers (unsigned ones become signed), float labels stay
    floats, and any other labels (strings, booleans) become dtype object, as in
    scikit-learn's semi-supervised estimators.
    """
    y = np.asarray(y)
    if y.dtype.kind == "i" or y.dtype.kind == "f":
        out = y.copy()
    elif y.dtype.kind == "u":
        out = y.astype(np.int64)
    else:
        out = y.astype(object)
    out[~keep] = UNLABELED
    return out


class FilterReport(dict):
    """Per-class summary of a label filter's decisions.

    A ``dict`` of equal-length columns, so ``pandas.DataFrame(report)`` gives a
    table; ``print(report)`` shows one too.

    Columns: ``class``, ``n_samples`` (rows with that label), ``n_kept`` (labels
    kept), ``kept_fraction`` and ``estimated_noise_rate`` (the filter's estimate of
    the fraction of wrong labels in that class; see each filter's Notes).
    """

    def __str__(self):
        columns = list(self)
        cells = [[_format_cell(v) for v in self[c]] for c in columns]
        widths = [
            max([len(c)] + [len(v) for v in col]) for c, col in zip(columns, cells)
        ]
        lines = ["  ".join(c.rjust(w) for c, w in zip(columns, widths))]
        for row in zip(*cells):
            lines.append("  ".join(v.rjust(w) for v, w in zip(row, widths)))
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle):  # IPython
        printer.text(str(self))


def _format_cell(value):
    if isinstance(value, float | np.floating):
        return f"{value:.3f}"
    return str(value)


class BaseLabelSampler(SamplerMixin, OneToOneFeatureMixin, BaseEstimator):
    """Base class of skclean's samplers: steps that change ``y`` at fit time only.

    Samplers follow imbalanced-learn's API: ``fit_resample(X, y)`` returns the
    resampled ``(X, y)`` and the step is skipped at predict time inside
    :class:`skclean.pipeline.Pipeline`. ``fit`` runs ``fit_resample`` and returns
    the fitted sampler.

    Warning: This class should not be used directly. Use the derived classes.
    """

    def fit(self, X, y, **params):
        """Fit the sampler; the same as :meth:`fit_resample` but returns ``self``.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Training data.

        y : array-like of shape (n_samples,)
            Labels.

        **params : dict
            Passed to :meth:`fit_resample`.

        Returns
        -------
        self : object
            The fitted sampler.
        """
        self.fit_resample(X, y, **params)
        return self

    def _validate_X_y(self, X, y, *, accept_sparse, ensure_all_finite=True):
        """Validate ``X`` (flattened to 2-D) and ``y`` (1-D class labels).

        Returns the validated 2-D ``X``, 1-D ``y`` and whether ``y`` came one-hot
        encoded (it is then returned one-hot encoded too, as imbalanced-learn does).
        """
        check_consistent_length(X, y)
        check_classification_targets(y)
        shape = getattr(y, "shape", None)
        if shape is not None and len(shape) == 2 and shape[1] == 1:
            y = column_or_1d(y, warn=True)  # warns as scikit-learn classifiers do
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        if _num_samples(X) == 0:
            raise ValueError(
                f"{type(self).__name__} needs at least one sample, got an empty X."
            )
        X, y = validate_data(
            self,
            flatten_samples(X),
            y,
            reset=True,
            accept_sparse=accept_sparse,
            ensure_all_finite=ensure_all_finite,
            dtype=None if not ensure_all_finite else "numeric",
        )
        return X, y, binarize_y

    def _format_y(self, y_out, y_in, classes, binarize_y):
        """Give the output labels the container (and encoding) of the input labels."""
        if binarize_y:
            # Unlabelled rows (-1) become all-zero rows of the one-hot encoding.
            return label_binarize(y_out, classes=classes)
        if hasattr(y_in, "iloc"):
            import pandas as pd

            if y_in.ndim == 1:
                return pd.Series(y_out, name=y_in.name, index=y_in.index)
            return pd.DataFrame(
                y_out.reshape(-1, 1), columns=y_in.columns, index=y_in.index
            )
        if isinstance(y_in, list):
            return y_out.tolist()
        return y_out

    def __sklearn_tags__(self):
        from imblearn.utils._tags import InputTags, SamplerTags, Tags
        from sklearn.utils import TargetTags

        tags = Tags(
            estimator_type="sampler",
            target_tags=TargetTags(required=True),
            transformer_tags=None,
            regressor_tags=None,
            classifier_tags=None,
            sampler_tags=SamplerTags(),
        )
        tags.input_tags = InputTags()
        tags.input_tags.two_d_array = True
        tags.input_tags.dataframe = True
        return tags


class BaseLabelFilter(BaseLabelSampler):
    """Base class of label filters: keep the labels a filter trusts.

    A subclass implements ``_select_labels(X, y, **params)``, returning a boolean
    mask of the labels to keep; this class validates the input, applies ``mode``
    and records what was kept.

    - ``mode="drop"``: return only the rows whose label is kept. Safe in front of
      any classifier.
    - ``mode="unlabel"``: return every row, with rejected labels replaced by -1,
      for estimators that learn from unlabelled rows
      (:class:`~skclean.nets.PiModelClassifier`,
      :class:`~sklearn.semi_supervised.SelfTrainingClassifier`).

    ``X`` may be flat ``(n_samples, n_features)`` or an image batch
    ``(n_samples, channels, height, width)``; it is flattened internally where
    needed and returned in the container and shape it came in.

    Warning: This class should not be used directly. Use the derived classes.
    """

    _parameter_constraints: dict = {"mode": [StrOptions({"drop", "unlabel"})]}

    #: Whether ``_select_labels`` accepts scipy sparse ``X``.
    _accept_sparse = False

    @_fit_context(prefer_skip_nested_validation=False)
    def fit_resample(self, X, y, **params):
        """Filter the labels of ``X, y``.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, ...)
            Training data, flat or image-shaped.

        y : array-like of shape (n_samples,)
            Noisy labels; at least two classes.

        **params : dict
            Extra fit parameters of the filter (see its ``fit_resample``).

        Returns
        -------
        X_resampled : {array-like, sparse matrix, DataFrame}
            ``X[sample_indices_]``, in the container and shape of ``X``.

        y_resampled : array-like
            The kept labels (``mode="drop"``), or every label with the rejected
            ones set to -1 (``mode="unlabel"``).
        """
        X_valid, y_valid, binarize_y = self._validate_X_y(
            X, y, accept_sparse=["csr", "csc"] if self._accept_sparse else False
        )
        classes = np.unique(y_valid)
        if classes.shape[0] < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least two classes in y to tell "
                f"correct labels from wrong ones, got one class: {classes.tolist()}."
            )
        if self.mode == "unlabel" and np.any(classes == UNLABELED):
            raise ValueError(
                'y contains the label -1, which mode="unlabel" uses to mark rejected '
                "labels. Encode the classes differently (for example with "
                'sklearn.preprocessing.LabelEncoder) or use mode="drop".'
            )

        keep = np.asarray(self._select_labels(X_valid, y_valid, **params), dtype=bool)
        self.classes_ = classes
        self.kept_mask_ = keep
        self.report_ = self._make_report(y_valid, keep)
        self.sampling_strategy_ = dict(zip(classes.tolist(), self.report_["n_kept"]))
        emptied = [c for c, n in self.sampling_strategy_.items() if n == 0]
        if emptied:
            warnings.warn(
                f"{type(self).__name__} rejected every label of class(es) {emptied}; "
                "a classifier trained on its output cannot predict them. See "
                "report_, and loosen the filter (e.g. min_fraction > 0).",
                ClassRemovedWarning,
                stacklevel=3,  # past the _fit_context wrapper, to the caller
            )

        if self.mode == "drop":
            self.sample_indices_ = np.flatnonzero(keep)
            # COO/DIA/... inputs cannot be indexed: take their validated CSR form.
            X_out = _safe_indexing(X_valid if issparse(X) else X, self.sample_indices_)
            y_out = y_valid[self.sample_indices_]
            y_in = _safe_indexing(y, self.sample_indices_) if hasattr(y, "iloc") else y
        else:
            self.sample_indices_ = np.arange(keep.shape[0])
            X_out = X
            y_out = unlabel(y_valid, keep)
            y_in = y
        return X_out, self._format_y(y_out, y_in, classes, binarize_y)

    def _fit_resample(self, X, y, **params):  # pragma: no cover - see fit_resample
        # imblearn's SamplerMixin declares _fit_resample abstract; fit_resample
        # above replaces it, so subclasses implement _select_labels instead.
        raise NotImplementedError

    @abstractmethod
    def _select_labels(self, X, y, **params):
        """Return a boolean mask of shape (n_samples,): True for labels to keep."""

    def _estimated_noise_rate(self, y, keep, classes):
        """Per-class estimate of the wrong-label fraction; default: rejected fraction."""
        return [float(np.mean(~keep[y == c])) for c in classes]

    def _make_report(self, y, keep):
        classes = np.unique(y)
        n_samples = [int(np.sum(y == c)) for c in classes]
        n_kept = [int(np.sum(keep[y == c])) for c in classes]
        return FilterReport(
            {
                "class": classes.tolist(),
                "n_samples": n_samples,
                "n_kept": n_kept,
                "kept_fraction": [k / n for k, n in zip(n_kept, n_samples)],
                "estimated_noise_rate": self._estimated_noise_rate(y, keep, classes),
            }
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.sampler_tags.sample_indices = True
        tags.input_tags.sparse = self._accept_sparse
        return tags
