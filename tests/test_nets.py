"""CNNClassifier, its modules and its on-device data path."""

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits
from skorch.dataset import ValidSplit

from skclean.nets import MLP, CNNClassifier, DeepCleanCNN
from skclean.nets._data import DeviceBatches, DeviceDataset, batch_bounds

CUDA = torch.cuda.is_available()
needs_cuda = pytest.mark.skipif(not CUDA, reason="needs a CUDA GPU")


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16).astype(np.float32), y


def _fast(**params):
    defaults = {"max_epochs": 3, "batch_size": 64, "random_state": 0}
    return CNNClassifier(**{**defaults, **params})


# -- modules ----------------------------------------------------------------
@pytest.mark.parametrize("size", [8, 9, 28, 32])
def test_deepclean_cnn_accepts_any_image_size(size):
    net = DeepCleanCNN(n_classes=7, in_channels=3, input_size=size)
    assert net(torch.zeros(2, 3, size, size)).shape == (2, 7)


def test_deepclean_cnn_layers_follow_the_paper():
    net = DeepCleanCNN()
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [16, 32, 64, 128, 256]
    assert [c.kernel_size[0] for c in convs] == [5, 3, 3, 3, 3]
    assert [c.stride[0] for c in convs] == [1, 2, 1, 2, 1]
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in net.modules()) == 5
    assert sum(isinstance(m, torch.nn.MaxPool2d) for m in net.modules()) == 2
    dropouts = [m.p for m in net.modules() if isinstance(m, torch.nn.Dropout)]
    assert dropouts == [0.2] * 4
    # Kaiming (fan-in, ReLU) initialisation: weight std close to sqrt(2 / fan_in).
    last = convs[-1]
    fan_in = last.in_channels * 9
    assert abs(last.weight.std().item() - np.sqrt(2 / fan_in)) < 0.1 * np.sqrt(
        2 / fan_in
    )


def test_deepclean_cnn_rejects_tiny_images():
    with pytest.raises(ValueError, match="at least 8x8"):
        DeepCleanCNN(input_size=4)


def test_mlp_sizes():
    net = MLP(n_features=784, n_classes=10)
    linear = [m for m in net.modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linear] == [
        (784, 128),
        (128, 128),
        (128, 10),
    ]
    # Patrini et al.'s network, which Ding et al. use: 20% dropout per hidden layer.
    dropouts = [m.p for m in net.modules() if isinstance(m, torch.nn.Dropout)]
    assert dropouts == [0.2, 0.2]
    assert MLP(n_features=5, n_classes=2, hidden_sizes=(7,))(
        torch.zeros(3, 5)
    ).shape == (3, 2)


# -- data path ----------------------------------------------------------------
def test_device_batches_cover_every_row_once_per_epoch():
    dataset = DeviceDataset(torch.arange(10.0)[:, None], torch.arange(10))
    gen = torch.Generator().manual_seed(0)
    batches = DeviceBatches(
        dataset, None, 3, shuffle=True, generator=gen, training=True
    )
    seen = torch.cat([yb for _, yb in batches])
    assert sorted(seen.tolist()) == list(range(10))
    assert len(batches) == 3  # 3 + 3 + 4: the single last row joins the previous batch
    assert batch_bounds(10, 3, training=False)[-1] == (9, 10)


def test_device_batches_respect_a_subset():
    dataset = DeviceDataset(torch.arange(10.0)[:, None], torch.arange(10))
    rows = torch.tensor([1, 4, 7])
    batches = DeviceBatches(
        dataset, rows, 2, shuffle=False, generator=None, training=False
    )
    assert torch.cat([yb for _, yb in batches]).tolist() == [1, 4, 7]


# -- classifier ---------------------------------------------------------------
def test_flat_square_input_is_reshaped_to_images(digits):
    X, y = digits
    clf = _fast().fit(X[:300], y[:300])
    assert clf.input_shape_ == (1, 8, 8)
    assert clf.n_features_in_ == 64
    assert isinstance(clf.module_, DeepCleanCNN)


