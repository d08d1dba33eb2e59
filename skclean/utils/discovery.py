"""Find skclean's public estimators, as sklearn's ``all_estimators`` does."""

import importlib
import inspect
import pkgutil

from sklearn.base import BaseEstimator

__all__ = ["all_estimators"]


def all_estimators():
    """Return every public estimator class defined by skclean.

    Walks the public (non-underscore) modules of the package and collects the
    concrete classes that derive from :class:`sklearn.base.BaseEstimator`.

    Returns
    -------
    estimators : list of (str, type)
        ``(name, class)`` pairs sorted by name.

    Examples
    --------
    >>> from skclean.utils import all_estimators
    >>> "LabelNoise" in dict(all_estimators())
    True
    """
    import skclean

    found = {}
    modules = pkgutil.walk_packages(skclean.__path__, prefix="skclean.")
    for module_info in modules:
        parts = module_info.name.split(".")
        if any(part.startswith("_") or part == "tests" for part in parts[1:]):
            continue
        module = importlib.import_module(module_info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, BaseEstimator)
                and cls.__module__.startswith("skclean.")
                and not name.startswith(("_", "Base"))
                and not inspect.isabstract(cls)
            ):
                found[name] = cls
    return sorted(found.items())
