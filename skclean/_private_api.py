"""The private methods of imbalanced-learn and skorch that skclean overrides.

- :class:`skclean.pipeline.Pipeline` makes per-sample metadata follow the
  rows that samplers keep, and hands a filter's fitted network to the final
  step. imbalanced-learn offers no public hook for either, so
  :class:`RowAlignedPipelineMixin` overrides two private methods of
  :class:`imblearn.pipeline.Pipeline` (``_check_method_params`` and ``_fit``).
- The nets override two private methods of :class:`skorch.NeuralNet`
  (:class:`SkorchPrivateOverridesMixin`): ``_get_param_names``, so that
  private bookkeeping is no parameter, and ``_set_training``, which skorch
  calls before every batch and which is worth a fast path for small networks.

:func:`check_private_api` checks that these methods still have the
signatures and call sites relied on here; the test suite runs it, so an
upstream release that changes them fails loudly, naming the installed
version, instead of silently misaligning metadata or parameters.
"""

import inspect

import numpy as np
import scipy.sparse as sp
from imblearn import __version__ as imblearn_version
from imblearn import pipeline as imb_pipeline
from sklearn.utils import Bunch, _safe_indexing
from sklearn.utils._metadata_requests import SIMPLE_METHODS
from sklearn.utils.metadata_routing import _routing_enabled
from sklearn.utils.validation import (
    _is_arraylike_not_scalar,
    _make_indexable,
    _num_samples,
    has_fit_parameter,
)

from .utils._unlabeled import _is_skipped, check_unlabeled_consumers

__all__ = [
    "RowAlignedPipelineMixin",
    "SkorchPrivateOverridesMixin",
    "check_private_api",
]

#: What skclean relies on: method -> (parameter names, source fragments).
_EXPECTED_IMBLEARN = {
    "_fit": (["self", "X", "y", "routed_params", "raw_params"], []),
    "_check_method_params": (["self", "method", "props", "kwargs"], []),
    "fit": (
        ["self", "X", "y", "params"],
        [
            "self._check_method_params(",
            "self._fit(",
            "routed_params[self.steps[-1][0]]",
        ],
    ),
}
_EXPECTED_SKORCH = {
    "_get_param_names": (["self"], ["self.__dict__"]),
    "_set_training": (["self", "training"], ["self._modules + self._criteria"]),
    "train_step_single": (["self", "batch", "fit_params"], ["self._set_training("]),
}


def _check_methods(owner, expected, package, version, purpose):
    for name, (parameters, fragments) in expected.items():
        method = getattr(owner, name, None)
        found = list(inspect.signature(method).parameters) if method else None
        source = inspect.getsource(method) if method else ""
        missing = [fragment for fragment in fragments if fragment not in source]
        if found != parameters or missing:
            raise RuntimeError(
                f"{package} {version} changed {owner.__module__}."
                f"{owner.__qualname__}.{name} (parameters {found}, expected "
                f"{parameters}; missing {missing}), which skclean overrides {purpose}. "
                "Install the version that skclean's setup.cfg allows."
            )


def check_private_api():
    """Raise a RuntimeError if the private methods skclean overrides changed.

    Raises
    ------
    RuntimeError
        Naming the installed imbalanced-learn or skorch version and the method
        whose signature or call site is no longer the one skclean overrides.
    """
    import skorch  # here: importing the pipeline must not import torch

    _check_methods(
        imb_pipeline.Pipeline,
        _EXPECTED_IMBLEARN,
        "imbalanced-learn",
        imblearn_version,
        "to align per-sample metadata with the rows samplers keep",
    )
    _check_methods(
        skorch.NeuralNet,
        _EXPECTED_SKORCH,
        "skorch",
        skorch.__version__,
        "in skclean.nets",
    )


def _is_per_sample(value, n_samples):
    """The rule scikit-learn's cross-validation uses to split fit params by rows."""
    if not (_is_arraylike_not_scalar(value) or sp.issparse(value)):
        return False
    try:
        return _num_samples(value) == n_samples
    except TypeError:
        return False


