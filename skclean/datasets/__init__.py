"""Datasets: MNIST offline, and noisy bundled datasets with their clean labels."""

from ._mnist import load_mnist
from ._noisy import load_noisy_dataset

__all__ = ["load_mnist", "load_noisy_dataset"]