def test_image_input_float64_and_dataframe(digits):
    pd = pytest.importorskip("pandas")
    X, y = digits
    images = X[:300].reshape(-1, 1, 8, 8).astype(np.float64)
    clf = _fast().fit(images, y[:300])
    assert clf.predict(images[:5]).shape == (5,)
    frame = pd.DataFrame(X[:300], columns=[f"px{i}" for i in range(64)])
    clf = _fast().fit(frame, y[:300])
    assert list(clf.feature_names_in_[:2]) == ["px0", "px1"]
    assert clf.predict(frame.iloc[:4]).shape == (4,)


@pytest.mark.slow
def test_string_labels_and_predicted_labels(digits):
    X, y = digits
    names = np.array(["zero", "one", "two"], dtype=object)
    mask = y < 3
    y_str = names[y[mask]]
    clf = _fast(max_epochs=8).fit(X[mask], y_str)
    np.testing.assert_array_equal(clf.classes_, np.sort(names))
    assert set(clf.predict(X[mask])) <= set(names)
    assert clf.score(X[mask], y_str) > 0.8


def test_minus_one_is_an_ordinary_class(digits):
    X, y = digits
    mask = y < 2
    y_pm = np.where(y[mask] == 0, -1, 1)
    clf = _fast(max_epochs=5).fit(X[mask], y_pm)
    np.testing.assert_array_equal(clf.classes_, [-1, 1])
    assert clf.score(X[mask], y_pm) > 0.9


@pytest.mark.slow
def test_learns_digits(digits):
    X, y = digits
    clf = _fast(max_epochs=10).fit(X[:1400], y[:1400])
    assert clf.score(X[1400:], y[1400:]) > 0.85


@pytest.mark.slow
def test_same_seed_same_predictions_different_seed_differs(digits):
    X, y = digits
    a = _fast(random_state=1).fit(X[:400], y[:400]).predict_proba(X[400:500])
    b = _fast(random_state=1).fit(X[:400], y[:400]).predict_proba(X[400:500])
    c = _fast(random_state=2).fit(X[:400], y[:400]).predict_proba(X[400:500])
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_fit_leaves_the_global_torch_rng_alone(digits):
    X, y = digits
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    _fast().fit(X[:200], y[:200])
    np.testing.assert_array_equal(torch.rand(3), expected)


def test_fit_does_not_modify_inputs(digits):
    X, y = digits
    X_in, y_in = X[:200].copy(), y[:200].copy()
    clf = _fast().fit(X_in, y_in)
    clf.predict(X_in)
    np.testing.assert_array_equal(X_in, X[:200])
    np.testing.assert_array_equal(y_in, y[:200])


def test_refit_starts_from_scratch(digits):
    X, y = digits
    clf = _fast(random_state=0)
    first = clf.fit(X[:300], y[:300]).predict_proba(X[300:350])
    clf.fit(X[:300], y[:300])
    np.testing.assert_array_equal(clf.predict_proba(X[300:350]), first)
    assert len(clf.history_) == 3


def test_partial_fit_continues_training(digits):
    X, y = digits
    clf = _fast(max_epochs=2).fit(X[:300], y[:300])
    clf.partial_fit(X[:300], y[:300])
    assert len(clf.history_) == 4
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(X[:10], np.full(10, 42))


def test_pickle_round_trip_gives_identical_predictions(digits):
    X, y = digits
    clf = _fast().fit(X[:300], y[:300])
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(
        loaded.predict_proba(X[:50]), clf.predict_proba(X[:50])
    )
    assert loaded.get_params()["device"] == "auto"


def test_clone_keeps_auto_device_and_params():
    clf = CNNClassifier(lr=0.1, module__dropout=0.3, device="auto")
    params = clone(clf).get_params()
    assert params["device"] == "auto" and params["module__dropout"] == 0.3
    assert CNNClassifier(device="cpu").device == "cpu"


@pytest.mark.skipif(CUDA, reason="tests the error raised without a GPU")
def test_cuda_without_gpu_raises_clearly(digits):
    X, y = digits
    with pytest.raises(ValueError, match="CUDA is not available"):
        _fast(device="cuda").fit(X[:50], y[:50])
    assert CNNClassifier().device == "cpu"


