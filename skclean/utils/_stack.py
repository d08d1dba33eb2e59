"""Point a warning at the user's code, past skclean's and its dependencies' frames."""

import sys

__all__ = ["user_stacklevel"]

_LIBRARIES = ("skclean", "sklearn", "imblearn", "skorch", "torch")


def user_stacklevel():
    """The ``stacklevel``, counted from the caller, of the first outside frame.

    A warning raised with it points at the line of user code that called
    into skclean (or into scikit-learn, imbalanced-learn or skorch on its
    behalf), however deep inside the libraries it was raised.
    """
    frame, level = sys._getframe(1), 1
    while frame is not None and (
        frame.f_globals.get("__name__", "").partition(".")[0] in _LIBRARIES
    ):
        frame, level = frame.f_back, level + 1
    return level
