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

    nice -n 10 python benchmarks/bench_label_issues.py --cache-dir /tmp/li_cache
    python -m benchmarks.bench_label_issues --n-rows 5000 --seeds 0 --epochs 1

The first line is the full run (60,000 rows, 3 epochs, seeds 0 1 2, 20,000
rows for the X-only timing); a rerun with the same ``--cache-dir`` reads the
probabilities and trains only the X-only timing part. The JSON records, per
probability set, whether it came from the cache (and the commit of the run
that trained it, where the cache file stores one).

Results go to ``benchmarks/results/label_issues.json`` and ``label_issues.md``
(``label_issues_<n>.*`` with another ``--n-rows``). Torch and BLAS use one
thread. ``--out`` writes elsewhere; the hidden ``--smoke`` runs at toy size.
"""

import json
import time
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
from skclean.nets import CNNClassifier
from skclean.noise import flip_labels, transition_matrix

try:
    from . import _common
except ImportError:
    import _common

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


def oof_proba(X, y_noisy, seed, epochs, cache):
    """5-fold out-of-fold probabilities of the MLP, their seconds and commit.

    A cache file keeps all three (files written before the commit was stored
    have none), so a rerun reports the time of the training run.
    """
    if cache is not None and cache.exists():
        stored = np.load(cache)
        commit = str(stored["commit"]) if "commit" in stored.files else ""
        return stored["proba"], float(stored["seconds"]), commit or None
    torch.manual_seed(seed)
    net = CNNClassifier(random_state=seed, device="cpu", **_common.mlp_params(epochs))
    folds = StratifiedKFold(N_FOLDS, shuffle=True, random_state=seed)
    start = time.perf_counter()
    proba = cross_val_predict(net, X, y_noisy, cv=folds, method="predict_proba")
    seconds = time.perf_counter() - start
    proba = proba.astype(np.float64)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        commit = _common.provenance()["git_commit"] or ""
        np.savez_compressed(cache, proba=proba, seconds=seconds, commit=commit)
    return proba, seconds, None


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


def side_by_side(runs, title, columns, value):
    """A table section: one row per setting, "skclean / cleanlab" per column."""
    rows = []
    for name, setting_runs in runs.items():
        row = {"setting": name}
        for column in columns:
            ours = np.mean([value(r, column, "skclean") for r in setting_runs])
            theirs = np.mean([value(r, column, "cleanlab") for r in setting_runs])
            row[column] = f"{ours:.4f} / {theirs:.4f}"
        rows.append(row)
    return ["", f"## {title}", "", _common.markdown_table(rows)]


def cache_note(payload):
    """Where the out-of-fold probabilities came from, in one sentence."""
    runs = [r for rs in payload["runs"].values() for r in rs]
    train_s = sum(r["oof_train_s"] for r in runs)
    cached = [r for r in runs if r.get("oof_from_cache")]
    text = f"Training the {len(runs)} out-of-fold MLP sets took {train_s / 60:.0f} min"
    if cached:
        commits = sorted(
            {r["oof_cache_commit"] for r in cached if r["oof_cache_commit"]}
        )
        origin = f" at commit {', '.join(c[:7] for c in commits)}" if commits else ""
        text += (
            f" in all, in an earlier run{origin}: {len(cached)} of {len(runs)} "
            "probability sets were read from the cache "
            f"`{payload['settings']['cache_dir']}`"
            " rather than trained in this run"
        )
    return text + "."


def mask_table(runs):
    """Mean ± std of the default mask's F1, precision and recall per setting."""
    rows = []
    for name, setting_runs in runs.items():
        row = {"setting": name}
        for key in ("f1", "precision", "recall"):
            for lib in ("skclean", "cleanlab"):
                values = [
                    r["mask"]["prune_by_noise_rate"][lib][key] for r in setting_runs
                ]
                row[f"{lib} {key}"] = _common.mean_std(values, 4)
        rows.append(row)
    return _common.markdown_table(rows)


def noise_matrix_table(runs):
    """Mean ± std of each estimator's largest entry error per setting."""
    rows = []
    for name, setting_runs in runs.items():
        errors = [r["noise_matrix_max_abs_error"] for r in setting_runs]
        row = {"setting": name}
        for estimator in errors[0]:
            row[estimator] = _common.mean_std([e[estimator] for e in errors], 3)
        rows.append(row)
    return _common.markdown_table(rows)


def timing_table(runs):
    """Seconds of both find_label_issues on given probabilities per setting."""
    rows = []
    for name, setting_runs in runs.items():
        ours = np.mean([r["time_given_proba_s"]["skclean"] for r in setting_runs])
        theirs = np.mean([r["time_given_proba_s"]["cleanlab"] for r in setting_runs])
        rows.append(
            {
                "setting": name,
                "skclean": ours,
                "cleanlab (n_jobs=1)": theirs,
                "ratio": ours / theirs,
            }
        )
    return _common.markdown_table(rows, floatfmt=".3f")


