"""Peak memory of the filters and nets on 60k x 784 MNIST, and batched prediction.

Each step runs in a fresh process after the data is loaded there
(``_common.run_fresh``); its peak resident memory above the level just before
the step is divided by the size of X (60,000 x 784 float32, about 188 MB).
Target: < 3x the data size for the filters. Then a CNNClassifier(module=MLP)
predicts 1,000,000 rows on the CPU: prediction moves one batch at a time, so
its extra memory stays far below the data size.

Usage::

    python benchmarks/bench_memory.py
"""

import functools

import numpy as np

from skclean import CNNClassifier, ConfidenceRankFilter, KMeansLabelFilter, flip_labels
from skclean.datasets import load_mnist
from skclean.nets import MLP

try:
    from . import _common
except ImportError:
    import _common

TARGET_FILTER_FACTOR = 3.0
STEPS = (
    "KMeansLabelFilter().fit_resample",
    "KMeansLabelFilter(mode='unlabel').fit_resample",
    "ConfidenceRankFilter().fit_resample",
    "CNNClassifier(MLP).fit",
    "CNNClassifier(DeepCleanCNN).fit, 1 epoch",
)


def load_data(n_rows):
    """MNIST training rows with symmetric 0.5 noise (all 60,000 by default)."""
    X, _, y, _ = load_mnist(return_X_y=True)
    X, y = X[:n_rows], y[:n_rows]
    return X, flip_labels(y, kind="symmetric", rate=0.5, random_state=0)


def run_step(data, name, epochs):
    """One measured step; returns nothing large (the fitted object stays here)."""
    X, y = data
    steps = {
        STEPS[0]: lambda: KMeansLabelFilter(random_state=0).fit_resample(X, y),
        STEPS[1]: lambda: KMeansLabelFilter(
            mode="unlabel", random_state=0
        ).fit_resample(X, y),
        STEPS[2]: lambda: ConfidenceRankFilter(random_state=0).fit_resample(X, y),
        STEPS[3]: lambda: CNNClassifier(
            module=MLP, max_epochs=epochs, random_state=0
        ).fit(X, y),
        STEPS[4]: lambda: CNNClassifier(max_epochs=1, random_state=0).fit(X, y),
    }
    steps[name]()
    return int(X.nbytes)


def load_predictor(n_rows):
    """A small trained MLP and ``n_rows`` random rows to predict."""
    X, y = load_data(5000)
    clf = CNNClassifier(module=MLP, max_epochs=1, random_state=0).fit(X, y)
    return clf, np.random.default_rng(0).random((n_rows, 784), dtype=np.float32)


def run_predict(data):
    clf, X_big = data
    proba = clf.predict_proba(X_big)
    return {"rows": len(X_big), "X_bytes": X_big.nbytes, "output_bytes": proba.nbytes}


def measure(n_rows, epochs, predict_rows):
    """Every step and the batched prediction, each in its own process."""
    rows = []
    for name in STEPS:
        x_bytes, stats = _common.run_fresh(
            run_step, name, epochs, setup=functools.partial(load_data, n_rows)
        )
        factor = stats["peak_above_start_mib"] * 2**20 / x_bytes
        target = ""
        if "Filter" in name:
            target = f"< {TARGET_FILTER_FACTOR:g}x: " + _common.verdict(
                factor < TARGET_FILTER_FACTOR
            )
        rows.append({"step": name, **stats, "x size of X": factor, "target": target})
        print(rows[-1], flush=True)
    predict, stats = _common.run_fresh(
        run_predict, setup=functools.partial(load_predictor, predict_rows)
    )
    return rows, {**predict, **stats}


def to_markdown(rows, predict, x_mib):
    mib = 2**20
    return "\n".join(
        [
            f"X is {x_mib:.0f} MiB. Peak above start includes libraries' work "
            "buffers (BLAS, OpenMP, torch), not only copies of X.",
            "",
            _common.markdown_table(rows),
            "",
            f"Batched prediction: {predict['rows']:,} rows "
            f"({predict['X_bytes'] / mib:.0f} MiB of X) predicted in "
            f"{predict['seconds']:.1f} s with {predict['peak_above_start_mib']:.0f} "
            "MiB of peak memory above the level before the step (the output itself "
            f"is {predict['output_bytes'] / mib:.0f} MiB).",
        ]
    )


def main(argv=None):
    parser = _common.base_parser(__doc__)
    parser.add_argument("--predict-rows", type=int, default=1_000_000)
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args(argv)
    n_rows = 2_000 if args.smoke else 60_000
    predict_rows = 10_000 if args.smoke else args.predict_rows
    run = _common.Run(
        "memory_smoke" if args.smoke else "memory",
        "Peak memory on MNIST (CPU)",
        {
            "mode": "smoke" if args.smoke else "full",
            "n_rows": n_rows,
            "epochs": args.epochs,
            "predict_rows": predict_rows,
        },
        out=args.out,
    )
    rows, predict = measure(n_rows, args.epochs, predict_rows)
    x_mib = n_rows * 784 * 4 / 2**20
    targets = [
        {
            "target": f"{r['step']}: peak above start < {TARGET_FILTER_FACTOR:g}x X",
            "result": f"{r['x size of X']:.2f}x",
            "met": r["x size of X"] < TARGET_FILTER_FACTOR,
        }
        for r in rows
        if "Filter" in r["step"]
    ]
    payload = {"steps": rows, "predict": predict, "targets": targets}
    run.write(payload, to_markdown(rows, predict, x_mib))


if __name__ == "__main__":
    main()
