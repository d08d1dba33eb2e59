"""Benchmark skclean's label filters on MNIST against cleanlab, side by side.

For each noise setting (symmetric 0.2 and 0.5, asymmetric "ding2018" 0.2 and
0.6) it reports, for every filter and its main options: label precision (the
fraction of kept labels that are correct), recall (the fraction of correct
labels that are kept), the fraction of labels kept, wall time and peak memory
(each filter in a fresh process), and the noisy-validation accuracy of a fixed
classifier trained on the kept rows. It also times
:class:`~skclean.filters.KMeansLabelFilter` against a bare per-class
:class:`~sklearn.cluster.KMeans` loop with the same settings.

Protocol: 10% of the noisy training rows are held out; filters see the other
90%. The "better features" variant of KMeansLabelFilter that the target is
judged on is the one whose kept rows give the highest accuracy on the held-out
noisy labels; precision (which needs the true labels) is reported, never used
to choose.

Usage::

    python benchmarks/bench_filters.py            # 60,000 MNIST training rows
    python benchmarks/bench_filters.py --quick    # 10,000 rows, a few minutes

Results go to ``benchmarks/results/filters.json`` and ``filters.md``
(``filters_quick.*`` with ``--quick``).
"""

import functools
import time

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from threadpoolctl import threadpool_limits

from skclean.datasets import load_noisy_dataset
from skclean.filters import ConfidenceRankFilter, KMeansLabelFilter

try:
    from . import _common
except ImportError:
    import _common

NOISE_SEED = 0  # seed of the training subset (--quick), the label noise and the split
FILTER_SEED = 0  # random_state of every filter
VALID_FRACTION = 0.1  # noisy rows held out to choose variants
CLEAN_FRACTION = 0.02  # trusted rows for ConfidenceRankFilter's clean-set variant
NOISE_SETTINGS = [
    {"kind": "symmetric", "rate": 0.2, "pairs": None},
    {"kind": "symmetric", "rate": 0.5, "pairs": None},
    {"kind": "asymmetric", "rate": 0.2, "pairs": "ding2018"},
    {"kind": "asymmetric", "rate": 0.6, "pairs": "ding2018"},
]
SIZES = {"full": None, "quick": 10_000, "smoke": 800}
TARGETS = {
    "kmeans_sym05": "KMeans (raw pixels, farthest) at symmetric 0.5: "
    "precision >= 0.81 with >= 45% of the labels kept",
    "kmeans_better_sym05": "KMeans with better features at symmetric 0.5 "
    "(variant chosen on noisy validation): precision >= 0.95",
    "confidence_asym06": "ConfidenceRankFilter (default) at asymmetric 0.6: "
    "precision >= 0.99",
    "kmeans_speed": "KMeansLabelFilter time / bare per-class KMeans loop <= 1.5",
}
RAW = "raw pixels, farthest"


def knn_estimator():
    """PCA(50) -> 50-nearest-neighbours: a cheap non-linear classifier for P."""
    return make_pipeline(PCA(50, random_state=0), KNeighborsClassifier(n_neighbors=50))


def criterion_estimator():
    """The fixed classifier whose noisy-validation accuracy scores a filter."""
    return make_pipeline(PCA(50, random_state=0), LogisticRegression(max_iter=300))


def _kmeans(options, note="", **params):
    return ("KMeansLabelFilter", options, "kmeans", params, note)


def method_specs():
    """Every row: (method, options, kind, parameters, note).

    ``kind`` says how the row is fitted (see :func:`fit_method`); ``proba``
    names the shared out-of-fold probabilities a row saves or reuses.
    """
    hellinger = FunctionTransformer(np.sqrt)
    specs = [
        (
            "ConfidenceRankFilter",
            "default (cv=5)",
            "confidence",
            {"save": "default"},
            "its out-of-fold probabilities are P_default",
        ),
        (
            "ConfidenceRankFilter",
            "cv=None (in-sample, as the paper)",
            "confidence",
            {"cv": None},
            "",
        ),
        (
            "cleanlab",
            "find_label_issues(P_default)",
            "cleanlab",
            {"proba": "default"},
            "same P_default; time excludes computing it",
        ),
        (
            "ConfidenceRankFilter",
            f"clean_mask: {CLEAN_FRACTION:.0%} of each class trusted",
            "clean_set",
            {},
            "random rows get their true label and are marked clean; "
            "scores count them (they are always kept)",
        ),
        (
            "ConfidenceRankFilter",
            "estimator=PCA(50)+50-NN",
            "confidence",
            {"estimator": knn_estimator(), "save": "knn"},
            "its out-of-fold probabilities are P_knn",
        ),
        (
            "cleanlab",
            "find_label_issues(P_knn)",
            "cleanlab",
            {"proba": "knn"},
            "same P_knn; time excludes computing it",
        ),
    ]
    specs.append(_kmeans("defaults", "the package's default features and selection"))
    for space, features in (("raw pixels", None), ("PCA(50)", PCA(50, random_state=0))):
        for selection in ("farthest", "largest"):
            specs.append(
                _kmeans(f"{space}, {selection}", selection=selection, features=features)
            )
    for key in ("default", "knn"):
        note = (
            f"clusters the rows of sqrt(P_{key}) (Hellinger geometry); time excludes "
            "computing P"
        )
        specs.append(
            _kmeans(f"sqrt(P_{key}), farthest", note, features=hellinger, proba=key)
        )
    return specs


