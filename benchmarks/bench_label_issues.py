"""Benchmark skclean's label audit against cleanlab on the same probabilities.

For each noise setting (symmetric 0.2 and 0.5, pairflip 0.45, asymmetric
"ding2018" 0.2 and 0.6) and seed, the benchmark's MLP (784-128-128-10,
``skclean.nets.CNNClassifier(module=MLP)``: Adam
1e-3 annealed to 0, batches of 128) gives 5-fold out-of-fold probabilities on
the noisy MNIST training labels, trained for only a few epochs (3 by default)
so that a run fits in about half an hour on one CPU core. On those same
probabilities it compares:

- the suspected-wrong mask of :func:`skclean.audit.find_label_issues` and of
  ``cleanlab.filter.find_label_issues`` (each method against its namesake):
  precision, recall and F1 against the rows whose label was flipped;
- the label-quality scores of :func:`skclean.audit.label_quality_scores` and
  ``cleanlab.rank.get_label_quality_scores`` (same method names): AUROC with
  "label is wrong" as the positive class and ``-score`` as its score;
- the noise matrix estimate of :func:`skclean.audit.estimate_noise_matrix` and
  cleanlab's (``cleanlab.count.estimate_py_and_noise_matrices_from_probabilities``,
  transposed to skclean's layout): largest absolute entry error against
  :func:`skclean.noise.transition_matrix` of the setting;
- the wall time of both ``find_label_issues`` on the same probabilities
  (cleanlab with ``n_jobs=1``, best of 3, interleaved).

Once per run it also times ``find_label_issues`` from ``X`` alone (the default
estimator, StandardScaler -> PCA(50) -> LogisticRegression, 5 folds) against
``cleanlab.classification.CleanLearning(clf).find_label_issues(X, labels)``
with the same estimator and 5 shuffled stratified folds of the same seed, on
``--x-only-rows`` rows.

Usage::

    nice -n 10 python benchmarks/bench_label_issues.py            # 60,000 rows
    python benchmarks/bench_label_issues.py --n-rows 5000 --seeds 0 --epochs 1

Results go to ``benchmarks/results/label_issues.json`` and ``label_issues.md``
(``label_issues_<n>.*`` with another ``--n-rows``). Torch and BLAS use one
thread. Out-of-fold probabilities are cached in ``--cache-dir`` so that the
comparison can be rerun without training.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import precision_recall_fscore_support, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from threadpoolctl import threadpool_limits

from skclean.audit import (
    estimate_noise_matrix,
    find_label_issues,
    label_quality_scores,
)
from skclean.datasets import load_mnist
from skclean.nets import MLP, CNNClassifier
from skclean.noise import flip_labels, transition_matrix

RESULTS = Path(__file__).resolve().parent / "results"
SETTINGS = [
    {"kind": "symmetric", "rate": 0.2, "pairs": None},
    {"kind": "symmetric", "rate": 0.5, "pairs": None},
    {"kind": "pairflip", "rate": 0.45, "pairs": None},
    {"kind": "asymmetric", "rate": 0.2, "pairs": "ding2018"},
    {"kind": "asymmetric", "rate": 0.6, "pairs": "ding2018"},
]
# skclean method -> cleanlab filter_by of the same rule.
MASK_METHODS = {
    "prune_by_noise_rate": "prune_by_noise_rate",
    "prune_by_class": "prune_by_class",
    "both": "both",
    "confident_joint": "confident_learning",
    "predicted_neq_given": "predicted_neq_given",
}
SCORE_METHODS = ("self_confidence", "normalized_margin", "confidence_weighted_entropy")
N_FOLDS = 5
TIME_REPEATS = 3
X_ONLY_REPEATS = 2


def setting_name(setting):
    return f"{setting['kind']} {setting['rate']}"


# The code a run depends on: a change here makes the run dirty.
WATCHED_PATHS = (
    "skclean/audit",
    "skclean/_probabilities.py",
    "skclean/nets",
    "skclean/noise.py",
    "skclean/datasets",
    "benchmarks/bench_label_issues.py",
)
PACKAGES = ("skclean", "torch", "skorch", "scikit-learn", "numpy", "cleanlab")


def mlp_params(epochs):
    """The benchmark's MLP: Adam 1e-3 annealed to 0 (cosine), batches of 128."""
    from skorch.callbacks import LRScheduler
    from torch.optim.lr_scheduler import CosineAnnealingLR

    return dict(
        module=MLP,
        max_epochs=epochs,
        batch_size=128,
        lr=1e-3,
        callbacks=[("lr_schedule", LRScheduler(CosineAnnealingLR, T_max=epochs))],
    )