def markdown(payload):
    """The body of the markdown report (the header comes from ``Run``)."""
    runs, settings = payload["runs"], payload["settings"]
    lines = [
        f"MNIST training set, {settings['n_rows']} rows; out-of-fold "
        f"probabilities: {N_FOLDS}-fold MLP 784-128-128-10 "
        "(`CNNClassifier(module=MLP)`, Adam 1e-3 cosine-annealed over "
        f"{settings['epochs']} epochs, batch 128), seeds {settings['seeds']} "
        "(seed = noise seed = fold seed = network seed); torch and BLAS on 1 "
        "thread. Mean ± std over seeds.",
        "",
        cache_note(payload),
        "",
    ]
    if settings["n_rows"] < 60000:
        lines += [
            f"Deviation: {settings['n_rows']} rows, not the 60,000 of the targets.",
            "",
        ]
    lines += [
        "## Suspected-wrong mask (default method, `prune_by_noise_rate`)",
        "",
        mask_table(runs),
    ]
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
    lines += [
        "",
        "## Noise matrix: largest absolute entry error against the setting's matrix",
        "",
        noise_matrix_table(runs),
        "",
        f"## Time of find_label_issues on given probabilities (s, best of "
        f"{TIME_REPEATS})",
        "",
        timing_table(runs),
    ]
    if payload.get("x_only"):
        x = payload["x_only"]
        lines += [
            "",
            f"From X alone ({x['n_rows']} rows, symmetric 0.2, seed "
            f"{settings['seeds'][0]}, the default estimator, {N_FOLDS} stratified "
            f"folds of the same seed, best of {X_ONLY_REPEATS} interleaved, trained "
            f"in this run): skclean {x['skclean_s']:.1f} s, cleanlab "
            f"`CleanLearning` {x['cleanlab_s']:.1f} s (ratio "
            f"{x['skclean_s'] / x['cleanlab_s']:.2f}).",
        ]
    targets = [{**t, "met": _common.verdict(t["met"])} for t in payload["targets"]]
    lines += ["", "## Targets", "", _common.markdown_table(targets)]
    return "\n".join(lines)


def _mean_pair(runs, value):
    """Per setting, the mean over seeds of (skclean, cleanlab) values."""
    return {
        name: tuple(
            np.mean([value(r, lib) for r in setting_runs])
            for lib in ("skclean", "cleanlab")
        )
        for name, setting_runs in runs.items()
    }


def _not_worse(pairs, tolerance=0.0):
    """``met`` and the settings where skclean is lower than cleanlab."""
    worse = [f"{n} by {b - a:.1e}" for n, (a, b) in pairs.items() if a < b - tolerance]
    return not worse, worse


def targets(payload):
    """The targets, each ``{"target", "result", "met"}``."""
    runs, out = payload["runs"], []
    f1 = _mean_pair(runs, lambda r, lib: r["mask"]["prune_by_noise_rate"][lib]["f1"])
    met, worse = _not_worse(f1)
    largest = max(abs(a - b) for a, b in f1.values())
    out.append(
        {
            "target": "F1 of the default mask >= cleanlab's in every setting",
            "result": (f"lower in {', '.join(worse)}; " if worse else "")
            + f"largest difference either way {largest:.1e}",
            "met": met,
        }
    )
    auroc = _mean_pair(runs, lambda r, lib: r["auroc"]["self_confidence"][lib])
    met, worse = _not_worse(auroc, 1e-12)
    largest = max(abs(a - b) for a, b in auroc.values())
    out.append(
        {
            "target": "AUROC of the default score (self_confidence) >= cleanlab's "
            "default in every setting",
            "result": (f"lower in {', '.join(worse)}; " if worse else "")
            + f"largest difference either way {largest:.1e}",
            "met": met,
        }
    )
    size = payload["settings"]["n_rows"]
    for name in ("symmetric 0.5", "pairflip 0.45"):
        target = f"Noise-matrix max abs error <= 0.05 at {name} (60,000 rows)"
        if name not in runs:
            out.append({"target": target, "result": "not run", "met": None})
            continue
        err = np.mean(
            [
                r["noise_matrix_max_abs_error"]["skclean (confident_joint)"]
                for r in runs[name]
            ]
        )
        out.append(
            {
                "target": target,
                "result": f"{err:.3f} (mean over seeds, {size} rows)",
                "met": bool(err <= 0.05) if size == 60000 else None,
            }
        )
    ours, theirs = (
        sum(r["time_given_proba_s"][lib] for rs in runs.values() for r in rs)
        for lib in ("skclean", "cleanlab")
    )
    out.append(
        {
            "target": "find_label_issues on given probabilities no slower than "
            "cleanlab's (n_jobs=1)",
            "result": f"total {ours:.2f} s vs {theirs:.2f} s",
            "met": bool(ours <= theirs),
        }
    )
    x = payload.get("x_only")
    out.append(
        {
            "target": "find_label_issues from X alone no slower than CleanLearning",
            "result": f"{x['skclean_s']:.1f} s vs {x['cleanlab_s']:.1f} s"
            if x
            else "not run",
            "met": bool(x["skclean_s"] <= x["cleanlab_s"]) if x else None,
        }
    )
    return out


