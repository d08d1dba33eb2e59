"""Tell whether an estimator learns from rows labelled -1 (unlabelled)."""

__all__ = ["accepts_unlabeled"]


def accepts_unlabeled(estimator):
    """Return whether ``estimator`` treats the label -1 as "unlabelled".

    scikit-learn's convention for semi-supervised learning marks an unlabelled
    row with ``y == -1``. A supervised classifier does not know this
    convention: it learns -1 as one more class. skclean's
    :class:`~skclean.pipeline.Pipeline` and
    :class:`~skclean.pipeline.FilteredClassifier` ask this function before
    they feed the output of a filter in ``mode="unlabel"`` to an estimator.

    An estimator accepts unlabelled rows when, checked in this order:

    1. its class has the attribute ``_accepts_unlabeled``: its value decides
       (``True`` opts in, ``False`` opts out). This is how skclean's
       :class:`~skclean.nets.PiModelClassifier` declares it, and how a third
       party declares it for its own estimator (including its own
       meta-estimators);
    2. it is one of scikit-learn's semi-supervised estimators (those defined in
       :mod:`sklearn.semi_supervised`:
       :class:`~sklearn.semi_supervised.SelfTrainingClassifier`,
       :class:`~sklearn.semi_supervised.LabelSpreading`,
       :class:`~sklearn.semi_supervised.LabelPropagation`) or a subclass of one;
    3. it is a meta-estimator that hands ``y`` unchanged to an estimator
       which accepts them: a pipeline (:class:`sklearn.pipeline.Pipeline`,
       imbalanced-learn's and skclean's) whose last step accepts them, a
       :class:`~skclean.pipeline.FilteredClassifier` whose ``classifier`` does,
       or a hyper-parameter search (:class:`~sklearn.model_selection.GridSearchCV`,
       :class:`~sklearn.model_selection.RandomizedSearchCV` ...) whose
       ``estimator`` does.

    Any other estimator, the string ``"passthrough"`` and ``None`` do not.
    Other meta-estimators (``CalibratedClassifierCV``, ``OneVsRestClassifier``
    ...) are not looked into, because they encode ``y`` themselves and would
    treat -1 as a class whatever their inner estimator does.

    Parameters
    ----------
    estimator : estimator instance or class, "passthrough" or None
        The estimator to ask about.

    Returns
    -------
    accepts : bool
        True if ``estimator`` learns from rows labelled -1 as unlabelled rows.

    Notes
    -----
    A search over a pipeline may still swap the last step for a supervised
    one through its ``param_grid``; the pipeline then refuses the combination
    when it is fitted.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.semi_supervised import SelfTrainingClassifier
    >>> from skclean.utils import accepts_unlabeled
    >>> accepts_unlabeled(LogisticRegression())
    False
    >>> accepts_unlabeled(SelfTrainingClassifier(LogisticRegression()))
    True

    A third-party estimator opts in with a class attribute:

    >>> class MySemiSupervised(LogisticRegression):
    ...     _accepts_unlabeled = True
    >>> accepts_unlabeled(MySemiSupervised())
    True
    """
    if estimator is None or isinstance(estimator, str):
        return False
    cls = estimator if isinstance(estimator, type) else type(estimator)

    declared = getattr(cls, "_accepts_unlabeled", None)
    if declared is not None:
        return bool(declared)
    if any(
        base.__module__.split(".")[:2] == ["sklearn", "semi_supervised"]
        for base in cls.__mro__
    ):
        return True
    if isinstance(estimator, type):
        # A class alone says nothing about the estimators it would wrap.
        return False

    # Imported here: skclean.pipeline imports this module.
    from sklearn.model_selection._search import BaseSearchCV
    from sklearn.pipeline import Pipeline as SklearnPipeline

    from ..pipeline import FilteredClassifier

    if isinstance(estimator, SklearnPipeline):
        return bool(estimator.steps) and accepts_unlabeled(estimator.steps[-1][1])
    if isinstance(estimator, FilteredClassifier):
        return accepts_unlabeled(estimator.classifier)
    if isinstance(estimator, BaseSearchCV):
        return accepts_unlabeled(estimator.estimator)
    return False