def git_state():
    def git(*args):
        return subprocess.run(
            ["git", *args],
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parents[1],
            check=False,
        ).stdout

    changed = git("status", "--porcelain", "--", *WATCHED_PATHS).splitlines()
    return {
        "commit": git("rev-parse", "HEAD").strip(),
        "dirty": bool(changed),
        "dirty_paths": [line[3:] for line in changed],
    }


def machine_info():
    info = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": " ".join(["python"] + sys.argv),
        "versions": {},
    }
    for package in PACKAGES:
        try:
            info["versions"][package] = version(package)
        except PackageNotFoundError:
            pass
    return info


def oof_proba(X, y_noisy, seed, epochs, cache):
    """5-fold out-of-fold probabilities of the MLP and the seconds they took.

    A cache file keeps both, so a rerun reports the time of the training run.
    """
    if cache is not None and cache.exists():
        stored = np.load(cache)
        return stored["proba"], float(stored["seconds"])
    torch.manual_seed(seed)
    net = CNNClassifier(random_state=seed, device="cpu", **mlp_params(epochs))
    folds = StratifiedKFold(N_FOLDS, shuffle=True, random_state=seed)
    start = time.perf_counter()
    proba = cross_val_predict(net, X, y_noisy, cv=folds, method="predict_proba")
    seconds = time.perf_counter() - start
    proba = proba.astype(np.float64)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(cache, proba=proba, seconds=seconds)
    return proba, seconds


def mask_metrics(mask, wrong):
    p, r, f, _ = precision_recall_fscore_support(
        wrong, mask, average="binary", zero_division=0
    )
    return {
        "precision": float(p),
        "recall": float(r),
        "f1": float(f),
        "n_flagged": int(mask.sum()),
    }


def best_time(function, repeats=TIME_REPEATS):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def compare(y_noisy, y_clean, proba, setting):
    """Every comparison on one set of probabilities."""
    import cleanlab.count
    import cleanlab.filter
    import cleanlab.rank

    wrong = y_noisy != y_clean
    out = {"noise_rate_realised": float(wrong.mean()), "mask": {}, "auroc": {}}
    for ours, theirs in MASK_METHODS.items():
        out["mask"][ours] = {
            "skclean": mask_metrics(
                find_label_issues(y_noisy, y_proba=proba, method=ours), wrong
            ),
            "cleanlab": mask_metrics(
                cleanlab.filter.find_label_issues(
                    y_noisy, proba, filter_by=theirs, n_jobs=1
                ),
                wrong,
            ),
        }
    for method in SCORE_METHODS:
        ours = label_quality_scores(y_noisy, proba, method=method)
        theirs = cleanlab.rank.get_label_quality_scores(y_noisy, proba, method=method)
        out["auroc"][method] = {
            "skclean": float(roc_auc_score(wrong, -ours)),
            "cleanlab": float(roc_auc_score(wrong, -theirs)),
        }
    true_T = transition_matrix(
        10, kind=setting["kind"], rate=setting["rate"], pairs=setting["pairs"]
    )
    realised = np.zeros((10, 10))
    np.add.at(realised, (y_clean, y_noisy), 1.0)
    realised /= realised.sum(axis=1, keepdims=True)
    _, nm, _, _ = cleanlab.count.estimate_py_and_noise_matrices_from_probabilities(
        y_noisy, proba
    )
    estimates = {
        "skclean (confident_joint)": estimate_noise_matrix(y_noisy, proba),
        "skclean (anchor_points)": estimate_noise_matrix(
            y_noisy, proba, method="anchor_points"
        ),
        "cleanlab": nm.T,  # cleanlab: [given, true]
    }
    out["noise_matrix_max_abs_error"] = {
        name: float(np.abs(T - true_T).max()) for name, T in estimates.items()
    }
    out["noise_matrix_max_abs_error_vs_realised"] = {
        name: float(np.abs(T - realised).max()) for name, T in estimates.items()
    }
    ours_s, theirs_s = [], []
    for _ in range(TIME_REPEATS):  # interleaved
        ours_s.append(best_time(lambda: find_label_issues(y_noisy, y_proba=proba), 1))
        theirs_s.append(
            best_time(
                lambda: cleanlab.filter.find_label_issues(y_noisy, proba, n_jobs=1), 1
            )
        )
    out["time_given_proba_s"] = {"skclean": min(ours_s), "cleanlab": min(theirs_s)}
    return out