def load_setting(setting, n_train):
    """One noise setting's data, split into the filters' part and noisy validation."""
    data = load_noisy_dataset(
        "mnist", **setting, n_train=n_train, random_state=NOISE_SEED
    )
    fit, valid = _common.noisy_split(data.y_train, VALID_FRACTION, NOISE_SEED)
    y, y_clean = data.y_train[fit], data.y_train_clean[fit]
    clean = trusted_rows(y_clean, CLEAN_FRACTION, NOISE_SEED)
    return {
        "X": data.X_train[fit],
        "y": y,
        "y_clean": y_clean,
        "clean_mask": clean,
        "y_trusted": np.where(clean, y_clean, y),
        "X_valid": data.X_train[valid],
        "y_valid": data.y_train[valid],
    }


def trusted_rows(y_clean, fraction, seed):
    """A random ``fraction`` of each true class (at least one row) to mark clean."""
    rng = np.random.RandomState(seed)
    clean = np.zeros(y_clean.size, dtype=bool)
    for c in np.unique(y_clean):
        rows = np.flatnonzero(y_clean == c)
        n = max(1, round(fraction * rows.size))
        clean[rng.choice(rows, n, replace=False)] = True
    return clean


def fit_method(data, kind, params, proba, threads=None):
    """Fit one row's filter; return its keep-mask and the probabilities it made."""
    with threadpool_limits(threads):
        return _fit_method(data, kind, params, proba)


def _fit_method(data, kind, params, proba):
    params = dict(params)
    save, key = params.pop("save", None), params.pop("proba", None)
    X, y = data["X"], data["y"]
    if kind == "cleanlab":
        from cleanlab.filter import find_label_issues

        return ~find_label_issues(labels=y, pred_probs=proba[key], n_jobs=1), None
    if kind == "kmeans":
        filt = KMeansLabelFilter(random_state=FILTER_SEED, **params)
        filt.fit_resample(X if key is None else proba[key], y)
        return filt.kept_mask_, None
    filt = ConfidenceRankFilter(random_state=FILTER_SEED, **params)
    if kind == "clean_set":
        filt.fit_resample(X, data["y_trusted"], clean_mask=data["clean_mask"])
    else:
        filt.fit_resample(X, y)
    return filt.kept_mask_, (filt.y_proba_ if save else None)


def label_scores(kept, correct):
    """Precision, recall and kept fraction of a keep-mask against the truth."""
    kept = np.asarray(kept, dtype=bool)
    return {
        "precision": float(correct[kept].mean()) if kept.any() else float("nan"),
        "recall": float(kept[correct].mean()),
        "kept_fraction": float(kept.mean()),
    }


def per_class_scores(kept, correct, labels):
    """Rows kept and precision of the kept labels, for each given label."""
    out = []
    for c in np.unique(labels):
        rows = labels == c
        hits = correct[rows & kept]
        out.append(
            {
                "label": int(c),
                "rows": int(rows.sum()),
                "kept": int(kept[rows].sum()),
                "precision of kept": float(hits.mean()) if hits.size else None,
            }
        )
    return out


def noisy_valid_accuracy(data, kept, labels):
    """Accuracy on the held-out noisy labels of the fixed classifier on kept rows."""
    if len(np.unique(labels[kept])) < 2:
        return float("nan")
    model = criterion_estimator().fit(data["X"][kept], labels[kept])
    return float(model.score(data["X_valid"], data["y_valid"]))


