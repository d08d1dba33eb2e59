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
epochs) once and reports its time and clean test accuracy.

``--mixed-precision`` (bfloat16 autocast) and ``--channels-last`` apply to the
floor and to CNNClassifier alike (stock skorch has neither), and to the full
setting, so that a GPU run tells whether they help and whether accuracy holds.
"""

import argparse
import contextlib
import statistics
import time

import torch
from _common import machine_info, write_results
from skorch import NeuralNetClassifier

from skclean.datasets import load_mnist
from skclean.nets import MLP, CNNClassifier, DeepCleanCNN

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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    X_train, X_test, y_train, y_test = load_mnist(return_X_y=True, as_images=True)
    X, y = X_train[: args.n_train], y_train[: args.n_train]
    settings = dict(
        module=args.module,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=1e-3,
        device=args.device,
        seed=args.seed,
        mixed_precision=args.mixed_precision,
        channels_last=args.channels_last,
    )

    # Warm-up (allocations, kernels, lazy imports) before anything is timed.
    for trainer in TRAINERS.values():
        trainer(X[:512], y[:512], **{**settings, "epochs": 1})

    seconds = {name: [] for name in TRAINERS}
    for _ in range(args.repeats):
        for name, trainer in TRAINERS.items():
            start = time.perf_counter()
            trainer(X, y, **settings)
            seconds[name].append((time.perf_counter() - start) / args.epochs)

    per_epoch = {name: statistics.median(values) for name, values in seconds.items()}
    ratio_floor = per_epoch["CNNClassifier"] / per_epoch["floor"]
    ratio_skorch = per_epoch["skorch"] / per_epoch["CNNClassifier"]
    payload = {
        "machine": machine_info(args.device),
        "settings": {**settings, "n_train": len(X), "repeats": args.repeats},
        "seconds_per_epoch": seconds,
        "median_seconds_per_epoch": per_epoch,
        "CNNClassifier_over_floor": ratio_floor,
        "skorch_over_CNNClassifier": ratio_skorch,
        "target_CNNClassifier_over_floor": 1.15,
        "target_met": ratio_floor <= 1.15,
    }

    full = None
    if args.full_mnist:
        start = time.perf_counter()
        clf = CNNClassifier(
            max_epochs=50,
            batch_size=256,
            lr=1e-3,
            device=args.device,
            random_state=args.seed,
            mixed_precision=args.mixed_precision,
            channels_last=args.channels_last,
        ).fit(X_train, y_train)
        _sync(args.device)
        full = {
            "seconds": time.perf_counter() - start,
            "test_accuracy": float(clf.score(X_test, y_test)),
            "target_test_accuracy": 0.992,
        }
        payload["deepcleannet_full_mnist"] = full

    machine = payload["machine"]
    device_name = machine.get("device_name", machine["processor"])
    lines = [
        f"# CNNClassifier training speed, {args.module} ({args.device}: {device_name})",
        "",
        f"Command: `{machine['command']}`  ",
        f"{len(X)} MNIST rows as 1x28x28 images, module {MODULES[args.module][0].__name__}, Adam lr 1e-3, batch "
        f"{args.batch_size}, {args.epochs} epochs, median of {args.repeats} interleaved "
        f"repeats, torch threads {machine.get('torch_threads')}, seed {args.seed}, "
        f"mixed precision {args.mixed_precision}, channels last {args.channels_last}.",
        "",
        "| trainer | seconds per epoch | relative to floor |",
        "| --- | ---: | ---: |",
    ]
    for name in TRAINERS:
        lines.append(
            f"| {name} | {per_epoch[name]:.3f} | {per_epoch[name] / per_epoch['floor']:.3f}x |"
        )
    verdict = "met" if ratio_floor <= 1.15 else "NOT met"
    lines += [
        "",
        f"CNNClassifier / floor = {ratio_floor:.3f} (target <= 1.15: {verdict}); "
        f"stock skorch / CNNClassifier = {ratio_skorch:.2f}.",
    ]
    if full:
        lines.append(
            f"\nDeepCleanNet full MNIST setting (60k rows, 50 epochs): "
            f"{full['seconds']:.1f} s, clean test accuracy {full['test_accuracy']:.4f} "
            "(expected >= 0.992)."
        )
    suffix = "_bf16" * args.mixed_precision + "_channels_last" * args.channels_last
    name = args.name or f"speed_{args.module}_{args.device.split(':')[0]}{suffix}"
    write_results(name, payload, "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
