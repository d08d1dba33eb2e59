"""On-device data: whole tensors held on the device, mini-batches sliced by index.

skorch's default path builds every batch item by item through a DataLoader,
which dominates the run time of small models (skorch issues #433, #1100). Here
the training set is moved to the device once, each epoch draws one permutation
on the device, and a batch is a single indexing operation.
"""

import math
import warnings

import numpy as np
import torch
from torch.utils.data import Dataset, Subset

__all__ = ["DeviceDataset", "DeviceBatches", "as_device_dataset"]


def _as_tensor(array, device):
    with warnings.catch_warnings():
        # Read-only arrays (pandas, memmaps) are shared, not copied: nothing
        # here writes into them, so torch's warning does not apply.
        warnings.filterwarnings(
            "ignore", message="The given NumPy array is not writable"
        )
        return torch.as_tensor(array).to(device)


class DeviceDataset(Dataset):
    """Tensors ``X`` (and optionally ``y`` and sample weights), whole, on one device.

    Parameters
    ----------
    X : torch.Tensor or ndarray
        Inputs, first dimension the samples.

    y : torch.Tensor, ndarray or None
        Encoded targets.

    device : str or torch.device
        Where the tensors live.

    sample_weight : torch.Tensor, ndarray or None
        Weight of each row in the supervised loss. With weights, a batch's
        inputs are ``{"X": X_batch, "sample_weight": weights}``.
    """

    def __init__(self, X, y=None, device="cpu", sample_weight=None):
        self.X = _as_tensor(X, device)
        self.y = None if y is None else _as_tensor(y, device)
        self.sample_weight = (
            None if sample_weight is None else _as_tensor(sample_weight, device)
        )

    def __len__(self):
        return self.X.shape[0]

    def inputs(self, rows):
        """The model inputs of ``rows``: ``X[rows]``, with their weights if any."""
        if self.sample_weight is None:
            return self.X[rows]
        return {"X": self.X[rows], "sample_weight": self.sample_weight[rows]}

    def __getitem__(self, index):
        y = torch.empty(0) if self.y is None else self.y[index]
        return self.inputs(index), y


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


def _to(inputs, device):
    if isinstance(inputs, dict):
        return {key: _to(value, device) for key, value in inputs.items()}
    return inputs.to(device, non_blocking=True)


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
        y = self.dataset.y
        order, n_samples = self._order()
        for start, stop in batch_bounds(n_samples, self.batch_size, self.training):
            rows = slice(start, stop) if order is None else order[start:stop]
            Xb = self.dataset.inputs(rows)
            yb = None if y is None else y[rows]
            if self.device is not None:
                Xb = _to(Xb, self.device)
                yb = None if yb is None else yb.to(self.device, non_blocking=True)
            yield Xb, yb


class SemiSupervisedBatches:
    """Mini-batches of ``batch_size // 2`` labelled and as many unlabelled rows.

    Algorithm 1 of Ding et al. (WACV 2018). Labelled rows (``y >= 0``) are
    drawn class-balanced with replacement when ``balance_classes`` (sec. 3.3),
    otherwise in shuffled order; unlabelled rows (``y == -1``) in shuffled
    order. An epoch has enough batches to show every row of the larger group
    once. Without unlabelled rows every batch is labelled. Each batch is
    ``({"X": rows' inputs, "rows": row indices}, rows' targets)``.
    """

    def __init__(self, dataset, indices, batch_size, *, generator, balance_classes):
        self.dataset = dataset
        rows = (
            torch.arange(len(dataset), device=dataset.X.device)
            if indices is None
            else indices
        )
        targets = dataset.y[rows]
        self.labeled = rows[targets >= 0]
        self.unlabeled = rows[targets < 0]
        self.batch_size = batch_size
        self.generator = generator
        self.balance_classes = balance_classes
        if self.labeled.numel():
            labels = dataset.y[self.labeled]
            order = torch.argsort(labels, stable=True)
            self._by_class = self.labeled[order]
            counts = torch.bincount(labels)
            self._counts = counts[counts > 0]
            self._offsets = torch.cumsum(self._counts, 0) - self._counts

    def _halves(self):
        if self.unlabeled.numel() == 0:
            return self.batch_size, 0
        if self.labeled.numel() == 0:
            return 0, self.batch_size
        half = max(self.batch_size // 2, 1)
        return half, half

    def __len__(self):
        n_lab, n_unl = self._halves()
        sizes = [
            math.ceil(n / k)
            for n, k in ((self.labeled.numel(), n_lab), (self.unlabeled.numel(), n_unl))
            if k
        ]
        return max(max(sizes), 1)

    def _stream(self, rows, n_draws):
        """``n_draws`` rows: shuffled passes over ``rows``, repeated as needed."""
        device = rows.device
        passes = math.ceil(n_draws / rows.numel())
        perms = [
            rows[torch.randperm(rows.numel(), device=device, generator=self.generator)]
            for _ in range(passes)
        ]
        return torch.cat(perms)[:n_draws]

    def _balanced(self, n_draws):
        device = self._counts.device
        n_classes = self._counts.numel()
        cls = torch.randint(
            n_classes, (n_draws,), device=device, generator=self.generator
        )
        within = torch.rand(n_draws, device=device, generator=self.generator)
        position = self._offsets[cls] + (within * self._counts[cls]).long()
        return self._by_class[position]

    def __iter__(self):
        X, y = self.dataset.X, self.dataset.y
        n_batches = len(self)
        n_lab, n_unl = self._halves()
        lab = unl = None
        if n_lab:
            lab = (
                self._balanced(n_batches * n_lab)
                if self.balance_classes
                else self._stream(self.labeled, n_batches * n_lab)
            )
        if n_unl:
            unl = self._stream(self.unlabeled, n_batches * n_unl)
        for b in range(n_batches):
            parts = []
            if lab is not None:
                parts.append(lab[b * n_lab : (b + 1) * n_lab])
            if unl is not None:
                parts.append(unl[b * n_unl : (b + 1) * n_unl])
            rows = torch.cat(parts)
            inputs = {"X": X[rows], "rows": rows}
            if self.dataset.sample_weight is not None:
                inputs["sample_weight"] = self.dataset.sample_weight[rows]
            yield inputs, y[rows]