def score_row(data, spec, kept, stats):
    method, options, kind, _, note = spec
    labels = data["y_trusted"] if kind == "clean_set" else data["y"]
    correct = labels == data["y_clean"]
    row = {
        "method": method,
        "options": options,
        **label_scores(kept, correct),
        "noisy_valid_accuracy": noisy_valid_accuracy(data, kept, labels),
        "per_class": per_class_scores(kept, correct, labels),
        **stats,
        "note": note,
    }
    print(
        f"  {method:22s} {options:34s} precision={row['precision']:.3f} "
        f"kept={row['kept_fraction']:.3f} valid={row['noisy_valid_accuracy']:.3f} "
        f"{row['seconds']:7.1f}s {row['peak_above_start_mib'] or 0:7.1f} MiB",
        flush=True,
    )
    return row


def bench_setting(setting, n_train, threads=None):
    """Every row of one noise setting, each filter fitted in its own process."""
    setup = functools.partial(load_setting, setting, n_train)
    data = setup()
    correct = data["y"] == data["y_clean"]
    print(f"{setting['kind']} {setting['rate']}: {len(data['y'])} rows", flush=True)
    everything = np.ones_like(correct)
    rows = [
        score_row(
            data,
            ("no filter", "", "none", {}, "the noisy labels as they are"),
            everything,
            {"seconds": 0.0, "peak_rss_mib": None, "peak_above_start_mib": None},
        )
    ]
    proba = {}
    for spec in method_specs():
        _, _, kind, params, _ = spec
        needed = {k: proba[k] for k in [params.get("proba")] if k}
        (kept, saved), stats = _common.run_fresh(
            fit_method, kind, params, needed, threads, setup=setup
        )
        if saved is not None:
            proba[params["save"]] = saved
        rows.append(score_row(data, spec, kept, stats))
    return {"setting": setting, "n_rows": len(data["y"]), "rows": rows}


def bench_kmeans_speed(n_train, repeats):
    """KMeansLabelFilter vs a bare per-class KMeans loop, same seeds and settings.

    Both run in this process, interleaved, so that drifts in machine load hit
    both; the best-of ratio is reported (contention only ever adds time).
    """
    data = load_noisy_dataset(
        "mnist", kind="symmetric", rate=0.5, n_train=n_train, random_state=NOISE_SEED
    )
    X, y = data.X_train, data.y_train

    def with_filter():
        KMeansLabelFilter(random_state=FILTER_SEED, features=None).fit_resample(X, y)

    def bare_loop():
        # The seeds KMeansLabelFilter draws for its per-label KMeans.
        rng = np.random.RandomState(FILTER_SEED)
        for label in np.unique(y):
            seed = rng.randint(np.iinfo(np.int32).max)
            KMeans(n_clusters=2, n_init="auto", random_state=seed).fit(X[y == label])

    times = {"bare KMeans loop": [], "KMeansLabelFilter": []}
    for _ in range(repeats):
        for name, fn in (
            ("bare KMeans loop", bare_loop),
            ("KMeansLabelFilter", with_filter),
        ):
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    best = {name: min(t) for name, t in times.items()}
    pair_ratios = np.divide(times["KMeansLabelFilter"], times["bare KMeans loop"])
    return {
        "n_rows": int(X.shape[0]),
        "n_features": int(X.shape[1]),
        "repeats": repeats,
        "seconds": times,
        "best_seconds": best,
        "ratio": best["KMeansLabelFilter"] / best["bare KMeans loop"],
        "median_pair_ratio": float(np.median(pair_ratios)),
    }


def _row(rows, options, method="KMeansLabelFilter"):
    return next(r for r in rows if r["method"] == method and r["options"] == options)


def _precision_kept(row):
    return f"precision {row['precision']:.3f}, kept {row['kept_fraction']:.3f}"


def evaluate_targets(settings, speed):
    """Every target, met or not, or None where its setting was not run.

    The better-features variant is the one chosen on noisy validation.
    """
    by_name = {
        (s["setting"]["kind"], s["setting"]["rate"]): s["rows"] for s in settings
    }
    out = {}
    sym05, asym06 = by_name.get(("symmetric", 0.5)), by_name.get(("asymmetric", 0.6))
    if sym05:
        raw = _row(sym05, RAW)
        better = max(
            (
                r
                for r in sym05
                if r["method"] == "KMeansLabelFilter"
                and not r["options"].startswith("raw")
            ),
            key=lambda r: r["noisy_valid_accuracy"],
        )
        out["kmeans_sym05"] = (
            raw["precision"] >= 0.81 and raw["kept_fraction"] >= 0.45,
            _precision_kept(raw),
        )
        out["kmeans_better_sym05"] = (
            better["precision"] >= 0.95,
            f"{better['options']} (noisy-valid acc. "
            f"{better['noisy_valid_accuracy']:.3f}): {_precision_kept(better)}",
        )
    if asym06:
        conf = _row(asym06, "default (cv=5)", "ConfidenceRankFilter")
        out["confidence_asym06"] = (conf["precision"] >= 0.99, _precision_kept(conf))
    out["kmeans_speed"] = (speed["ratio"] <= 1.5, f"ratio {speed['ratio']:.2f}")
    return [
        {
            "target": text,
            "result": out[key][1] if key in out else "",
            "met": out[key][0] if key in out else None,
        }
        for key, text in TARGETS.items()
    ]


