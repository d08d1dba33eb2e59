"""The unlabelled-rows policy: rows labelled -1 reach only estimators that learn
from them."""

from sklearn.base import is_classifier
from sklearn.model_selection._search import BaseSearchCV
from sklearn.pipeline import Pipeline as SklearnPipeline
from sklearn.utils import get_tags

__all__ = ["accepts_unlabeled", "check_unlabeled_consumers"]


def accepts_unlabeled(estimator):
    """Return whether ``estimator`` treats the label -1 as "unlabelled".

    scikit-learn's convention for semi-supervised learning marks an unlabelled
    row with ``y == -1``. A supervised classifier does not know this
    convention: it learns -1 as one more class. skclean's
    :class:`~skclean.pipeline.Pipeline` and
    :class:`~skclean.pipeline.FilteredClassifier` ask this function before
    they feed the output of a filter in ``mode="unlabel"`` to an estimator.

    An estimator accepts unlabelled rows when, checked in this order:

    1. it has the boolean attribute ``_accepts_unlabeled``: its value decides
       (``True`` opts in, ``False`` opts out). This is how skclean's
       :class:`~skclean.nets.PiModelClassifier` declares it, how
       :class:`~skclean.pipeline.FilteredClassifier` delegates it to its
       ``classifier`` (as a property), and how a third party declares it for
       its own estimator or meta-estimator;
    2. it is one of scikit-learn's semi-supervised estimators (those defined in
       :mod:`sklearn.semi_supervised`:
       :class:`~sklearn.semi_supervised.SelfTrainingClassifier`,
       :class:`~sklearn.semi_supervised.LabelSpreading`,
       :class:`~sklearn.semi_supervised.LabelPropagation`) or a subclass of one;
    3. it is a meta-estimator that hands ``y`` unchanged to an estimator
       which accepts them: a pipeline (:class:`sklearn.pipeline.Pipeline`,
       imbalanced-learn's and skclean's) whose last step accepts them, or a
       hyper-parameter search (:class:`~sklearn.model_selection.GridSearchCV`,
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

    # On a class, a property (a meta-estimator's delegation) is no answer.
    declared = getattr(estimator, "_accepts_unlabeled", None)
    if isinstance(declared, bool):
        return declared
    if any(
        base.__module__.split(".")[:2] == ["sklearn", "semi_supervised"]
        for base in cls.__mro__
    ):
        return True
    if isinstance(estimator, SklearnPipeline):
        return bool(estimator.steps) and accepts_unlabeled(estimator.steps[-1][1])
    if isinstance(estimator, BaseSearchCV):
        return accepts_unlabeled(estimator.estimator)
    return False


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


def check_unlabeled_consumers(steps):
    """Raise a ValueError if rows labelled -1 would reach an estimator learning -1.

    Parameters
    ----------
    steps : list of (str, estimator) tuples
        A pipeline's steps, the final estimator last.

    Returns
    -------
    None
        The steps pass the check.

    Raises
    ------
    ValueError
        If a filter with ``mode="unlabel"`` comes before a later sampler or a
        final estimator that fits to ``y`` but does not learn from unlabelled
        rows (see :func:`accepts_unlabeled`).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skclean.filters import ConfidenceRankFilter
    >>> from skclean.utils import check_unlabeled_consumers
    >>> check_unlabeled_consumers(
    ...     [("filter", ConfidenceRankFilter(mode="unlabel")),
    ...      ("clf", LogisticRegression())])
    Traceback (most recent call last):
    ...
    ValueError: The filter 'filter' (ConfidenceRankFilter) has mode='unlabel': ...
    """
    unlabeling = None
    for name, step in steps[:-1]:
        if _is_skipped(step):
            continue
        if unlabeling is not None and hasattr(step, "fit_resample"):
            if not accepts_unlabeled(step):
                raise _unlabeled_error(*unlabeling, name, step)
        if unlabeling is None and _is_unlabeling(step):
            unlabeling = (name, step)
    final_name, final = steps[-1]
    if unlabeling is None or _is_skipped(final):
        return
    if _learns_from_y(final) and not accepts_unlabeled(final):
        raise _unlabeled_error(*unlabeling, final_name, final)
