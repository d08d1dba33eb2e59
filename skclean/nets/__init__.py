"""Neural networks as scikit-learn estimators (skorch/PyTorch), on CUDA when present."""

from ._classifier import CNNClassifier
from ._modules import MLP, DeepCleanCNN
from ._pi_model import PiModelClassifier
from ._split import LabeledValidSplit

__all__ = [
    "CNNClassifier",
    "DeepCleanCNN",
    "LabeledValidSplit",
    "MLP",
    "PiModelClassifier",
]
