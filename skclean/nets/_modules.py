"""PyTorch modules: DeepCleanNet's CNN and the two-stage paper's MLP."""

import math

import torch
from torch import nn

__all__ = ["DeepCleanCNN", "MLP"]


def _kaiming_init(module):
    for layer in module.modules():
        if isinstance(layer, nn.Conv2d | nn.Linear):
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)


def _conv_block(in_channels, out_channels, kernel_size, stride, pool, dropout):
    # Order as in DeepCleanNet Fig. 2: conv -> ReLU -> [max-pool] -> BN -> [dropout].
    layers = [
        nn.Conv2d(
            in_channels,
            out_channels,
            kernel_size,
            stride=stride,
            padding=kernel_size // 2,
        ),
        nn.ReLU(inplace=True),
    ]
    if pool:
        # ceil_mode keeps a 1x1 map at 1x1, so 8x8 inputs (sklearn digits) work.
        layers.append(nn.MaxPool2d(2, ceil_mode=True))
    layers.append(nn.BatchNorm2d(out_channels))
    if dropout:
        layers.append(nn.Dropout(dropout))
    return layers


class DeepCleanCNN(nn.Module):
    """The 5-convolution network of DeepCleanNet (Olimov & Kim, 2020, Fig. 2).

    conv 16@5x5 -> ReLU -> BN; conv 32@3x3 stride 2 -> ReLU -> BN -> dropout;
    conv 64@3x3 -> ReLU -> max-pool 2 -> BN -> dropout; conv 128@3x3 stride 2 ->
    ReLU -> BN -> dropout; conv 256@3x3 -> ReLU -> max-pool 2 -> BN -> dropout ->
    flatten -> fully connected layer to the classes. Padding is "same"; weights
    use Kaiming initialisation.

    The module returns logits; the softmax of the paper's last layer is applied
    by the loss (:class:`torch.nn.CrossEntropyLoss`) and by ``predict_proba``.

    Parameters
    ----------
    n_classes : int, default=10
        Number of output classes.

    in_channels : int, default=1
        Number of input channels.

    input_size : int or (int, int), default=28
        Height and width of the input images; any size from 8x8 up.

    dropout : float, default=0.2
        Dropout rate after the second to fifth convolution (the paper: 0.2).

    Examples
    --------
    >>> import torch
    >>> from skclean.nets import DeepCleanCNN
    >>> net = DeepCleanCNN(n_classes=10, in_channels=1, input_size=8)
    >>> net(torch.zeros(4, 1, 8, 8)).shape
    torch.Size([4, 10])
    """

    def __init__(self, n_classes=10, in_channels=1, input_size=28, dropout=0.2):
        super().__init__()
        height, width = (
            (input_size, input_size) if isinstance(input_size, int) else input_size
        )
        if min(height, width) < 8:
            raise ValueError(
                f"DeepCleanCNN needs images of at least 8x8, got {height}x{width}."
            )
        self.features = nn.Sequential(
            *_conv_block(in_channels, 16, 5, 1, pool=False, dropout=0.0),
            *_conv_block(16, 32, 3, 2, pool=False, dropout=dropout),
            *_conv_block(32, 64, 3, 1, pool=True, dropout=dropout),
            *_conv_block(64, 128, 3, 2, pool=False, dropout=dropout),
            *_conv_block(128, 256, 3, 1, pool=True, dropout=dropout),
        )
        for _ in range(4):  # two stride-2 convolutions and two poolings, all ceil
            height, width = math.ceil(height / 2), math.ceil(width / 2)
        self.classifier = nn.Linear(256 * height * width, n_classes)
        _kaiming_init(self)

    def forward(self, X):
        return self.classifier(torch.flatten(self.features(X), 1))


class MLP(nn.Module):
    """Fully connected network with dropout: 784-128-128-10 by default.

    The MNIST network of Ding et al. (WACV 2018), sec. 4: two hidden ReLU layers
    of 128 units with dropout, which they take from Patrini et al. (CVPR 2017),
    whose network drops 20% of the units after each hidden layer. Image-shaped
    input is flattened. Returns logits.

    Parameters
    ----------
    n_features : int, default=784
        Number of input features (pixels).

    n_classes : int, default=10
        Number of output classes.

    hidden_sizes : tuple of int, default=(128, 128)
        Width of each hidden layer.

    dropout : float, default=0.2
        Dropout rate after each hidden layer (Patrini et al.'s 0.2; Laine &
        Aila's convolutional networks use 0.5, which under-fits 128 units;
        ``benchmarks/results/two_stage_ablation.md`` compares the two).

    Examples
    --------
    >>> import torch
    >>> from skclean.nets import MLP
    >>> MLP(n_features=64, n_classes=3)(torch.zeros(2, 1, 8, 8)).shape
    torch.Size([2, 3])
    """

    def __init__(
        self, n_features=784, n_classes=10, hidden_sizes=(128, 128), dropout=0.2
    ):
        super().__init__()
        layers, width = [], n_features
        for size in hidden_sizes:
            layers += [
                nn.Linear(width, size),
                nn.ReLU(inplace=True),
                nn.Dropout(dropout),
            ]
            width = size
        layers.append(nn.Linear(width, n_classes))
        self.layers = nn.Sequential(*layers)
        _kaiming_init(self)

    def forward(self, X):
        return self.layers(torch.flatten(X, 1))