def test_class_weight_balanced_weighs_the_loss(digits):
    X, y = digits
    mask = (y == 0) | (y[:] == 1)
    keep = np.flatnonzero(mask)
    keep = np.concatenate([keep[y[keep] == 0], keep[y[keep] == 1][:20]])
    clf = _fast(class_weight="balanced").fit(X[keep], y[keep])
    weights = clf.criterion_.weight.cpu().numpy()
    assert weights[1] > 3 * weights[0]
    clf = _fast(class_weight={1: 2.0}).fit(X[keep], y[keep])
    np.testing.assert_allclose(clf.criterion_.weight.cpu().numpy(), [1.0, 2.0])


def test_verbose_prints_the_epoch_table_and_quiet_by_default(digits, capsys):
    X, y = digits
    _fast(max_epochs=1).fit(X[:100], y[:100])
    assert capsys.readouterr().out == ""
    _fast(max_epochs=2, verbose=1).fit(X[:100], y[:100])
    out = capsys.readouterr().out
    assert "train_loss" in out and "epoch" in out


def test_internal_validation_split_records_valid_accuracy(digits):
    X, y = digits
    names = np.array(list("abcdefghij"), dtype=object)[y]
    clf = _fast(max_epochs=2, train_split=ValidSplit(5)).fit(X[:500], names[:500])
    accuracy = clf.history_[-1, "valid_acc"]
    assert accuracy > 0.3  # learning, on string labels: chance is 0.1
    assert "valid_loss" in clf.history_[-1]


def test_module_parameters_pass_through(digits):
    X, y = digits
    clf = _fast(module=MLP, module__hidden_sizes=(16,), module__dropout=0.0)
    clf.fit(X[:200], y[:200])
    linear = [m for m in clf.module_.modules() if isinstance(m, torch.nn.Linear)]
    assert linear[0].out_features == 16 and linear[-1].out_features == 10


def test_explicit_input_shape(digits):
    X, y = digits
    clf = _fast(input_shape=(1, 8, 8)).fit(X[:100], y[:100])
    assert clf.input_shape_ == (1, 8, 8)
    with pytest.raises(ValueError, match="holds 128 values"):
        _fast(input_shape=(2, 8, 8)).fit(X[:100], y[:100])


def test_non_square_flat_input_needs_a_shape_or_a_flat_module():
    X = np.random.rand(40, 10).astype(np.float32)
    y = np.arange(40) % 2
    with pytest.raises(ValueError, match="do not form a square image"):
        _fast(module=DeepCleanCNN).fit(X, y)
    assert _fast(module=MLP).fit(X, y).predict(X).shape == (40,)
    assert type(_fast().fit(X, y).module_) is MLP  # module="auto"


def test_wrong_shape_at_predict(digits):
    X, y = digits
    clf = _fast().fit(X[:100].reshape(-1, 1, 8, 8), y[:100])
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:5, :32])
    with pytest.raises(ValueError, match="fitted on samples of shape"):
        clf.predict(X[:5].reshape(-1, 1, 4, 16))


@pytest.mark.parametrize(
    "X, y, match",
    [
        (np.full((10, 64), np.nan), np.arange(10) % 2, "NaN"),
        (np.full((10, 64), np.inf), np.arange(10) % 2, "infinity"),
        (np.zeros((10, 64)), np.zeros(10), "at least two classes"),
        (np.zeros((10, 64)), np.linspace(0, 1, 10), "Unknown label type"),
        (np.zeros((10, 64)), np.arange(9) % 2, "different numbers of samples"),
        (np.zeros(64), np.arange(1), "2D array"),
    ],
)
def test_bad_input_raises_clear_errors(X, y, match):
    with pytest.raises(ValueError, match=match):
        _fast().fit(X, y)