def parse_args(argv=None):
    parser = _common.base_parser(__doc__)
    parser.add_argument("--n-rows", type=int, default=60000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--x-only-rows", type=int, default=20000)
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--name", default=None)
    args = parser.parse_args(argv)
    if args.smoke:
        args.n_rows, args.epochs, args.seeds, args.x_only_rows = 500, 1, [0], 300
    args.mode = "smoke" if args.smoke else "full" if args.n_rows == 60000 else "rows"
    return args


def result_name(args):
    if args.name:
        return args.name
    if args.smoke:
        return "label_issues_smoke"
    return "label_issues" if args.n_rows == 60000 else f"label_issues_{args.n_rows}"


def load_rows(n_rows):
    """The MNIST training set, or a fixed random subset of ``n_rows`` rows."""
    X_all, _, y_all, _ = load_mnist(return_X_y=True)
    if n_rows < X_all.shape[0]:
        rows = np.random.RandomState(0).choice(X_all.shape[0], n_rows, replace=False)
        X_all, y_all = X_all[rows], y_all[rows]
    return X_all, y_all


def cache_path(args, setting, seed):
    if args.cache_dir is None:
        return None
    return args.cache_dir / (
        f"{args.n_rows}_{args.epochs}_{setting['kind']}_{setting['rate']}_{seed}.npz"
    )


def run_setting(X_all, y_all, setting, seed, args):
    """Out-of-fold probabilities (trained or cached) and every comparison."""
    y_noisy = flip_labels(
        y_all,
        kind=setting["kind"],
        rate=setting["rate"],
        pairs=setting["pairs"],
        random_state=seed,
    )
    cache = cache_path(args, setting, seed)
    cached = cache is not None and cache.exists()
    proba, train_s, cache_commit = oof_proba(X_all, y_noisy, seed, args.epochs, cache)
    result = compare(y_noisy, y_all, proba, setting)
    result.update(
        seed=seed,
        oof_train_s=train_s,
        oof_from_cache=cached,
        oof_cache_file=str(cache) if cache is not None else None,
        oof_cache_commit=cache_commit if cached else None,
    )
    result["oof_accuracy_vs_clean"] = float(np.mean(proba.argmax(axis=1) == y_all))
    print(
        setting_name(setting),
        seed,
        f"train {train_s:.0f}s{' (cached)' if cached else ''}",
        json.dumps(
            {
                k: result["mask"]["prune_by_noise_rate"][k]["f1"]
                for k in ("skclean", "cleanlab")
            }
        ),
        json.dumps(result["noise_matrix_max_abs_error"]),
        flush=True,
    )
    return result


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(1)
    settings = {
        k: (str(v) if isinstance(v, Path) else v)
        for k, v in vars(args).items()
        if k not in ("out", "smoke", "name")
    }
    settings["mlp_params"] = repr(_common.mlp_params(args.epochs))
    run = _common.Run(
        result_name(args),
        "Label audit: skclean vs cleanlab on the same out-of-fold probabilities",
        settings,
        out=args.out,
        measures_memory=False,
    )
    X_all, y_all = load_rows(args.n_rows)
    payload = {"settings": settings, "runs": {}}
    with threadpool_limits(1):
        for setting in SETTINGS:
            payload["runs"][setting_name(setting)] = [
                run_setting(X_all, y_all, setting, seed, args) for seed in args.seeds
            ]
        if args.x_only_rows:
            n = min(args.x_only_rows, X_all.shape[0])
            y_noisy = flip_labels(y_all[:n], rate=0.2, random_state=args.seeds[0])
            payload["x_only"] = x_only_timing(X_all[:n], y_noisy, args.seeds[0])
    runs = [r for rs in payload["runs"].values() for r in rs]
    payload["oof_cache"] = {
        "dir": settings["cache_dir"],
        "n_read": sum(r["oof_from_cache"] for r in runs),
        "n_sets": len(runs),
    }
    payload["targets"] = targets(payload)
    path = run.write(payload, markdown(payload))
    print(path.with_suffix(".md").read_text())


if __name__ == "__main__":
    main()
