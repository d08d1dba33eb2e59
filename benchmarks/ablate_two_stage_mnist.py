"""What each choice of the two-stage MNIST benchmark is worth: an ablation of stage 2.

The full setting of ``bench_two_stage_mnist.py`` (54k rows, the MLP, 40 epochs,
one seed), at symmetric noise 0.2 and without noise. Stage 1 is fitted once per
noise setting (``ConfidenceRankFilter(mode="unlabel", cv=None)`` on the MLP
trained on the noisy labels); each variant then trains stage 2 with one setting
changed from the benchmark's (``_common.mlp_stage2_params``):

- ``translate=0``: Gaussian input noise and dropout only, the perturbations
  Ding et al. name for their MLP;
- ``noise_std=0``: no Gaussian input noise;
- ``unsupervised_weight=0``: no consistency term (supervised on the kept labels,
  plus the perturbations as augmentation);
- ``unsupervised_weight=100``: Laine & Aila's weight;
- ``lr=3e-4``: a fine-tuning learning rate instead of training again from 1e-3;
- ``pretrained=None``: stage 2 starts from a fresh network, not from stage 1's;
- ``threshold=0.5``: stage 1 keeps more labels (the same probabilities).

Two rows train stage 1's network alone: as in the benchmark (dropout 0.2), and
with dropout 0.5 (Laine & Aila's rate, the MLP's earlier default).

Usage::

    python benchmarks/ablate_two_stage_mnist.py --n-jobs 2
"""

import argparse
import time

from _common import machine_info, mlp_params, mlp_stage2_params, write_results
from joblib import Parallel, delayed
from sklearn.model_selection import train_test_split

from skclean.datasets import load_mnist
from skclean.filters import ConfidenceRankFilter
from skclean.nets import CNNClassifier, PiModelClassifier
from skclean.noise import flip_labels

EPOCHS = 40
NOISE = {
    "symmetric 0.2": {"kind": "symmetric", "rate": 0.2},
    "p=0": None,
}
VARIANTS = {
    "benchmark setting": {},
    "translate=0": {"translate": 0},
    "noise_std=0": {"noise_std": 0.0},
    "unsupervised_weight=0": {"unsupervised_weight": 0.0},
    "unsupervised_weight=100": {"unsupervised_weight": 100.0},
    "lr=3e-4": {"lr": 3e-4},
    "pretrained=None": {"pretrained": None},
}
STAGE1 = "stage 1 alone (CE on the noisy labels)"
DROPOUT = "stage 1 alone, dropout 0.5"


def fit_variant(name, params, X, labels, X_test, y_test, n_jobs):
    """Fit one row; ``params`` are PiModelClassifier or (for CE rows) CNN params."""
    import torch

    if n_jobs != 1:
        torch.set_num_threads(1)
    start = time.perf_counter()
    if name == DROPOUT:
        model = CNNClassifier(**params).fit(X, labels)
    else:
        model = PiModelClassifier(**params).fit(X, labels)
    return name, {
        "accuracy": 100 * float(model.score(X_test, y_test)),
        "kept_fraction": float((labels >= 0).mean()),
        "fit_seconds": time.perf_counter() - start,
    }


def ablate(setting, seed, X, y, X_test, y_test, n_jobs):
    noise = NOISE[setting]
    y_noisy = y if noise is None else flip_labels(y, random_state=seed, **noise)
    stage1 = ConfidenceRankFilter(
        mode="unlabel",
        estimator=CNNClassifier(random_state=seed, **mlp_params(EPOCHS)),
        cv=None,
        random_state=seed,
    )
    _, y_kept = stage1.fit_resample(X, y_noisy)
    rows = {
        STAGE1: {
            "accuracy": 100 * float(stage1.estimator_.score(X_test, y_test)),
            "kept_fraction": float((y_kept >= 0).mean()),
        }
    }
    print(setting, rows, flush=True)
    loose = ConfidenceRankFilter(mode="unlabel", threshold=0.5)
    _, y_loose = loose.fit_resample(X, y_noisy, y_proba=stage1.y_proba_)
    base = {
        **mlp_stage2_params(EPOCHS),
        "pretrained": stage1.estimator_,
        "random_state": seed,
    }
    jobs = [(name, {**base, **params}, y_kept) for name, params in VARIANTS.items()]
    jobs.append(("threshold=0.5", base, y_loose))
    jobs.append(
        (
            DROPOUT,
            {**mlp_params(EPOCHS), "module__dropout": 0.5, "random_state": seed},
            y_noisy,
        )
    )
    done = Parallel(n_jobs=n_jobs)(
        delayed(fit_variant)(name, params, X, labels, X_test, y_test, n_jobs)
        for name, params, labels in jobs
    )
    for name, row in done:
        print(setting, name, row, flush=True)
        rows[name] = row
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--settings", nargs="+", choices=list(NOISE), default=list(NOISE)
    )
    parser.add_argument("--n-jobs", type=int, default=1)
    args = parser.parse_args()
    seed = args.seed

    X_all, X_test, y_all, y_test = load_mnist(return_X_y=True)
    X, _, y, _ = train_test_split(
        X_all, y_all, test_size=0.1, stratify=y_all, random_state=seed
    )
    start_all = time.perf_counter()
    results = {
        setting: ablate(setting, seed, X, y, X_test, y_test, args.n_jobs)
        for setting in args.settings
    }
    payload = {
        "machine": machine_info("cpu"),
        "settings": {
            "seed": seed,
            "epochs": EPOCHS,
            "n_train": len(X),
            "noise": args.settings,
            "n_jobs": args.n_jobs,
            "stage2": repr(mlp_stage2_params(EPOCHS)),
        },
        "results": results,
        "total_seconds": time.perf_counter() - start_all,
    }
    names = list(next(iter(results.values())))
    lines = [
        "# Two-stage ablation, MNIST (full size, one seed)",
        "",
        f"Generated by `{payload['machine']['command']}`; do not edit by hand. "
        f"{len(X)} training rows, MLP, {EPOCHS} epochs, seed {seed}; stage 2 "
        "starts from stage 1's network with one setting changed per row (the "
        "benchmark's: `_common.mlp_stage2_params`). Clean test accuracy (%), and "
        "in brackets the fraction of rows whose label stage 1 kept. Total "
        f"{payload['total_seconds'] / 60:.1f} min on {payload['machine']['cpu_count']} "
        "CPU cores.",
        "",
        "| variant | " + " | ".join(results) + " |",
        "| --- |" + " ---: |" * len(results),
    ]
    for name in names:
        cells = [
            f"{results[s][name]['accuracy']:.2f} ({results[s][name]['kept_fraction']:.3f})"
            for s in results
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    write_results("two_stage_ablation", payload, "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