@needs_cuda
def test_cuda_fit_pickles_to_cpu(digits, tmp_path):  # pragma: no cover - GPU only
    X, y = digits
    clf = _fast(device="cuda").fit(X[:300], y[:300])
    assert next(clf.module_.parameters()).is_cuda
    expected = clf.predict_proba(X[:50])
    state = pickle.dumps(clf)
    loaded = pickle.loads(state)
    np.testing.assert_allclose(loaded.predict_proba(X[:50]), expected, atol=1e-5)
    # Loaded in a process that sees no GPU, as on a CPU-only machine.
    np.save(tmp_path / "X.npy", X[:50])
    np.save(tmp_path / "expected.npy", expected)
    (tmp_path / "model.pkl").write_bytes(state)
    script = (
        "import pickle, warnings, numpy as np, torch\n"
        "assert not torch.cuda.is_available()\n"
        "with warnings.catch_warnings():\n"
        "    warnings.simplefilter('ignore')\n"
        "    clf = pickle.loads(open('model.pkl', 'rb').read())\n"
        "assert not next(clf.module_.parameters()).is_cuda\n"
        "np.testing.assert_allclose(clf.predict_proba(np.load('X.npy')),\n"
        "                           np.load('expected.npy'), atol=1e-4)\n"
    )
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, check=True)


def test_model_recorded_on_cuda_loads_on_cpu(digits):
    # Without a GPU the tensors are CPU tensors, but the model says it was
    # fitted on "cuda": loading must fall back to the CPU and still predict.
    X, y = digits
    clf = _fast(device="cpu").fit(X[:200], y[:200])
    expected = clf.predict_proba(X[:20])
    clf.device = "cuda"
    state = pickle.dumps(clf)
    if CUDA:  # pragma: no cover - GPU machines load onto the GPU
        pytest.skip("this machine has a GPU")
    with pytest.warns(UserWarning, match="CUDA"):
        loaded = pickle.loads(state)
    assert loaded.device == "cpu"
    np.testing.assert_allclose(loaded.predict_proba(X[:20]), expected, atol=1e-6)


@pytest.mark.slow
def test_mixed_precision_trains_in_bfloat16_and_predicts_float32(digits, monkeypatch):
    X, y = digits
    seen = []
    original = torch.nn.Conv2d.forward

    def recording_forward(conv, x):
        out = original(conv, x)
        seen.append(out.dtype)
        return out

    monkeypatch.setattr(torch.nn.Conv2d, "forward", recording_forward)
    clf = _fast(mixed_precision=True, max_epochs=5).fit(X[:1200], y[:1200])
    assert torch.bfloat16 in seen
    assert next(clf.module_.parameters()).dtype == torch.float32
    proba = clf.predict_proba(X[1200:])
    assert proba.dtype == np.float32
    np.testing.assert_allclose(proba.sum(axis=1), 1, atol=1e-5)
    assert clf.score(X[1200:], y[1200:]) > 0.8


@pytest.mark.slow
def test_channels_last_computes_the_same_function(digits):
    X, y = digits
    clf = _fast(max_epochs=5).fit(X[:1200], y[:1200])
    expected = clf.predict_proba(X[1200:1300])
    clf.set_params(channels_last=True)
    clf.module_ = clf.module_.to(memory_format=torch.channels_last)
    np.testing.assert_allclose(clf.predict_proba(X[1200:1300]), expected, atol=1e-5)


@pytest.mark.slow
def test_channels_last_trains(digits):
    X, y = digits
    clf = _fast(channels_last=True, max_epochs=5).fit(X[:1200], y[:1200])
    conv = next(m for m in clf.module_.modules() if isinstance(m, torch.nn.Conv2d))
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    assert clf.score(X[1200:], y[1200:]) > 0.8


def test_channels_last_ignores_flat_modules(digits):
    X, y = digits
    clf = _fast(module=MLP, channels_last=True).fit(X[:200], y[:200])
    assert clf.predict(X[:5]).shape == (5,)


def test_mixed_precision_needs_bfloat16_on_cuda(monkeypatch):
    from skclean.nets._device import check_bfloat16_supported

    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    with pytest.raises(ValueError, match="mixed_precision=False"):
        check_bfloat16_supported("cuda")
    check_bfloat16_supported("cpu")


@needs_cuda
def test_auto_device_uses_cuda(digits):  # pragma: no cover - GPU only
    X, y = digits
    clf = _fast().fit(X[:100], y[:100])
    assert clf.device == "cuda"
    assert next(clf.module_.parameters()).is_cuda