def _take_rows(params, n_samples, indices):
    """Return a copy of the dict ``params`` with its per-sample values indexed."""
    return {
        key: (
            _safe_indexing(_make_indexable(value), indices)
            if _is_per_sample(value, n_samples)
            else value
        )
        for key, value in params.items()
    }


def _resampled_indices(sampler, n_samples):
    """Input rows of ``sampler``'s last output; None if it kept every row, in order."""
    indices = getattr(sampler, "sample_indices_", None)
    if indices is None:
        return None
    indices = np.asarray(indices)
    if indices.shape[0] == n_samples and np.array_equal(indices, np.arange(n_samples)):
        return None
    return indices


def _indexable(X):
    """``X`` itself, unless samplers could not index its rows: then an ndarray.

    Filters return the kept rows of ``X`` in its own container (DataFrame,
    image batch ...); an array-like with ``__array__`` but no indexing would
    fail there.
    """
    if X is None or sp.issparse(X) or hasattr(X, "__getitem__"):
        return X
    return np.asarray(X)


def _count_rows(X):
    try:
        return _num_samples(X)
    except TypeError:
        return None


def _with_filter_estimator(params, steps):
    """Add the hand-over ``filter_estimator`` to the final step's fit params.

    A final estimator whose ``fit`` takes ``filter_estimator``
    (:class:`~skclean.nets.PiModelClassifier`) receives the fitted
    ``estimator_`` of the last sampler before it, unless the caller passed one.
    """
    final = steps[-1][1]
    samplers = [
        step
        for _, step in steps[:-1]
        if not _is_skipped(step) and hasattr(step, "fit_resample")
    ]
    fit_params = params.get("fit", {})
    if (
        not samplers
        or "filter_estimator" in fit_params
        or not has_fit_parameter(final, "filter_estimator")
    ):
        return params
    handed = getattr(samplers[-1], "estimator_", None)
    return Bunch(**{**params, "fit": {**fit_params, "filter_estimator": handed}})


class _RowAlignedParams(Bunch):
    """Routed fit params that follow the rows dropped by the pipeline's samplers.

    imbalanced-learn's pipeline hands every step the metadata passed to ``fit``
    as it was passed, so a ``sample_weight`` meant for the classifier keeps the
    length of ``X`` after a sampler dropped rows (imbalanced-learn issues #457,
    #1111). This Bunch is what ``Pipeline._check_method_params`` returns; the
    ``routed_params[name]`` lookups, which imbalanced-learn's ``_fit`` does step by
    step after fitting the steps before, index the per-sample values by the
    rows that the samplers before step ``name`` returned (their
    ``sample_indices_``).
    """

    def _bind(self, pipeline, n_samples):
        # Bunch stores attributes as keys; keep the bookkeeping out of them.
        self.__dict__["_pipeline"] = pipeline
        self.__dict__["_n_samples"] = n_samples

    def __getitem__(self, name):
        params = super().__getitem__(name)
        pipeline = self.__dict__.get("_pipeline")
        n_samples = self.__dict__.get("_n_samples")
        if pipeline is None:
            return params
        indices = None if n_samples is None else pipeline._rows_before(name, n_samples)
        if indices is not None:
            params = Bunch(
                **{
                    method: _take_rows(method_params, n_samples, indices)
                    for method, method_params in params.items()
                }
            )
        if name == pipeline.steps[-1][0]:
            params = _with_filter_estimator(params, pipeline.steps)
        return params

    def get(self, name, default=None):
        return self[name] if name in self else default


