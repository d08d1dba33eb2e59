"""Training speed of PiModelClassifier against a hand-written Pi-model loop.

Both train the same module on the same data for the same epochs, in one
process, interleaved repetition by repetition so that the machine's load
affects them alike:

- ``loop``: a hand-written Pi-model loop (Laine & Aila, 2017) over tensors
  already on the device: the same half-labelled, half-unlabelled batches
  (``skclean.nets._data.SemiSupervisedBatches``), two passes per batch under
  the same perturbations (Gaussian noise 0.15, dropout, random translations
  as ``translate="auto"``), cross-entropy on the labelled rows plus the
  ramped-up weight times the mean squared difference of the two softmax
  outputs, Adam;
- ``PiModelClassifier``: ``PiModelClassifier(module, ensemble="pi")`` with
  the same weight, ramp-up, batch size and learning rate, timed over the
  whole ``fit`` (validation, label encoding and the move to the device
  included), ``verbose=0``.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_pi_speed.py --module mlp
    OMP_NUM_THREADS=1 python benchmarks/bench_pi_speed.py --module cnn --n-train 2000

Timings are ratios measured side by side; no memory is measured.
"""

import statistics

import numpy as np
import torch
import torch.nn.functional as F

from skclean.datasets import load_mnist
from skclean.nets import MLP, DeepCleanCNN, PiModelClassifier
from skclean.nets._data import DeviceDataset, SemiSupervisedBatches
from skclean.nets._pi_model import translate
from skclean.nets.callbacks import gaussian_rampup, schedule_epochs

try:
    from . import _common, bench_cnn_speed
except ImportError:
    import _common
    import bench_cnn_speed

TARGET_OVER_LOOP = 1.1
MODULES = {
    "cnn": (DeepCleanCNN, {"n_classes": 10, "in_channels": 1, "input_size": 28}),
    "mlp": (MLP, {"n_features": 784, "n_classes": 10}),
}
SHIFT = 2  # translate="auto" on 28x28 images
W_MAX = 100.0
NOISE_STD = 0.15
RAMPUP = 0.25


def train_loop(X, y, *, module, epochs, batch_size, lr, device, seed):
    """The Pi-model written out by hand: the floor for the estimator."""
    torch.manual_seed(seed)
    module_class, module_kwargs = MODULES[module]
    net = module_class(**module_kwargs).to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    data = DeviceDataset(X, y, device=device)
    generator = torch.Generator(device=device).manual_seed(seed)
    batches = SemiSupervisedBatches(
        data, None, batch_size, generator=generator, balance_classes=True
    )
    weight_max = W_MAX * float(np.mean(y == -1))
    ramp = schedule_epochs(RAMPUP, epochs)

    def perturb(Xb):
        Xb = translate(Xb, SHIFT)
        return Xb + NOISE_STD * torch.randn_like(Xb)

    net.train()
    for epoch in range(epochs):
        weight = weight_max * gaussian_rampup(epoch, ramp)
        for inputs, yb in batches:
            Xb = inputs["X"]
            optimizer.zero_grad()
            logits = net(perturb(Xb))
            labeled = yb != -1
            loss = F.cross_entropy(logits[labeled], yb[labeled])
            probs = torch.softmax(logits, dim=1)
            other = torch.softmax(net(perturb(Xb)), dim=1)
            loss = loss + weight * F.mse_loss(probs, other)
            loss.backward()
            optimizer.step()
    bench_cnn_speed._sync(device)
    return net


def train_estimator(X, y, *, module, epochs, batch_size, lr, device, seed):
    clf = PiModelClassifier(
        MODULES[module][0],
        ensemble="pi",
        unsupervised_weight=W_MAX,
        rampup_epochs=RAMPUP,
        noise_std=NOISE_STD,
        max_epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        device=device,
        random_state=seed,
        verbose=0,
    )
    clf.fit(X, y)
    bench_cnn_speed._sync(device)
    return clf


TRAINERS = {"loop": train_loop, "PiModelClassifier": train_estimator}


def measure_speed(X, y, settings, repeats):
    """Seconds per epoch of both trainers, interleaved repetition by repetition."""
    return bench_cnn_speed.measure_speed(X, y, settings, repeats, trainers=TRAINERS)


def summary(seconds):
    per_epoch = {name: statistics.median(values) for name, values in seconds.items()}
    ratio = per_epoch["PiModelClassifier"] / per_epoch["loop"]
    return {
        "seconds_per_epoch": seconds,
        "median_seconds_per_epoch": per_epoch,
        "PiModelClassifier_over_loop": ratio,
        "targets": [
            {
                "target": "PiModelClassifier / hand-written loop <= "
                f"{TARGET_OVER_LOOP}",
                "result": f"{ratio:.3f}",
                "met": ratio <= TARGET_OVER_LOOP,
            }
        ],
    }


def to_markdown(result, record):
    per_epoch = result["median_seconds_per_epoch"]
    table = [
        {
            "trainer": name,
            "seconds per epoch": per_epoch[name],
            "relative to the loop": per_epoch[name] / per_epoch["loop"],
        }
        for name in TRAINERS
    ]
    ratio = result["PiModelClassifier_over_loop"]
    return "\n".join(
        [
            f"{record['n_train']} MNIST rows as 1x28x28 images, {record['n_labeled']} "
            f"labelled (the rest -1), module {MODULES[record['module']][0].__name__}, "
            f"Pi-model, Adam lr 1e-3, batches of {record['batch_size']} (half "
            f"labelled), {record['epochs']} epochs, median of {record['repeats']} "
            f"interleaved repeats, seed {record['seed']}.",
            "",
            _common.markdown_table(table, floatfmt=".3f"),
            "",
            f"PiModelClassifier / hand-written loop = {ratio:.3f} (target <= "
            f"{TARGET_OVER_LOOP}: {_common.verdict(result['targets'][0]['met'])}).",
        ]
    )


def parse_args(argv=None):
    parser = _common.base_parser(__doc__)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--module", choices=sorted(MODULES), default="mlp")
    parser.add_argument("--n-train", type=int, default=10_000)
    parser.add_argument("--n-labeled", type=int, default=400)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.smoke:
        args.n_train, args.n_labeled, args.epochs, args.repeats = 600, 100, 1, 1
    return args


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    device = _common.resolve_device(args.device)
    settings = dict(
        module=args.module,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=1e-3,
        device=device,
        seed=args.seed,
    )
    record = {
        **settings,
        "n_train": args.n_train,
        "n_labeled": args.n_labeled,
        "repeats": args.repeats,
        "unsupervised_weight": W_MAX,
        "rampup_epochs": RAMPUP,
        "noise_std": NOISE_STD,
    }
    smoke = "_smoke" if args.smoke else ""
    run = _common.Run(
        f"pi_speed_{args.module}_{device.split(':')[0]}{smoke}",
        f"PiModelClassifier training speed, {args.module} ({device})",
        record,
        device=device,
        out=args.out,
        measures_memory=False,
    )
    X, _, y, _ = load_mnist(return_X_y=True, as_images=True)
    X, y = X[: args.n_train], y[: args.n_train].copy()
    rng = np.random.RandomState(args.seed)
    y[rng.permutation(len(y))[args.n_labeled :]] = -1
    result = summary(measure_speed(X, y, settings, args.repeats))
    run.write(result, to_markdown(result, record))
    return result


if __name__ == "__main__":
    main()