def x_only_timing(X, y, seed):
    """find_label_issues from X vs CleanLearning: same estimator, folds, seed."""
    from cleanlab.classification import CleanLearning

    from skclean._probabilities import make_estimator

    folds = StratifiedKFold(N_FOLDS, shuffle=True, random_state=seed)
    estimator = make_estimator(None, X, X.shape[0] * 4 // 5, np.random.RandomState(0))
    ours_s, theirs_s = [], []
    for repeat in range(X_ONLY_REPEATS):  # interleaved, alternating who goes first
        for side in ("ours", "theirs") if repeat % 2 == 0 else ("theirs", "ours"):
            start = time.perf_counter()
            if side == "ours":
                ours = find_label_issues(y, X=X, estimator=estimator, cv=folds)
                ours_s.append(time.perf_counter() - start)
            else:
                issues = CleanLearning(
                    estimator, seed=seed, cv_n_folds=N_FOLDS
                ).find_label_issues(X, y)
                theirs_s.append(time.perf_counter() - start)
    return {
        "n_rows": int(X.shape[0]),
        "estimator": repr(estimator),
        "skclean_s": min(ours_s),
        "cleanlab_s": min(theirs_s),
        "skclean_all_s": ours_s,
        "cleanlab_all_s": theirs_s,
        "n_flagged": {
            "skclean": int(ours.sum()),
            "cleanlab": int(issues["is_label_issue"].sum()),
        },
    }


def mean_std(values, digits=3):
    return f"{np.mean(values):.{digits}f} ± {np.std(values):.{digits}f}"


def side_by_side(runs, title, columns, value):
    """A table section: one row per setting, "skclean / cleanlab" per column."""
    lines = [
        "",
        f"## {title}",
        "",
        "| setting | " + " | ".join(columns) + " |",
        "| --- |" + " ---: |" * len(columns),
    ]
    for name, setting_runs in runs.items():
        cells = []
        for column in columns:
            ours = np.mean([value(r, column, "skclean") for r in setting_runs])
            theirs = np.mean([value(r, column, "cleanlab") for r in setting_runs])
            cells.append(f"{ours:.4f} / {theirs:.4f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def markdown(payload):
    runs, args = payload["runs"], payload["args"]
    lines = [
        "# Label audit: skclean vs cleanlab on the same out-of-fold probabilities",
        "",
        f"`{payload['machine']['command']}` (git {payload['git']['commit'][:7]}"
        f"{', dirty tree' if payload['git']['dirty'] else ''}, "
        f"{payload['machine']['date_utc']}, {payload['machine']['processor']}, "
        "torch and BLAS on 1 thread). "
        f"MNIST training set, {args['n_rows']} rows; out-of-fold probabilities: "
        f"{N_FOLDS}-fold MLP 784-128-128-10 (`CNNClassifier(module=MLP)`, "
        f"Adam 1e-3 cosine-annealed over {args['epochs']} epochs, batch 128), "
        f"seeds {args['seeds']} (seed = noise seed = fold seed = network seed). "
        "Mean ± std over seeds.",
        "",
    ]
    train_s = [r["oof_train_s"] for rs in runs.values() for r in rs]
    lines += [
        f"Training the {len(train_s)} out-of-fold MLPs took {sum(train_s) / 60:.0f} "
        "min in all"
        + (
            " (in an earlier run of the same command, whose cached probabilities "
            "this run read)"
            if any(r.get("oof_from_cache") for rs in runs.values() for r in rs)
            else ""
        )
        + f"; this run took {payload['total_s'] / 60:.1f} min.",
        "",
    ]
    if args["n_rows"] < 60000:
        lines += [
            f"Deviation: {args['n_rows']} rows, not the 60,000 of the targets.",
            "",
        ]
    names = list(runs)
    lines += [
        "## Suspected-wrong mask: F1 (default method, `prune_by_noise_rate`)",
        "",
        "| setting | skclean F1 | cleanlab F1 | skclean precision | cleanlab "
        "precision | skclean recall | cleanlab recall |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in names:
        cells = []
        for key in ("f1", "precision", "recall"):
            for lib in ("skclean", "cleanlab"):
                values = [
                    r["mask"]["prune_by_noise_rate"][lib][key] for r in runs[name]
                ]
                cells.append(mean_std(values, 4))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += side_by_side(
        runs,
        "F1 of every method (skclean / cleanlab's namesake)",
        MASK_METHODS,
        lambda run, method, lib: run["mask"][method][lib]["f1"],
    )
    lines += side_by_side(
        runs,
        "AUROC of the label-quality score (skclean / cleanlab)",
        SCORE_METHODS,
        lambda run, method, lib: run["auroc"][method][lib],
    )
    estimators = list(next(iter(runs.values()))[0]["noise_matrix_max_abs_error"])
    lines += [
        "",
        "## Noise matrix: largest absolute entry error against the setting's matrix",
        "",
        "| setting | " + " | ".join(estimators) + " |",
        "| --- |" + " ---: |" * len(estimators),
    ]
    for name in names:
        cells = [
            mean_std([r["noise_matrix_max_abs_error"][e] for r in runs[name]])
            for e in estimators
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Time of find_label_issues on given probabilities (s, best of 3)",
        "",
        "| setting | skclean | cleanlab (n_jobs=1) | ratio |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name in names:
        ours = np.mean([r["time_given_proba_s"]["skclean"] for r in runs[name]])
        theirs = np.mean([r["time_given_proba_s"]["cleanlab"] for r in runs[name]])
        lines.append(f"| {name} | {ours:.3f} | {theirs:.3f} | {ours / theirs:.2f} |")
    if payload.get("x_only"):
        x = payload["x_only"]
        lines += [
            "",
            f"From X alone ({x['n_rows']} rows, symmetric 0.2, seed "
            f"{args['seeds'][0]}, the default estimator, 5 stratified folds of the "
            f"same seed, best of {X_ONLY_REPEATS} interleaved): skclean "
            f"{x['skclean_s']:.1f} s, cleanlab `CleanLearning` {x['cleanlab_s']:.1f} "
            f"s (ratio {x['skclean_s'] / x['cleanlab_s']:.2f}).",
        ]
    lines += ["", "## Targets", ""] + [f"- {t}" for t in payload["targets"]]
    return "\n".join(lines) + "\n"


def targets(payload):
    runs = payload["runs"]
    out = []
    f1 = {
        n: (
            np.mean([r["mask"]["prune_by_noise_rate"]["skclean"]["f1"] for r in rs]),
            np.mean([r["mask"]["prune_by_noise_rate"]["cleanlab"]["f1"] for r in rs]),
        )
        for n, rs in runs.items()
    }
    worse = [f"{n} by {b - a:.1e}" for n, (a, b) in f1.items() if a < b]
    largest = max(abs(a - b) for a, b in f1.values())
    out.append(
        "F1 of the default mask >= cleanlab's in every setting: "
        + ("**met**" if not worse else f"**not met** (lower in {', '.join(worse)})")
        + f"; the largest difference either way is {largest:.1e}"
    )
    auroc = {
        n: (
            np.mean([r["auroc"]["self_confidence"]["skclean"] for r in rs]),
            np.mean([r["auroc"]["self_confidence"]["cleanlab"] for r in rs]),
        )
        for n, rs in runs.items()
    }
    worse = [f"{n} by {b - a:.1e}" for n, (a, b) in auroc.items() if a < b - 1e-12]
    out.append(
        "AUROC of the default score (self_confidence) >= cleanlab's default in "
        "every setting: "
        + ("**met**" if not worse else f"**not met** (lower in {', '.join(worse)})")
    )
    for name in ("symmetric 0.5", "pairflip 0.45"):
        if name not in runs:
            continue
        err = np.mean(
            [
                r["noise_matrix_max_abs_error"]["skclean (confident_joint)"]
                for r in runs[name]
            ]
        )
        size = payload["args"]["n_rows"]
        status = "**met**" if err <= 0.05 else "**not met**"
        out.append(
            f"Noise-matrix max abs error <= 0.05 at {name} ({size} rows, mean over "
            f"seeds): {status} ({err:.3f})"
        )
    ours = sum(r["time_given_proba_s"]["skclean"] for rs in runs.values() for r in rs)
    theirs = sum(
        r["time_given_proba_s"]["cleanlab"] for rs in runs.values() for r in rs
    )
    out.append(
        "find_label_issues on given probabilities no slower than cleanlab's: "
        + ("**met**" if ours <= theirs else "**not met**")
        + f" (total {ours:.2f} s vs {theirs:.2f} s)"
    )
    if payload.get("x_only"):
        x = payload["x_only"]
        out.append(
            "From X alone no slower than CleanLearning: "
            + ("**met**" if x["skclean_s"] <= x["cleanlab_s"] else "**not met**")
            + f" ({x['skclean_s']:.1f} s vs {x['cleanlab_s']:.1f} s)"
        )
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-rows", type=int, default=60000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--x-only-rows", type=int, default=20000)
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--name", default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)
    name = args.name or (
        "label_issues" if args.n_rows == 60000 else f"label_issues_{args.n_rows}"
    )
    X_all, _, y_all, _ = load_mnist(return_X_y=True)
    if args.n_rows < X_all.shape[0]:
        rows = np.random.RandomState(0).choice(
            X_all.shape[0], args.n_rows, replace=False
        )
        X_all, y_all = X_all[rows], y_all[rows]
    payload = {
        "machine": machine_info(),
        "git": git_state(),
        "args": {
            k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()
        },
        "mlp_params": repr(mlp_params(args.epochs)),
        "runs": {},
    }
    start_all = time.perf_counter()
    with threadpool_limits(1):
        for setting in SETTINGS:
            key = setting_name(setting)
            payload["runs"][key] = []
            for seed in args.seeds:
                y_noisy = flip_labels(
                    y_all,
                    kind=setting["kind"],
                    rate=setting["rate"],
                    pairs=setting["pairs"],
                    random_state=seed,
                )
                cache = None
                if args.cache_dir is not None:
                    cache = args.cache_dir / (
                        f"{args.n_rows}_{args.epochs}_{setting['kind']}_"
                        f"{setting['rate']}_{seed}.npz"
                    )
                cached = cache is not None and cache.exists()
                proba, train_s = oof_proba(X_all, y_noisy, seed, args.epochs, cache)
                result = compare(y_noisy, y_all, proba, setting)
                result.update(seed=seed, oof_train_s=train_s, oof_from_cache=cached)
                result["oof_accuracy_vs_clean"] = float(
                    np.mean(proba.argmax(axis=1) == y_all)
                )
                payload["runs"][key].append(result)
                print(
                    key,
                    seed,
                    f"train {train_s:.0f}s",
                    json.dumps(
                        {
                            k: result["mask"]["prune_by_noise_rate"][k]["f1"]
                            for k in ("skclean", "cleanlab")
                        }
                    ),
                    json.dumps(result["noise_matrix_max_abs_error"]),
                    flush=True,
                )
        if args.x_only_rows:
            n = min(args.x_only_rows, X_all.shape[0])
            y_noisy = flip_labels(y_all[:n], rate=0.2, random_state=args.seeds[0])
            payload["x_only"] = x_only_timing(X_all[:n], y_noisy, args.seeds[0])
    payload["total_s"] = time.perf_counter() - start_all
    payload["targets"] = targets(payload)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(
        json.dumps(payload, indent=2, default=str) + "\n"
    )
    text = markdown(payload)
    (RESULTS / f"{name}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
