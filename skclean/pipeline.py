"""Pipelines whose filters drop rows or unlabel them at fit time; FilteredClassifier."""

from copy import deepcopy

import numpy as np
import scipy.sparse as sp
from imblearn import pipeline as imb_pipeline
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
    clone,
    is_classifier,
)
from sklearn.pipeline import _name_estimators
from sklearn.utils import Bunch, _safe_indexing, get_tags
from sklearn.utils._param_validation import HasMethods, StrOptions, validate_params
from sklearn.utils.metadata_routing import (
    UNUSED,
    MetadataRouter,
    MethodMapping,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import (
    _is_arraylike_not_scalar,
    _make_indexable,
    _num_samples,
    check_is_fitted,
    column_or_1d,
    has_fit_parameter,
)

from .utils._unlabeled import accepts_unlabeled

__all__ = ["Pipeline", "make_pipeline", "FilteredClassifier"]


# ----------------------------------------------------------------------------
# Helpers shared by Pipeline and FilteredClassifier
# ----------------------------------------------------------------------------


def _is_skipped(step):
    return step is None or (isinstance(step, str) and step == "passthrough")


def _is_unlabeling(step):
    """Whether ``step`` is a sampler whose ``mode`` param is ``"unlabel"``."""
    if _is_skipped(step) or not hasattr(step, "fit_resample"):
        return False
    if hasattr(step, "get_params"):
        mode = step.get_params(deep=False).get("mode")
    else:
        mode = getattr(step, "mode", None)
    return isinstance(mode, str) and mode == "unlabel"


def _learns_from_y(estimator):
    """Whether ``estimator`` fits to ``y`` (and would learn -1 as a class)."""
    if is_classifier(estimator) or hasattr(estimator, "fit_resample"):
        return True
    try:
        return bool(get_tags(estimator).target_tags.required)
    except (AttributeError, TypeError, ValueError):
        return True


def _unlabeled_error(filter_name, filter_step, consumer_name, consumer):
    """The error for rows labelled -1 reaching an estimator learning -1 as a class."""
    return ValueError(
        f"The filter {filter_name!r} ({type(filter_step).__name__}) has "
        "mode='unlabel': it keeps every row and sets the rejected labels to -1. "
        f"But {consumer_name!r} ({type(consumer).__name__}) does not learn from "
        "unlabelled rows and would learn -1 as one more class. Either set "
        f"{filter_name}__mode='drop' to drop the rejected rows instead, or use "
        "an estimator that learns from rows labelled -1 (skclean.nets."
        "PiModelClassifier, sklearn.semi_supervised.SelfTrainingClassifier, "
        "LabelSpreading). A third-party estimator declares that it does with the "
        "class attribute `_accepts_unlabeled = True` (see "
        "skclean.utils.accepts_unlabeled)."
    )


def _hand_over_filter_estimator(filter_step, estimator):
    """Give ``estimator`` the filter's fitted network if it asked for it.

    ``PiModelClassifier(pretrained="filter")`` continues from stage 1's network,
    which the filter fitted; the estimator's parameters stay as they are.
    """
    if isinstance(getattr(estimator, "pretrained", None), str):
        estimator._filter_estimator = getattr(filter_step, "estimator_", None)


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
        if pipeline is None or n_samples is None:
            return params
        indices = pipeline._rows_before(name, n_samples)
        if indices is None:
            return params
        return Bunch(
            **{
                method: _take_rows(method_params, n_samples, indices)
                for method, method_params in params.items()
            }
        )

    def get(self, name, default=None):
        return self[name] if name in self else default


# ----------------------------------------------------------------------------
# Pipeline
# ----------------------------------------------------------------------------


class Pipeline(imb_pipeline.Pipeline):
    """A pipeline of transformers and samplers (label filters) with a final estimator.

    :class:`imblearn.pipeline.Pipeline`, which runs a step with ``fit_resample``
    (a sampler: :class:`~skclean.filters.KMeansLabelFilter`,
    :class:`~skclean.filters.ConfidenceRankFilter`,
    :class:`~skclean.noise.LabelNoise`) at fit time only and skips it at
    predict time, with two changes:

    - **Per-sample metadata follows the rows.** An array of length
      ``n_samples`` passed to ``fit`` for a step (``sample_weight``,
      ``clean_mask`` ...) is indexed by the rows that the samplers before that
      step kept (their ``sample_indices_``), with metadata routing enabled or
      not. imbalanced-learn passes it unchanged, misaligned with the rows.
      Metadata meant for a sampler (``confidencerankfilter__clean_mask=...``)
      reaches its ``fit_resample`` with routing disabled too.
    - **Unlabelled rows only reach estimators that learn from them.** When a
      filter with ``mode="unlabel"`` comes before a final estimator (or a later
      sampler) that would learn the label -1 as a class, ``fit`` raises a
      ValueError; see :func:`skclean.utils.accepts_unlabeled`.

    Parameters
    ----------
    steps : list of (str, estimator) tuples
        The steps, in order: transformers (``fit``/``transform``), samplers
        (``fit_resample``) or ``"passthrough"``, then the final estimator (or
        ``"passthrough"``).

    transform_input : list of str, default=None
        Names of fit metadata that the steps before the one consuming them
        transform (metadata routing only); see
        :class:`imblearn.pipeline.Pipeline`.

    memory : str or object with the joblib.Memory interface, default=None
        Caches the fitted transformers and samplers.

    verbose : bool, default=False
        Print the time each step takes to fit.

    Attributes
    ----------
    named_steps : :class:`~sklearn.utils.Bunch`
        The steps by name.

    classes_ : ndarray of shape (n_classes,)
        The class labels of the final estimator.

    n_features_in_ : int
        Number of features seen by the first step's ``fit``.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen by the first step; defined only when it
        defines them.

    See Also
    --------
    make_pipeline : Build a pipeline, naming the steps after their classes.
    FilteredClassifier : A filter and a classifier as one classifier.
    imblearn.pipeline.Pipeline : The pipeline this one extends.

    Notes
    -----
    scikit-learn's :class:`sklearn.pipeline.Pipeline` cannot hold a filter: it
    refuses an intermediate step without ``transform``, and a transformer
    cannot drop rows or change ``y``.

    A value passed to ``fit`` counts as per-sample when it is array-like with
    ``n_samples`` rows, the rule scikit-learn's cross-validation uses to split
    fit parameters. A sampler that changes the number of rows without
    recording ``sample_indices_`` (an over-sampler such as SMOTE) cannot be
    followed by per-sample metadata: ``fit`` raises a ValueError.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skclean.datasets import load_noisy_dataset
    >>> from skclean.filters import KMeansLabelFilter
    >>> from skclean.pipeline import Pipeline
    >>> data = load_noisy_dataset("digits", rate=0.3, random_state=0)
    >>> pipe = Pipeline([("filter", KMeansLabelFilter(random_state=0)),
    ...                  ("clf", LogisticRegression(max_iter=300))])
    >>> weights = np.ones(len(data.y_train))
    >>> pipe.fit(data.X_train, data.y_train, clf__sample_weight=weights)
    Pipeline(...)
    >>> kept = pipe.named_steps["filter"].sample_indices_  # rows (and weights) kept
    >>> bool(len(kept) < len(data.y_train))
    True
    >>> bool(pipe.score(data.X_test, data.y_test) > 0.75)  # no filter at predict time
    True
    """

    def _check_method_params(self, method, props, **kwargs):
        routed = super()._check_method_params(method, props, **kwargs)
        if not isinstance(routed, dict):
            # scikit-learn's placeholder when no metadata was passed at all.
            return routed
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
        self._check_unlabeled_consumers()
        X = _indexable(X)
        n_samples = _count_rows(X)
        if isinstance(routed_params, _RowAlignedParams) and n_samples is not None:
            routed_params._bind(self, n_samples)
        Xt, yt = super()._fit(X, y, routed_params, raw_params)
        filters = [
            step
            for _, step in self.steps[:-1]
            if not _is_skipped(step) and hasattr(step, "fit_resample")
        ]
        if filters:
            _hand_over_filter_estimator(filters[-1], self.steps[-1][1])
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

    def _check_unlabeled_consumers(self):
        """Raise if rows labelled -1 would reach an estimator learning -1 as a class."""
        unlabeling = None
        for name, step in self.steps[:-1]:
            if _is_skipped(step):
                continue
            if unlabeling is not None and hasattr(step, "fit_resample"):
                if not accepts_unlabeled(step):
                    raise _unlabeled_error(*unlabeling, name, step)
            if unlabeling is None and _is_unlabeling(step):
                unlabeling = (name, step)
        final_name, final = self.steps[-1]
        if unlabeling is None or _is_skipped(final):
            return
        if _learns_from_y(final) and not accepts_unlabeled(final):
            raise _unlabeled_error(*unlabeling, final_name, final)


@validate_params(
    {
        "memory": [None, str, HasMethods(["cache"])],
        "transform_input": [None, list],
        "verbose": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def make_pipeline(*steps, memory=None, transform_input=None, verbose=False):
    """Build a :class:`Pipeline` from estimators, naming each step after its class.

    The steps are named with their lower-case class names
    (``kmeanslabelfilter``, ``logisticregression`` ...), so their parameters
    are ``kmeanslabelfilter__n_clusters`` and so on.

    Parameters
    ----------
    *steps : estimators
        Transformers, samplers (label filters, :class:`~skclean.noise.LabelNoise`)
        or ``"passthrough"``, then the final estimator.

    memory : str or object with the joblib.Memory interface, default=None
        Caches the fitted transformers and samplers.

    transform_input : list of str, default=None
        Names of fit metadata to transform by the steps before the one
        consuming them (metadata routing only).

    verbose : bool, default=False
        Print the time each step takes to fit.

    Returns
    -------
    pipeline : Pipeline
        A :class:`skclean.pipeline.Pipeline`.

    See Also
    --------
    Pipeline : The pipeline class, with named steps.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skclean import make_pipeline
    >>> from skclean.filters import KMeansLabelFilter
    >>> make_pipeline(KMeansLabelFilter(), LogisticRegression())
    Pipeline(steps=[('kmeanslabelfilter', KMeansLabelFilter()),
                    ('logisticregression', LogisticRegression())])
    """
    return Pipeline(
        _name_estimators(steps),
        memory=memory,
        transform_input=transform_input,
        verbose=verbose,
    )


# ----------------------------------------------------------------------------
# FilteredClassifier
# ----------------------------------------------------------------------------


def _classifier_has(attr):
    """For available_if: the fitted classifier, else the unfitted one, has ``attr``."""

    def check(self):
        classifier = getattr(self, "classifier_", self.classifier)
        return hasattr(classifier, attr)

    return check


class FilteredClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """A label filter and a classifier, as one classifier.

    At fit time a clone of ``filter`` keeps the labels it trusts
    (``fit_resample``) and a clone of ``classifier`` is fitted on its output;
    at predict time the classifier alone is used. The same as a two-step
    :class:`Pipeline`, but a classifier in its own right, so it goes where a
    classifier is expected: in :class:`sklearn.pipeline.Pipeline` (after
    scikit-learn transformers), :class:`~sklearn.calibration.CalibratedClassifierCV`,
    :class:`~sklearn.ensemble.StackingClassifier`,
    :class:`~sklearn.multiclass.OneVsRestClassifier` ...

    Parameters
    ----------
    filter : sampler, "passthrough" or None
        A label filter (:class:`~skclean.filters.KMeansLabelFilter`,
        :class:`~skclean.filters.ConfidenceRankFilter`) or any sampler with
        ``fit_resample``. ``"passthrough"`` or None trains the classifier on
        every row (a baseline in a grid search). With ``mode="unlabel"`` the
        classifier must learn from rows labelled -1 (see
        :func:`skclean.utils.accepts_unlabeled`), or ``fit`` raises a ValueError.

    classifier : classifier
        The classifier trained on the filtered data.

    Attributes
    ----------
    filter_ : sampler or None
        The fitted clone of ``filter`` (None for ``"passthrough"``).

    classifier_ : classifier
        The fitted clone of ``classifier``.

    classes_ : ndarray of shape (n_classes,)
        The class labels of ``classifier_``.

    n_features_in_ : int
        Number of features seen at fit time (by the filter, or by the
        classifier when there is no filter).

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen at fit time; defined only when ``X`` has
        string column names and the first fitted estimator records them.

    See Also
    --------
    Pipeline : The same as a pipeline, with transformers and several samplers.
    skclean.filters.KMeansLabelFilter : DeepCleanNet's label filter.
    skclean.filters.ConfidenceRankFilter : Ding et al.'s label filter.

    Notes
    -----
    Per-sample metadata for the classifier (``sample_weight``) is indexed by
    the filter's ``sample_indices_``, like in :class:`Pipeline`. With metadata
    routing disabled, ``fit`` takes ``sample_weight`` (for the classifier) and
    ``filter__<name>`` / ``classifier__<name>`` parameters; with routing
    enabled, each consumer requests what it needs
    (``classifier.set_fit_request(sample_weight=True)``,
    ``filter.set_fit_resample_request(clean_mask=True)``).

    The filter sees rows, not weights: a weight of 2 is not the same as a
    duplicated row, and a weight of 0 not the same as a removed row.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skclean.datasets import load_noisy_dataset
    >>> from skclean.filters import KMeansLabelFilter
    >>> from skclean.pipeline import FilteredClassifier
    >>> data = load_noisy_dataset("digits", rate=0.3, random_state=0)
    >>> clf = FilteredClassifier(KMeansLabelFilter(random_state=0),
    ...                          LogisticRegression(max_iter=300))
    >>> clf.fit(data.X_train, data.y_train)
    FilteredClassifier(classifier=LogisticRegression(max_iter=300),
                       filter=KMeansLabelFilter(random_state=0))
    >>> clf.classes_
    array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    >>> bool(clf.score(data.X_test, data.y_test) > 0.75)
    True
    """

    _parameter_constraints: dict = {
        "filter": [HasMethods(["fit_resample"]), StrOptions({"passthrough"}), None],
        "classifier": [HasMethods(["fit", "predict"])],
    }

    # sample_weight is routed to the classifier, not consumed here.
    __metadata_request__fit = {"sample_weight": UNUSED}
    __metadata_request__score = {"sample_weight": UNUSED}

    def __init__(self, filter, classifier):
        self.filter = filter
        self.classifier = classifier

    @_fit_context(
        # the filter and the classifier are validated when they are fitted
        prefer_skip_nested_validation=False
    )
    def fit(self, X, y, sample_weight=None, **params):
        """Filter the labels of ``X, y``, then fit the classifier on what is kept.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, ...)
            Training data, in any shape the filter and the classifier accept.

        y : array-like of shape (n_samples,)
            Noisy labels.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows for the classifier, indexed by the rows the
            filter keeps. With metadata routing enabled, the classifier must
            request it (``set_fit_request(sample_weight=True)``).

        **params : dict
            Routing disabled: ``filter__<name>`` is passed to the filter's
            ``fit_resample``, ``classifier__<name>`` to the classifier's
            ``fit``. Routing enabled: metadata, passed to whichever of them
            requested it.

        Returns
        -------
        self : FilteredClassifier
            The fitted estimator.
        """
        has_filter = not _is_skipped(self.filter)
        if has_filter and _is_unlabeling(self.filter):
            if not accepts_unlabeled(self.classifier):
                raise _unlabeled_error(
                    "filter", self.filter, "classifier", self.classifier
                )
        filter_params, classifier_params = self._split_fit_params(sample_weight, params)
        if not has_filter and filter_params:
            raise TypeError(
                f"filter={self.filter!r} has no fit_resample, so it takes no "
                f"parameters; got {sorted(filter_params)}."
            )

        if getattr(y, "ndim", 1) == 2 and y.shape[1] == 1:
            # A single-output classifier: warn about a column vector as
            # scikit-learn's classifiers do (the filter would flatten it silently).
            y = column_or_1d(y, warn=True)
        if has_filter:
            self.filter_ = clone(self.filter)
            X = _indexable(X)
            n_samples = _count_rows(X)
            X_res, y_res = self.filter_.fit_resample(X, y, **filter_params)
            indices = _resampled_indices(self.filter_, n_samples)
            if indices is not None:
                classifier_params = _take_rows(classifier_params, n_samples, indices)
            elif _count_rows(X_res) != n_samples and any(
                _is_per_sample(v, n_samples) for v in classifier_params.values()
            ):
                raise ValueError(
                    f"{type(self.filter_).__name__} turned {n_samples} rows into "
                    f"{_count_rows(X_res)} without recording which (no "
                    "sample_indices_), so per-sample fit parameters cannot follow "
                    "the rows."
                )
        else:
            self.filter_ = None
            X_res, y_res = X, y
        self.classifier_ = clone(self.classifier)
        if self.filter_ is not None:
            _hand_over_filter_estimator(self.filter_, self.classifier_)
        self.classifier_.fit(X_res, y_res, **classifier_params)
        return self

    def _split_fit_params(self, sample_weight, params):
        """Return the fit params of the filter and of the classifier."""
        if _routing_enabled():
            if sample_weight is not None:
                params = {**params, "sample_weight": sample_weight}
            routed = process_routing(self, "fit", **params)
            filter_params = routed.filter.fit_resample if "filter" in routed else {}
            return dict(filter_params), dict(routed.classifier.fit)

        filter_params, classifier_params = {}, {}
        for key, value in params.items():
            owner, sep, name = key.partition("__")
            if not sep or owner not in ("filter", "classifier"):
                raise TypeError(
                    f"FilteredClassifier.fit got an unexpected parameter {key!r}. "
                    "Pass parameters as filter__<name> (to the filter's "
                    "fit_resample) or classifier__<name> (to the classifier's "
                    "fit), or enable metadata routing with "
                    "sklearn.set_config(enable_metadata_routing=True)."
                )
            (filter_params if owner == "filter" else classifier_params)[name] = value
        if sample_weight is not None:
            if not has_fit_parameter(self.classifier, "sample_weight"):
                raise TypeError(
                    f"{type(self.classifier).__name__}.fit does not take "
                    "sample_weight, so FilteredClassifier cannot pass it on."
                )
            classifier_params["sample_weight"] = sample_weight
        return filter_params, classifier_params

    @available_if(_classifier_has("predict"))
    def predict(self, X):
        """Predict class labels with the fitted classifier (the filter is not used).

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, ...)
            Input data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels.
        """
        check_is_fitted(self)
        return self.classifier_.predict(X)

    @available_if(_classifier_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities from the fitted classifier.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, ...)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, columns in the order of ``classes_``.
        """
        check_is_fitted(self)
        return self.classifier_.predict_proba(X)

    @available_if(_classifier_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Log class probabilities from the fitted classifier.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, ...)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities, columns in the order of ``classes_``.
        """
        check_is_fitted(self)
        return self.classifier_.predict_log_proba(X)

    @available_if(_classifier_has("decision_function"))
    def decision_function(self, X):
        """Decision function of the fitted classifier.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, ...)
            Input data.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The classifier's decision scores.
        """
        check_is_fitted(self)
        return self.classifier_.decision_function(X)

    def score(self, X, y, sample_weight=None, **params):
        """The fitted classifier's ``score`` (accuracy for most classifiers).

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, ...)
            Test data.

        y : array-like of shape (n_samples,)
            True labels. Rows labelled -1 count as a class here, as in
            scikit-learn; use :func:`skclean.metrics.labeled_accuracy_score`
            to leave them out.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows.

        **params : dict
            Other metadata for the classifier's ``score`` (routing enabled
            only).

        Returns
        -------
        score : float
            The classifier's score.
        """
        check_is_fitted(self)
        if _routing_enabled():
            if sample_weight is not None:
                params = {**params, "sample_weight": sample_weight}
            routed = process_routing(self, "score", **params)
            return self.classifier_.score(X, y, **routed.classifier.score)
        if params:
            raise TypeError(
                f"score got unexpected parameters {sorted(params)}; they need "
                "metadata routing (sklearn.set_config(enable_metadata_routing=True))."
            )
        if sample_weight is None:
            return self.classifier_.score(X, y)
        return self.classifier_.score(X, y, sample_weight=sample_weight)

    @property
    def classes_(self):
        """The class labels of the fitted classifier."""
        return self.classifier_.classes_

    @property
    def n_features_in_(self):
        """Number of features seen at fit time."""
        first = self.filter_ if self.filter_ is not None else self.classifier_
        return first.n_features_in_

    @property
    def feature_names_in_(self):
        """Names of the features seen at fit time (string column names only)."""
        first = self.filter_ if self.filter_ is not None else self.classifier_
        return first.feature_names_in_

    def get_metadata_routing(self):
        """Get the metadata routing of this object.

        ``fit`` routes to the filter's ``fit_resample`` and the classifier's
        ``fit``; ``score`` to the classifier's ``score``.

        Returns
        -------
        routing : MetadataRouter
            The routing information.
        """
        router = MetadataRouter(owner=self).add(
            classifier=self.classifier,
            method_mapping=MethodMapping()
            .add(caller="fit", callee="fit")
            .add(caller="score", callee="score"),
        )
        if not _is_skipped(self.filter):
            router.add(
                filter=self.filter,
                method_mapping=MethodMapping().add(caller="fit", callee="fit_resample"),
            )
        return router

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        classifier_tags = get_tags(self.classifier)
        tags.classifier_tags = deepcopy(classifier_tags.classifier_tags)
        tags.input_tags.sparse = classifier_tags.input_tags.sparse
        tags.input_tags.allow_nan = classifier_tags.input_tags.allow_nan
        if not _is_skipped(self.filter):
            filter_tags = get_tags(self.filter)
            tags.input_tags.sparse &= filter_tags.input_tags.sparse
            tags.input_tags.allow_nan &= filter_tags.input_tags.allow_nan
        return tags
