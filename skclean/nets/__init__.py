"""Neural networks as scikit-learn estimators (skorch/PyTorch), on CUDA when present."""

from ._classifier import CNNClassifier
from ._modules import MLP, DeepCleanCNN

__all__ = ["CNNClassifier", "DeepCleanCNN", "MLP"]
