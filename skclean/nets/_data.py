"""On-device data: whole tensors held on the device, mini-batches sliced by index.

skorch's default path builds every batch item by item through a DataLoader,
which dominates the run time of small models (skorch issues #433, #1100). Here
the training set is moved to the device once, each epoch draws one permutation
on the device, and a batch is a single indexing operation.
"""

import numpy as np
import torch
from torch.utils.data import Dataset, Subset

__all__ = ["DeviceDataset", "DeviceBatches", "as_device_dataset"]


class DeviceDataset(Dataset):
    """Tensors ``X`` (and optionally ``y``) kept whole, on one device.

    Parameters
    ----------
    X : torch.Tensor or ndarray
        Inputs, first dimension the samples.

    y : torch.Tensor, ndarray or None
        Encoded targets.

    device : str or torch.device
        Where the tensors live.
    """

    def __init__(self, X, y=None, device="cpu"):
        self.X = torch.as_tensor(X).to(device)
        self.y = None if y is None else torch.as_tensor(y).to(device)

    def __len__(self):
        return self.X.shape[0]

    def __getitem__(self, index):
        return self.X[index], (torch.empty(0) if self.y is None else self.y[index])


def as_device_dataset(dataset):
    """Return ``(DeviceDataset, row indices or None)`` for a dataset or a Subset of one.

    Returns ``(None, None)`` for any other dataset, which then takes skorch's
    default DataLoader path.
    """
    indices = None
    while isinstance(dataset, Subset):
        sub = torch.as_tensor(np.asarray(dataset.indices), dtype=torch.long)
        indices = sub if indices is None else sub[indices]
        dataset = dataset.dataset
    if not isinstance(dataset, DeviceDataset):
        return None, None
    if indices is not None:
        indices = indices.to(dataset.X.device)
    return dataset, indices


def batch_bounds(n_samples, batch_size, training):
    """Start/stop of each batch; in training a last batch of one row joins the previous.

    Batch normalisation cannot train on a batch of a single row.
    """
    starts = list(range(0, n_samples, batch_size))
    if training and len(starts) > 1 and n_samples - starts[-1] == 1:
        starts.pop()
    stops = starts[1:] + [n_samples]
    return list(zip(starts, stops))


class DeviceBatches:
    """Iterate over mini-batches of a :class:`DeviceDataset` by slicing on its device.

    Parameters
    ----------
    dataset : DeviceDataset
        The data.

    indices : torch.Tensor or None
        Rows to use (a train/validation split); all rows if None.

    batch_size : int
        Rows per batch.

    shuffle : bool
        Draw a new permutation of the rows for each pass.

    generator : torch.Generator or None
        Source of the permutations (on the dataset's device).

    training : bool
        Whether batches feed training (see :func:`batch_bounds`).

    device : str or torch.device or None
        Move each batch here (prediction on data kept on the CPU); None keeps
        batches where the dataset is.
    """

    def __init__(
        self, dataset, indices, batch_size, *, shuffle, generator, training, device=None
    ):
        self.dataset = dataset
        self.indices = indices
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator
        self.training = training
        self.device = device

    def __len__(self):
        n_samples = len(self.dataset) if self.indices is None else len(self.indices)
        return len(batch_bounds(n_samples, self.batch_size, self.training))

    def _order(self):
        X = self.dataset.X
        n_samples = X.shape[0] if self.indices is None else self.indices.shape[0]
        if not self.shuffle:
            return self.indices, n_samples
        perm = torch.randperm(n_samples, device=X.device, generator=self.generator)
        return (perm if self.indices is None else self.indices[perm]), n_samples

    def __iter__(self):
        X, y = self.dataset.X, self.dataset.y
        order, n_samples = self._order()
        for start, stop in batch_bounds(n_samples, self.batch_size, self.training):
            if order is None:
                Xb = X[start:stop]
                yb = None if y is None else y[start:stop]
            else:
                rows = order[start:stop]
                Xb = X[rows]
                yb = None if y is None else y[rows]
            if self.device is not None:
                Xb = Xb.to(self.device, non_blocking=True)
                yb = None if yb is None else yb.to(self.device, non_blocking=True)
            yield Xb, yb
