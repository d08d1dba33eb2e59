"""Audit a dataset's labels: find and score wrong ones, estimate the noise, plot."""

from ._label_issues import find_label_issues, label_quality_scores
from ._noise_matrix import (
    class_label_quality,
    confident_joint,
    estimate_joint,
    estimate_noise_matrix,
)
from ._plot import LabelIssuesDisplay, NoiseMatrixDisplay

__all__ = [
    "find_label_issues",
    "label_quality_scores",
    "confident_joint",
    "estimate_joint",
    "estimate_noise_matrix",
    "class_label_quality",
    "LabelIssuesDisplay",
    "NoiseMatrixDisplay",
]