def setting_title(setting):
    pairs = f" ({setting['pairs']})" if setting["pairs"] else ""
    return f"{setting['kind']} {setting['rate']}{pairs}"


def to_markdown(results, quick):
    """The body of ``filters.md``: targets, one table per setting, speed."""
    targets = [{**t, "met": _common.verdict(t["met"])} for t in results["targets"]]
    lines = [
        "Precision: fraction of kept labels that are correct. Recall: fraction of "
        "correct labels that are kept. Kept: fraction of labels kept. Noisy-valid "
        "acc.: accuracy on the held-out noisy labels of PCA(50) + "
        "LogisticRegression trained on the kept rows (the only criterion used to "
        "choose). Out-of-fold probabilities P_default (ConfidenceRankFilter's default "
        "estimator: PCA(50) then k-nearest neighbours, k a sixth of the smallest "
        "class, at most 50) and P_knn (PCA(50) then 50-NN) are computed once per "
        "setting and reused by the cleanlab and KMeans-on-P rows.",
        "",
        "## Targets",
        "",
        *(
            ["A quick run only indicates the targets (set for 60,000 rows).", ""]
            if quick
            else []
        ),
        _common.markdown_table(targets),
    ]
    columns = [
        "method",
        "options",
        "precision",
        "recall",
        "kept_fraction",
        "noisy_valid_accuracy",
        "seconds",
        "peak_above_start_mib",
        "note",
    ]
    for block in results["noise_settings"]:
        table = [{k: r[k] for k in columns} for r in block["rows"]]
        lines += [
            "",
            f"## {setting_title(block['setting'])}, {block['n_rows']} rows",
            "",
            _common.markdown_table(table, floatfmt=".3f"),
        ]
        if block["setting"]["rate"] == 0.6:
            conf = _row(block["rows"], "default (cv=5)", "ConfidenceRankFilter")
            lines += [
                "",
                "ConfidenceRankFilter (default) per given label:",
                "",
                _common.markdown_table(conf["per_class"], floatfmt=".3f"),
            ]
    sp = results["kmeans_speed"]
    speed = [
        {
            "": name,
            "best time (s)": sp["best_seconds"][name],
            "all runs (s)": ", ".join(f"{t:.2f}" for t in sp["seconds"][name]),
        }
        for name in sp["seconds"]
    ]
    lines += [
        "",
        "## KMeansLabelFilter vs a bare per-class KMeans loop",
        "",
        f"{sp['n_rows']} x {sp['n_features']} (symmetric 0.5), best of "
        f"{sp['repeats']} interleaved runs in one process.",
        "",
        _common.markdown_table(speed),
        "",
        f"Ratio of the best times: **{sp['ratio']:.2f}** (target <= 1.5); median "
        f"ratio within interleaved pairs: {sp['median_pair_ratio']:.2f}.",
    ]
    return "\n".join(lines)


def parse_args(argv):
    parser = _common.base_parser(__doc__)
    parser.add_argument("--quick", action="store_true", help="10,000 rows, not 60,000")
    parser.add_argument("--repeats", type=int, default=5, help="runs of the speed test")
    parser.add_argument(
        "--threads", type=int, default=None, help="limit BLAS/OpenMP threads"
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    settings = NOISE_SETTINGS[1::2] if args.smoke else NOISE_SETTINGS
    run = _common.Run(
        "filters" if mode == "full" else f"filters_{mode}",
        "Label filters on MNIST" + ("" if mode == "full" else f" ({mode} run)"),
        {
            "mode": mode,
            "n_train": SIZES[mode],
            "valid_fraction": VALID_FRACTION,
            "seeds": {"noise": NOISE_SEED, "filters": FILTER_SEED},
            "threads": args.threads,
            "noise": settings,
        },
        out=args.out,
    )
    with threadpool_limits(args.threads):
        blocks = [bench_setting(s, SIZES[mode], args.threads) for s in settings]
        speed = bench_kmeans_speed(SIZES[mode], 1 if args.smoke else args.repeats)
    results = {"noise_settings": blocks, "kmeans_speed": speed}
    results["targets"] = evaluate_targets(blocks, speed)
    path = run.write(results, to_markdown(results, mode != "full"))
    print(f"wrote {path} and .md")


if __name__ == "__main__":
    main()