class RowAlignedPipelineMixin:
    """Overrides of :class:`imblearn.pipeline.Pipeline`'s private fit machinery.

    Per-sample fit metadata follow the rows the samplers keep; rows labelled
    -1 only reach estimators that learn from them; a final step whose ``fit``
    takes ``filter_estimator`` receives the last sampler's fitted
    ``estimator_``.
    """

    def _check_method_params(self, method, props, **kwargs):
        routed = super()._check_method_params(method, props, **kwargs)
        if not isinstance(routed, dict):
            # scikit-learn's placeholder when no metadata was passed at all.
            routed = {
                name: Bunch(**{m: {} for m in SIMPLE_METHODS + ["fit_resample"]})
                for name, _ in self.steps
            }
        routed = _RowAlignedParams(**routed)
        if not _routing_enabled():
            # imbalanced-learn files ``step__param`` under "fit" only, and reads
            # a sampler's params from "fit_resample": a filter's own metadata
            # (``clean_mask``) would be dropped without a word.
            for name, step in self.steps:
                if name in routed and hasattr(step, "fit_resample"):
                    step_params = routed[name]
                    step_params["fit_resample"] = dict(step_params["fit"])
        return routed

    def _fit(self, X, y=None, routed_params=None, raw_params=None):
        self.steps = list(self.steps)
        self._validate_steps()
        check_unlabeled_consumers(self.steps)
        X = _indexable(X)
        n_samples = _count_rows(X)
        if isinstance(routed_params, _RowAlignedParams):
            routed_params._bind(self, n_samples)
        Xt, yt = super()._fit(X, y, routed_params, raw_params)
        if isinstance(routed_params, _RowAlignedParams) and n_samples is not None:
            self._check_rows_accounted_for(Xt, n_samples, routed_params)
        return Xt, yt

    def _rows_before(self, name, n_samples):
        """Rows of the input that reach step ``name``, or None for all, in order.

        Composes the ``sample_indices_`` of the samplers before ``name``, which
        imbalanced-learn's ``_fit`` has fitted by the time it asks for the
        params of ``name``.
        """
        indices = None
        n_rows = n_samples
        for step_name, step in self.steps:
            if step_name == name:
                break
            if _is_skipped(step) or not hasattr(step, "fit_resample"):
                continue
            step_indices = _resampled_indices(step, n_rows)
            if step_indices is None:
                continue
            indices = step_indices if indices is None else indices[step_indices]
            n_rows = indices.shape[0]
        return indices

    def _check_rows_accounted_for(self, Xt, n_samples, routed_params):
        """Refuse per-sample metadata if a sampler changed rows without saying how."""
        final_name = self.steps[-1][0]
        if _is_skipped(self.steps[-1][1]) or final_name not in routed_params:
            return
        indices = self._rows_before(final_name, n_samples)
        expected = n_samples if indices is None else indices.shape[0]
        n_out = _count_rows(Xt)
        if n_out is None or n_out == expected:
            return
        raw = Bunch.__getitem__(routed_params, final_name)
        per_sample = sorted(
            {
                key
                for method_params in raw.values()
                for key, value in method_params.items()
                if _is_per_sample(value, n_samples)
            }
        )
        if per_sample:
            unknown = [
                name
                for name, step in self.steps[:-1]
                if hasattr(step, "fit_resample")
                and getattr(step, "sample_indices_", None) is None
            ]
            raise ValueError(
                f"The samplers before step {final_name!r} turned {n_samples} rows into "
                f"{n_out}, but {unknown} do not record which input rows they returned "
                "(no sample_indices_), so the per-sample metadata "
                f"{per_sample} cannot follow the rows. Use samplers that set "
                "sample_indices_ (skclean's filters, imbalanced-learn's "
                "under-samplers) or do not pass per-sample metadata."
            )


class SkorchPrivateOverridesMixin:
    """Overrides of :class:`skorch.NeuralNet`'s private methods for skclean's nets."""

    def _get_param_names(self):
        # skorch lists every attribute not ending in "_"; private bookkeeping
        # (``_params_to_validate``, ``_generator`` ...) is not a parameter.
        return [name for name in super()._get_param_names() if not name.startswith("_")]

    def _set_training(self, training=True):
        # skorch switches every module's mode before every batch; walking the
        # module tree each time costs more than a small network's step.
        for name in self._modules + self._criteria:
            module = getattr(self, name + "_")
            if hasattr(module, "train") and module.training != training:
                module.train(training)
