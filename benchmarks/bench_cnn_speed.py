"""Training speed of CNNClassifier against a hand-written PyTorch loop and stock skorch.

The same module (DeepCleanCNN), data, batch size and epochs are timed in one run,
the three trainers interleaved repetition by repetition so that the machine's
load affects them alike:

- ``floor``: a hand-written loop over tensors already on the device;
- ``CNNClassifier``: skclean's estimator (validation, label encoding, data moved to
  the device once, batches sliced by index);
- ``skorch``: stock ``skorch.NeuralNetClassifier`` on numpy input (per-item
  DataLoader), shuffling as the others do.

Usage::

    python benchmarks/bench_cnn_speed.py                 # CPU, 10k MNIST rows
    python benchmarks/bench_cnn_speed.py --device cuda --n-train 60000 --full-mnist

``--full-mnist`` (CUDA) also trains DeepCleanNet's full setting (60k rows, 50
epochs) once and reports its time and clean test accuracy. Timings are ratios
measured side by side in one process, so this script measures no memory.

``--mixed-precision`` (bfloat16 autocast) and ``--channels-last`` apply to the
floor and to CNNClassifier alike (stock skorch has neither), and to the full
setting, so that a GPU run tells whether they help and whether accuracy holds.
"""

import contextlib
import statistics
import time

import torch
from skorch import NeuralNetClassifier

from skclean.datasets import load_mnist
from skclean.nets import MLP, CNNClassifier, DeepCleanCNN

try:
    from . import _common
except ImportError:
    import _common

TARGET_OVER_FLOOR = 1.15
TARGET_FULL_ACCURACY = 0.992

MODULES = {
    "cnn": (DeepCleanCNN, {"n_classes": 10, "in_channels": 1, "input_size": 28}),
    "mlp": (MLP, {"n_features": 784, "n_classes": 10}),
}


def _sync(device):
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def train_floor(
    X,
    y,
    *,
    module,
    epochs,
    batch_size,
    lr,
    device,
    seed,
    mixed_precision,
    channels_last,
):
    """The fastest plain loop: data on the device, one permutation per epoch."""
    torch.manual_seed(seed)
    X_t = torch.as_tensor(X, device=device)
    y_t = torch.as_tensor(y, device=device)
    module_class, module_kwargs = MODULES[module]
    module = module_class(**module_kwargs).to(device)
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    module = module.to(memory_format=memory_format)
    precision = (
        torch.autocast(torch.device(device).type, dtype=torch.bfloat16)
        if mixed_precision
        else contextlib.nullcontext()
    )
    optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    module.train()
    n = X_t.shape[0]
    for _ in range(epochs):
        perm = torch.randperm(n, device=device)
        for start in range(0, n, batch_size):
            rows = perm[start : start + batch_size]
            optimizer.zero_grad()
            with precision:
                logits = module(X_t[rows].contiguous(memory_format=memory_format))
            loss = loss_fn(logits.float(), y_t[rows])
            loss.backward()
            optimizer.step()
    _sync(device)
    return module


def train_cnnclassifier(
    X,
    y,
    *,
    module,
    epochs,
    batch_size,
    lr,
    device,
    seed,
    mixed_precision,
    channels_last,
):
    clf = CNNClassifier(
        MODULES[module][0],
        max_epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        device=device,
        random_state=seed,
        mixed_precision=mixed_precision,
        channels_last=channels_last,
    )
    clf.fit(X, y)
    _sync(device)
    return clf


def train_stock_skorch(X, y, *, module, epochs, batch_size, lr, device, seed, **_):
    torch.manual_seed(seed)
    module_class, module_kwargs = MODULES[module]
    net = NeuralNetClassifier(
        module_class,
        **{f"module__{key}": value for key, value in module_kwargs.items()},
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=lr,
        max_epochs=epochs,
        batch_size=batch_size,
        train_split=None,
        iterator_train__shuffle=True,
        device=device,
        verbose=0,
    )
    net.fit(X, y)
    _sync(device)
    return net


TRAINERS = {
    "floor": train_floor,
    "CNNClassifier": train_cnnclassifier,
    "skorch": train_stock_skorch,
}


def measure_speed(X, y, settings, repeats, trainers=None):
    """Seconds per epoch of every trainer, interleaved repetition by repetition.

    ``trainers`` maps names to training functions (default: this script's).
    """
    trainers = TRAINERS if trainers is None else trainers
    # Warm-up (allocations, kernels, lazy imports) before anything is timed.
    for trainer in trainers.values():
        trainer(X[:512], y[:512], **{**settings, "epochs": 1})
    seconds = {name: [] for name in trainers}
    for _ in range(repeats):
        for name, trainer in trainers.items():
            start = time.perf_counter()
            trainer(X, y, **settings)
            seconds[name].append((time.perf_counter() - start) / settings["epochs"])
    return seconds


