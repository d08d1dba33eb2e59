"""Memory and scale: no needless copies of X, and prediction batch by batch.

Peak-memory figures on 60k x 784 MNIST and a 1,000,000-row prediction are
measured by ``benchmarks/bench_memory.py`` (results in benchmarks/results/);
these tests pin the mechanisms behind them.
"""

import numpy as np
import torch

from skclean import CNNClassifier, KMeansLabelFilter, LabelNoise
from skclean.nets import MLP
from skclean.nets._data import DeviceBatches, DeviceDataset


def test_float32_training_data_are_shared_not_copied_on_cpu():
    X = np.random.rand(50, 4).astype(np.float32)
    dataset = DeviceDataset(X, np.arange(50) % 2, device="cpu")
    assert dataset.X.data_ptr() == X.ctypes.data


def test_unlabel_mode_and_label_noise_return_X_itself():
    X = np.random.rand(40, 3)
    y = np.arange(40) % 2
    assert KMeansLabelFilter(mode="unlabel", random_state=0).fit_resample(X, y)[0] is X
    assert LabelNoise(random_state=0).fit_resample(X, y)[0] is X


def test_prediction_moves_one_batch_at_a_time(monkeypatch):
    X = np.random.rand(1000, 16).astype(np.float32)
    y = np.arange(1000) % 2
    clf = CNNClassifier(module=MLP, max_epochs=1, batch_size=128, random_state=0).fit(
        X, y
    )
    sizes = []
    original = DeviceBatches.__iter__

    def spy(self):
        for Xb, yb in original(self):
            sizes.append(Xb.shape[0])
            yield Xb, yb

    monkeypatch.setattr(DeviceBatches, "__iter__", spy)
    proba = clf.predict_proba(np.random.rand(5000, 16).astype(np.float32))
    assert proba.shape == (5000, 2)
    assert max(sizes) == 128 and sum(sizes) == 5000


def test_prediction_data_stay_on_the_cpu():
    X = np.random.rand(300, 16).astype(np.float32)
    clf = CNNClassifier(module=MLP, max_epochs=1, random_state=0).fit(
        X, np.arange(300) % 3
    )
    batches = clf.get_iterator(DeviceDataset(X, None, device="cpu"), training=False)
    assert batches.dataset.X.device == torch.device("cpu")
    assert torch.device(batches.device).type == torch.device(clf.device).type
