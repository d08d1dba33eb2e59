"""Base classes of skclean's samplers: label filters, relabellers and label noise."""

import warnings
from abc import abstractmethod
from dataclasses import dataclass

import numpy as np
from imblearn.base import SamplerMixin
from imblearn.utils import check_target_type
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

from ._labels import UNLABELED, flatten_samples, unlabel
from .exceptions import ClassRemovedWarning
from .utils._stack import user_stacklevel

__all__ = [
    "BaseLabelSampler",
    "BaseLabelFilter",
    "FilterReport",
    "LabelDecision",
    "UNLABELED",
]


class FilterReport(dict):
    """Per-class summary of what a label filter or relabeller found and did.

    A ``dict`` of equal-length columns, so ``pandas.DataFrame(report)`` gives a
    table; ``print(report)`` shows one too. Every filter and
    :class:`~skclean.filters.ClusterRelabeler` reports the same columns:

    - ``class``: the label;
    - ``n_samples``: rows with that label;
    - ``n_kept``: labels kept (a relabeller keeps every row);
    - ``n_label_issues``: labels the method believes wrong
      (``label_issues_mask_``), which need not be the rejected ones;
    - ``kept_fraction`` and ``label_issue_fraction``: the same as fractions
      of ``n_samples``;
    - ``mean_label_quality``: the mean of ``label_quality_`` over the rows.
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

    @classmethod
    def from_decision(cls, y, classes, decision):
        """The report of ``decision`` (a :class:`LabelDecision`) on labels ``y``."""
        y_index = np.searchsorted(classes, y)
        n_classes = classes.shape[0]

        def per_class(mask=None, weights=None):
            rows = y_index if mask is None else y_index[mask]
            return np.bincount(rows, weights=weights, minlength=n_classes)

        n_samples = per_class()
        n_kept = per_class(decision.keep)
        n_issues = per_class(decision.label_issues)
        quality = per_class(weights=decision.label_quality) / np.maximum(n_samples, 1)
        return cls(
            {
                "class": classes.tolist(),
                "n_samples": n_samples.tolist(),
                "n_kept": n_kept.tolist(),
                "n_label_issues": n_issues.tolist(),
                "kept_fraction": (n_kept / n_samples).tolist(),
                "label_issue_fraction": (n_issues / n_samples).tolist(),
                "mean_label_quality": quality.tolist(),
            }
        )


def _format_cell(value):
    if isinstance(value, float | np.floating):
        return f"{value:.3f}"
    return str(value)


@dataclass(frozen=True)
class LabelDecision:
    """What a label filter found in the labels ``y`` of its training data.

    Returned by a filter's ``_select_labels`` hook; the base class turns it
    into the fitted attributes of the same names with a trailing underscore
    (``kept_mask_``, ``label_quality_``, ``label_issues_mask_``,
    ``suggested_labels_``) and into ``report_``.

    Parameters
    ----------
    keep : ndarray of bool of shape (n_samples,)
        True for the labels to keep.

    label_quality : ndarray of shape (n_samples,)
        Per-row score in [0, 1]: higher means the label is more likely right.

    label_issues : ndarray of bool of shape (n_samples,), default=None
        True for the labels the method believes wrong; None means "the
        rejected ones" (``~keep``).

    suggested_labels : ndarray of shape (n_samples,), default=None
        The label the method would give each row, if it has one.
    """

    keep: np.ndarray
    label_quality: np.ndarray
    label_issues: np.ndarray = None
    suggested_labels: np.ndarray = None

    def __post_init__(self):
        keep = np.asarray(self.keep, dtype=bool)
        object.__setattr__(self, "keep", keep)
        object.__setattr__(
            self, "label_quality", np.asarray(self.label_quality, dtype=np.float64)
        )
        issues = ~keep if self.label_issues is None else self.label_issues
        object.__setattr__(self, "label_issues", np.asarray(issues, dtype=bool))


class BaseLabelSampler(SamplerMixin, OneToOneFeatureMixin, BaseEstimator):
    """Base class of skclean's samplers: steps that change ``y`` at fit time only.

    Samplers follow imbalanced-learn's API: the public ``fit_resample(X, y)``
    validates the input and calls ``_fit_resample(X, y, **params)``, which a
    subclass implements and which returns the resampled ``(X, y)`` and sets
    ``sample_indices_``. The step is skipped at predict time inside
    :class:`skclean.pipeline.Pipeline`. ``fit`` runs ``fit_resample`` and
    returns the fitted sampler.

    Unlike imbalanced-learn's base, this one accepts image-shaped ``X``
    (``(n_samples, channels, height, width)``, flattened for the subclass) and
    gives the output back in the shape and container of the input (image
    batch, DataFrame, list or Series for ``y``); and it has no
    ``sampling_strategy`` parameter.

    Warning: This class should not be used directly. Use the derived classes.
    """

    #: Whether ``_fit_resample`` accepts scipy sparse ``X``.
    _accept_sparse = False
    #: Whether ``X`` may hold NaN or infinity (it is then not read).
    _allow_nan = False
    #: The fewest distinct labels ``y`` may have (1 or 2).
    _min_classes = 2

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

    @_fit_context(prefer_skip_nested_validation=False)
    def fit_resample(self, X, y, **params):
        """Resample the labels (and rows) of ``X, y``.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, ...)
            Training data, flat or image-shaped.

        y : array-like of shape (n_samples,)
            Labels.

        **params : dict
            Extra fit parameters of the sampler (see its ``fit_resample``).

        Returns
        -------
        X_resampled : {array-like, sparse matrix, DataFrame}
            The rows ``sample_indices_`` of ``X``, in its container and shape.

        y_resampled : array-like
            The resampled labels, in the container of ``y``.
        """
        X_valid, y_valid, binarize_y = self._validate_X_y(X, y)
        X_res, y_res = self._fit_resample(X_valid, y_valid, **params)
        if binarize_y:
            # Unlabelled rows (-1) become all-zero rows of the one-hot encoding.
            return self._restore_X(X, X_valid, X_res), label_binarize(
                y_res, classes=np.unique(y_valid)
            )
        return self._restore_X(X, X_valid, X_res), self._restore_y(y, y_res)

    def _validate_X_y(self, X, y):
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
            accept_sparse=["csr", "csc"] if self._accept_sparse else False,
            ensure_all_finite=not self._allow_nan,
            dtype=None if self._allow_nan else "numeric",
        )
        classes = np.unique(y)
        if self._min_classes > 1 and classes.shape[0] < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least two classes in y to tell "
                f"correct labels from wrong ones, got one class: {classes.tolist()}."
            )
        return X, y, binarize_y

    def _restore_X(self, X_in, X_valid, X_res):
        """The returned rows in the container and sample shape of the input ``X``."""
        if X_res is X_valid:
            return X_in
        if isinstance(X_in, np.ndarray) and X_res.dtype == X_in.dtype:
            return X_res.reshape((-1,) + X_in.shape[1:])  # no second copy
        if hasattr(X_in, "iloc") or isinstance(X_in, list | np.ndarray):
            # Samplers select rows of X and never change them: index the input.
            return _safe_indexing(X_in, self.sample_indices_)
        return X_res  # e.g. COO input: its validated CSR rows

    def _restore_y(self, y_in, y_res):
        """The returned labels in the container of the input ``y``."""
        if hasattr(y_in, "iloc"):
            import pandas as pd

            index = y_in.index[self.sample_indices_]
            if y_in.ndim == 1:
                return pd.Series(y_res, name=y_in.name, index=index)
            return pd.DataFrame(y_res.reshape(-1, 1), columns=y_in.columns, index=index)
        if isinstance(y_in, list):
            return y_res.tolist()
        return y_res

    def _record_decision(self, decision, y, classes):
        """Set the fitted attributes that describe ``decision``; warn if a class
        was emptied."""
        self.classes_ = classes
        self.kept_mask_ = decision.keep
        self.label_quality_ = decision.label_quality
        self.label_issues_mask_ = decision.label_issues
        self.suggested_labels_ = decision.suggested_labels
        self.report_ = FilterReport.from_decision(y, classes, decision)
        self.sampling_strategy_ = dict(zip(classes.tolist(), self.report_["n_kept"]))
        # Filters that train models take ``verbose``; the others stay silent.
        if getattr(self, "verbose", 0):
            print(
                f"[{type(self).__name__}] kept {int(np.sum(decision.keep))} of "
                f"{y.shape[0]} labels; {int(np.sum(decision.label_issues))} "
                "flagged as label issues",
                flush=True,
            )
        emptied = [c for c, n in self.sampling_strategy_.items() if n == 0]
        if emptied:
            warnings.warn(
                f"{type(self).__name__} rejected every label of class(es) {emptied}; "
                "a classifier trained on its output cannot predict them. See "
                "report_, and loosen the filter (e.g. min_fraction > 0).",
                ClassRemovedWarning,
                stacklevel=user_stacklevel(),
            )

    @abstractmethod
    def _fit_resample(self, X, y, **params):
        """Resample validated ``X`` (2-D) and ``y`` (1-D); set ``sample_indices_``.

        Returns ``(X_resampled, y_resampled)``; return ``X`` itself when every
        row is kept in order, so that the caller gets its own ``X`` back.
        """

    def __sklearn_tags__(self):
        from imblearn.utils._tags import InputTags, SamplerTags, Tags
        from sklearn.utils import TargetTags

        tags = Tags(
            estimator_type="sampler",
            target_tags=TargetTags(required=True),
            transformer_tags=None,
            regressor_tags=None,
            classifier_tags=None,
            sampler_tags=SamplerTags(sample_indices=True),
        )
        tags.input_tags = InputTags()
        tags.input_tags.two_d_array = True
        tags.input_tags.dataframe = True
        tags.input_tags.sparse = self._accept_sparse
        tags.input_tags.allow_nan = self._allow_nan
        return tags


class BaseLabelFilter(BaseLabelSampler):
    """Base class of label filters: keep the labels a filter trusts.

    A subclass implements ``_select_labels(X, y, **params)``, returning a
    :class:`LabelDecision` (which labels to keep, a per-row label-quality
    score, the labels it believes wrong and, if it has them, suggested
    labels) or just the boolean mask of labels to keep (its quality is then
    1 for kept labels and 0 for the others); this class applies ``mode`` and
    records the decision.

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

    def _fit_resample(self, X, y, **params):
        classes = np.unique(y)
        if self.mode == "unlabel" and np.any(classes == UNLABELED):
            raise ValueError(
                'y contains the label -1, which mode="unlabel" uses to mark rejected '
                "labels. Encode the classes differently (for example with "
                'sklearn.preprocessing.LabelEncoder) or use mode="drop".'
            )
        decision = self._select_labels(X, y, **params)
        if not isinstance(decision, LabelDecision):  # a mask: keep = quality
            decision = LabelDecision(keep=decision, label_quality=decision)
        self._record_decision(decision, y, classes)
        if self.mode == "drop":
            self.sample_indices_ = np.flatnonzero(decision.keep)
            return _safe_indexing(X, self.sample_indices_), y[self.sample_indices_]
        self.sample_indices_ = np.arange(y.shape[0])
        return X, unlabel(y, decision.keep)

    @abstractmethod
    def _select_labels(self, X, y, **params):
        """Return a :class:`LabelDecision` (or a keep mask) for validated X, y."""