def speed_summary(seconds):
    """Median seconds per epoch and the two ratios the targets are about."""
    per_epoch = {name: statistics.median(values) for name, values in seconds.items()}
    ratio_floor = per_epoch["CNNClassifier"] / per_epoch["floor"]
    return {
        "seconds_per_epoch": seconds,
        "median_seconds_per_epoch": per_epoch,
        "CNNClassifier_over_floor": ratio_floor,
        "skorch_over_CNNClassifier": per_epoch["skorch"] / per_epoch["CNNClassifier"],
        "targets": [
            {
                "target": f"CNNClassifier / hand-written loop <= {TARGET_OVER_FLOOR}",
                "result": f"{ratio_floor:.3f}",
                "met": ratio_floor <= TARGET_OVER_FLOOR,
            }
        ],
    }


def train_full_mnist(data, settings, epochs=50):
    """DeepCleanNet's full setting once: seconds and clean test accuracy."""
    X_train, X_test, y_train, y_test = data
    start = time.perf_counter()
    clf = train_cnnclassifier(X_train, y_train, **{**settings, "epochs": epochs})
    return {
        "epochs": epochs,
        "seconds": time.perf_counter() - start,
        "test_accuracy": float(clf.score(X_test, y_test)),
        "target_test_accuracy": TARGET_FULL_ACCURACY,
    }


def to_markdown(result, settings, full):
    per_epoch = result["median_seconds_per_epoch"]
    table = [
        {
            "trainer": name,
            "seconds per epoch": per_epoch[name],
            "relative to floor": per_epoch[name] / per_epoch["floor"],
        }
        for name in TRAINERS
    ]
    lines = [
        f"{settings['n_train']} MNIST rows as 1x28x28 images, module "
        f"{MODULES[settings['module']][0].__name__}, Adam lr 1e-3, batch "
        f"{settings['batch_size']}, {settings['epochs']} epochs, median of "
        f"{settings['repeats']} interleaved repeats, seed {settings['seed']}, mixed "
        f"precision {settings['mixed_precision']}, channels last "
        f"{settings['channels_last']}.",
        "",
        _common.markdown_table(table, floatfmt=".3f"),
        "",
        f"CNNClassifier / floor = {result['CNNClassifier_over_floor']:.3f} (target <= "
        f"{TARGET_OVER_FLOOR}: {_common.verdict(result['targets'][0]['met'])}); stock "
        f"skorch / CNNClassifier = {result['skorch_over_CNNClassifier']:.2f}.",
    ]
    if full:
        lines.append(
            f"\nDeepCleanNet full MNIST setting ({full['epochs']} epochs): "
            f"{full['seconds']:.1f} s, clean test accuracy {full['test_accuracy']:.4f} "
            f"(expected >= {TARGET_FULL_ACCURACY})."
        )
    return "\n".join(lines)


def parse_args(argv=None):
    parser = _common.base_parser(__doc__)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--module", choices=sorted(MODULES), default="cnn")
    parser.add_argument("--n-train", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--full-mnist", action="store_true")
    parser.add_argument("--mixed-precision", action="store_true")
    parser.add_argument("--channels-last", action="store_true")
    parser.add_argument("--name", default=None, help="results file name")
    args = parser.parse_args(argv)
    if args.smoke:
        args.n_train, args.epochs, args.repeats = 256, 1, 1
    return args


def trainer_settings(args, device):
    """What every trainer gets: module, epochs, batch size, device and options."""
    return dict(
        module=args.module,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=1e-3,
        device=device,
        seed=args.seed,
        mixed_precision=args.mixed_precision,
        channels_last=args.channels_last,
    )


def full_mnist_target(full):
    return {
        "target": "DeepCleanNet setting, clean labels: test accuracy >= "
        f"{TARGET_FULL_ACCURACY}",
        "result": f"{full['test_accuracy']:.4f}",
        "met": full["test_accuracy"] >= TARGET_FULL_ACCURACY,
    }


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = _common.resolve_device(args.device)
    settings = trainer_settings(args, device)
    suffix = "_bf16" * args.mixed_precision + "_channels_last" * args.channels_last
    name = args.name or f"speed_{args.module}_{device.split(':')[0]}{suffix}"
    record = {**settings, "n_train": args.n_train, "repeats": args.repeats}
    title = f"CNNClassifier training speed, {args.module} ({device})"
    run = _common.Run(
        name, title, record, device=device, out=args.out, measures_memory=False
    )
    data = load_mnist(return_X_y=True, as_images=True)
    X, y = data[0][: args.n_train], data[2][: args.n_train]
    result = speed_summary(measure_speed(X, y, settings, args.repeats))
    full = train_full_mnist(data, settings) if args.full_mnist else None
    if full:
        result["deepcleannet_full_mnist"] = full
        result["targets"].append(full_mnist_target(full))
    run.write(result, to_markdown(result, record, full))
    return result


if __name__ == "__main__":
    main()
