"""Pipelines whose filters drop rows or unlabel them at fit time; FilteredClassifier."""

from copy import deepcopy

from imblearn import pipeline as imb_pipeline
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
    clone,
)
from sklearn.pipeline import _name_estimators
from sklearn.utils import get_tags
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
    check_is_fitted,
    column_or_1d,
    has_fit_parameter,
)

from ._private_api import RowAlignedPipelineMixin
from .utils._unlabeled import _is_skipped, accepts_unlabeled

__all__ = ["Pipeline", "make_pipeline", "FilteredClassifier"]


# ----------------------------------------------------------------------------
# Pipeline
# ----------------------------------------------------------------------------


class Pipeline(RowAlignedPipelineMixin, imb_pipeline.Pipeline):
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
    - **A filter's network is handed over explicitly.** When the final
      estimator's ``fit`` takes a ``filter_estimator`` parameter
      (:class:`~skclean.nets.PiModelClassifier`, whose
      ``pretrained="filter"`` continues from it), ``fit`` passes it the fitted
      ``estimator_`` of the last sampler (None if it kept none), unless the
      caller passed one.

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
        if _is_skipped(self.filter) and any(
            key.startswith("filter__") for key in params
        ):
            raise TypeError(
                f"filter={self.filter!r} has no fit_resample, so it takes no "
                f"parameters; got {sorted(params)}."
            )
        if getattr(y, "ndim", 1) == 2 and y.shape[1] == 1:
            # A single-output classifier: warn about a column vector as
            # scikit-learn's classifiers do (the filter would flatten it silently).
            y = column_or_1d(y, warn=True)
        filter_ = None if _is_skipped(self.filter) else clone(self.filter)
        pipeline = Pipeline(
            [
                ("filter", filter_ or "passthrough"),
                ("classifier", clone(self.classifier)),
            ]
        )
        pipeline.fit(X, y, **self._pipeline_fit_params(sample_weight, params))
        self.filter_ = filter_
        self.classifier_ = pipeline.steps[-1][1]
        return self

    def _pipeline_fit_params(self, sample_weight, params):
        """The parameters of the equivalent two-step Pipeline's ``fit``."""
        if _routing_enabled():
            # The pipeline routes them by the steps' requests, as this
            # estimator's get_metadata_routing describes.
            if sample_weight is not None:
                params = {**params, "sample_weight": sample_weight}
            return params
        for key in params:
            owner, sep, _ = key.partition("__")
            if not sep or owner not in ("filter", "classifier"):
                raise TypeError(
                    f"FilteredClassifier.fit got an unexpected parameter {key!r}. "
                    "Pass parameters as filter__<name> (to the filter's "
                    "fit_resample) or classifier__<name> (to the classifier's "
                    "fit), or enable metadata routing with "
                    "sklearn.set_config(enable_metadata_routing=True)."
                )
        if sample_weight is None:
            return params
        if not has_fit_parameter(self.classifier, "sample_weight"):
            raise TypeError(
                f"{type(self.classifier).__name__}.fit does not take "
                "sample_weight, so FilteredClassifier cannot pass it on."
            )
        return {**params, "classifier__sample_weight": sample_weight}

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
    def _accepts_unlabeled(self):
        # Rows labelled -1 reach the classifier unchanged (policy: one home).
        return accepts_unlabeled(self.classifier)

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
