"""Label filters and relabellers: samplers that keep, drop, unlabel or fix labels."""

from ._confidence import ConfidenceRankFilter
from ._kmeans import KMeansLabelFilter
from ._relabel import ClusterRelabeler

__all__ = ["ClusterRelabeler", "ConfidenceRankFilter", "KMeansLabelFilter"]
