"""Warnings and errors raised by skclean."""

__all__ = ["ClassRemovedWarning"]


class ClassRemovedWarning(UserWarning):
    """A label filter rejected every label of at least one class.

    The estimator trained on the filtered data cannot predict such a class.
    The filter's ``report_`` shows which classes were emptied.
    """
