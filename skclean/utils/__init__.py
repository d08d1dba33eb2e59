"""Utilities: estimator discovery; does an estimator learn from unlabelled rows."""

from ._unlabeled import accepts_unlabeled, check_unlabeled_consumers
from .discovery import all_estimators

__all__ = ["accepts_unlabeled", "all_estimators", "check_unlabeled_consumers"]
