"""Label filters: samplers that keep trusted labels and drop or unlabel the rest."""

from ._confidence import ConfidenceRankFilter
from ._kmeans import KMeansLabelFilter

__all__ = ["ConfidenceRankFilter", "KMeansLabelFilter"]
