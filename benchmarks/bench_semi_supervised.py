"""Does PiModelClassifier learn from the unlabelled rows? Few labels on 10k MNIST rows.

Parts (``--parts``), each written to its own result files as rows finish:

- ``mlp``: the first 10,000 training rows of MNIST's training split, of which
  100, 400 or 1,000 keep their label (the same number per class, drawn with
  the seed) and the rest are unlabelled (-1); the two-stage paper's MLP.
- ``no-unlabelled``: the same 10,000 rows all labelled (MLP): what the
  consistency term costs when there is nothing to learn from.
- ``cnn``: as ``mlp`` with DeepCleanCNN, 400 labels.
- ``cnn-no-unlabelled``: as ``no-unlabelled`` with DeepCleanCNN: what the
  consistency term costs the CNN, and what the CNN reaches with every label
  (the ceiling of the ``cnn`` part).
- ``two-stage``: ``ConfidenceRankFilter(mode="unlabel")`` (stage 1, the MLP
  trained in-sample on the noisy labels, threshold 0.9 as in
  ``bench_two_stage_mnist.py``) then each row as stage 2, started from stage
  1's network, on 10,000 rows under symmetric 0.5 and asymmetric 0.2 noise.

Rows (every row: the same network, Adam at PiModelClassifier's default
learning rate, 3e-3 (``study_semi_supervised.py`` compares it with 1e-3),
annealed to 0 by a cosine over the epochs, batches of 128 labelled + 128
unlabelled rows with the labelled half class-balanced, Gaussian input noise
0.15, dropout, translations as ``translate="auto"``, the same number of
optimizer steps):

- ``supervised``: the labelled rows alone (tiled so that an epoch has as many
  batches as the others; the labelled draws are class-balanced either way);
- ``consistency off``: ``unsupervised_weight=0``, everything else the same;
- ``pi``, ``temporal``, ``mean teacher``: the three ensembles at the
  estimator's defaults (weights fixed in advance from Laine & Aila 2017 and
  Tarvainen & Valpola 2017: 100, 30, 100, scaled by the share of unlabelled
  rows; ramp-up over the first quarter of the epochs);
- ``temporal + entropy``: temporal ensembling plus entropy minimisation
  (``entropy_weight=1``, Grandvalet & Bengio 2004, the weight Miyato et al.
  give it);
- ``vat``: virtual adversarial training with entropy minimisation (Miyato et
  al. 2019's VAT+EntMin, weights 1 and 1; ``vat_epsilon`` 2.0, near their
  MNIST radius of 2.1, fixed before this study after development runs that
  compared it with 0.5 and 1 on the labelled validation split only; no
  ramp-up, as Miyato et al. and as ``study_semi_supervised.py --round vat``
  chose on the labelled validation split);
- ``pi, no translation`` (``mlp`` part only): the Pi-model with
  ``translate=0``, the ablation behind ``translate="auto"`` translating the
  MLP's 28x28 inputs too.

Which ensemble is the default is chosen on the labelled validation split (mean
validation accuracy over the last 10 epochs, 400 labels, MLP, mean over seeds);
the test set (MNIST's 10,000 test rows, clean) is read every epoch for the
curves and the summaries and never steers a choice. The validation split is
1,000 labelled rows held out of MNIST's training split (in the two-stage part
they carry the noisy labels); that is more labelled rows than the training
sets have, as in Laine & Aila's and Tarvainen & Valpola's tables (Oliver et
al., 2018, discuss the point).

Usage::

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/bench_semi_supervised.py
    python benchmarks/bench_semi_supervised.py --parts cnn --seeds 0
    python benchmarks/bench_semi_supervised.py --merge a/semi_supervised_cnn.json \
        b/semi_supervised_cnn.json

``--merge`` puts back together the runs of one part that split its seeds or
rows over several processes (same commit, machine and settings).

Results: ``benchmarks/results/semi_supervised_<part>.json`` / ``.md`` and, for
``mlp``, a PNG of the per-epoch curves at 400 labels. ``--smoke`` runs every
part at toy size into ``--out``.
"""

import json
import math
import time
import warnings
from pathlib import Path

import numpy as np
import torch

from skclean.filters import ConfidenceRankFilter
from skclean.nets import MLP, CNNClassifier, DeepCleanCNN, PiModelClassifier

try:
    from . import _common
except ImportError:
    import _common

ROWS = {
    "supervised": {"unsupervised_weight": 0.0},
    "consistency off": {"unsupervised_weight": 0.0},
    "pi": {"ensemble": "pi"},
    "pi, no translation": {"ensemble": "pi", "translate": 0},
    "temporal": {"ensemble": "temporal"},
    "mean teacher": {"ensemble": "mean_teacher"},
    "temporal + entropy": {"ensemble": "temporal", "entropy_weight": 1.0},
    "vat": {"ensemble": "vat"},
}
# Candidates for the default.
ENSEMBLES = ("pi", "temporal", "mean teacher", "temporal + entropy", "vat")
NOISE = {
    "symmetric 0.5": {"kind": "symmetric", "rate": 0.5},
    "asymmetric 0.2": {"kind": "asymmetric", "rate": 0.2, "pairs": "ding2018"},
}
MODES = {
    "full": {"n_train": 10_000, "n_valid": 1_000, "n_test": None, "epochs": 30},
    "smoke": {"n_train": 400, "n_valid": 100, "n_test": 200, "epochs": 2},
}
LABELS = {"full": (100, 400, 1000), "smoke": (50,)}
CNN_LABELS = {"full": 400, "smoke": 50}
HALF_BATCH = 128


def load(seed, mode, noise=None):
    size = MODES[mode]
    return _common.load_noisy_mnist(
        seed,
        noise,
        n_train=size["n_train"],
        n_valid=size["n_valid"],
        n_test=size["n_test"],
        valid_fraction=0.1,
    )


def hide_labels(y, n_labeled, seed):
    """``y`` with all but ``n_labeled`` labels (the same number per class) set to -1."""
    rng = np.random.RandomState(seed)
    classes = np.unique(y)
    keep = np.concatenate(
        [
            rng.choice(np.flatnonzero(y == c), n_labeled // len(classes), replace=False)
            for c in classes
        ]
    )
    y_partial = np.full_like(y, -1)
    y_partial[keep] = y[keep]
    return y_partial


def make_net(row, module, epochs, seed, scores, **extra):
    params = dict(
        module=module,
        max_epochs=epochs,
        batch_size=2 * HALF_BATCH,
        callbacks=[_common.cosine_lr(epochs), scores],
        random_state=seed,
        verbose=0,
    )
    return PiModelClassifier(**{**params, **ROWS[row], **extra})


def summarize(net, seconds, valid_name):
    history = net.history_
    out = _common.summarize_history(history, names=("train", valid_name, "test"))
    valid = out[f"{valid_name}_acc"]
    out["last10_valid_accuracy"] = float(np.mean(valid[-_common.LAST_EPOCHS :]))
    for key in ("train_supervised_loss", "train_consistency_loss"):
        out[key] = [round(float(v), 5) for v in history[:, key]]
    out["consistency_weight"] = [float(v) for v in history[:, "consistency_weight"]]
    out["unsupervised_weight_"] = float(net.unsupervised_weight_)
    out["seconds"] = round(seconds, 1)
    return out


def fit_row(row, data, y_partial, module, epochs, seed):
    """Train one row on ``data["X"]`` with labels ``y_partial``; its summary."""
    scores = _common.make_epoch_scores(
        valid=(data["X_valid"], data["y_valid"]), test=(data["X_test"], data["y_test"])
    )
    X, y = data["X"], y_partial
    if row == "supervised":
        labeled = np.flatnonzero(y_partial != -1)
        n_unlabeled = len(y_partial) - len(labeled)
        # As many batches per epoch as the semi-supervised rows (half batches).
        n_rows = math.ceil(max(n_unlabeled, len(labeled)) / HALF_BATCH) * HALF_BATCH
        tiled = np.resize(labeled, max(n_rows, len(labeled)))
        X, y = X[tiled], y_partial[tiled]
        net = make_net(row, module, epochs, seed, scores, batch_size=HALF_BATCH)
    else:
        net = make_net(row, module, epochs, seed, scores)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Every row of y is labelled")
        net.fit(X, y)
    return summarize(net, time.perf_counter() - start, "valid")


def choose_default(results):
    """The ensemble with the best mean last-10 validation accuracy, 400 labels (MLP)."""
    counts = [key for key in results if key.isdigit()]
    if not counts:
        return None, "not chosen in this part"
    key = "400" if "400" in counts else sorted(counts, key=int)[0]
    by_row = results[key]
    means = {
        row: np.mean([r["last10_valid_accuracy"] for r in by_row[row].values()])
        for row in ENSEMBLES
        if by_row.get(row)
    }
    return max(means, key=means.get) if means else None, key


def mean_of(records, key="final_test_accuracy"):
    values = [r[key] for r in records.values()]
    return float(np.mean(values)) if values else None


def accuracy_rows(results, default):
    table = []
    for setting, by_row in results.items():
        for row, by_seed in by_row.items():
            if not by_seed:
                continue
            name = f"{row} (default)" if row == default else row
            table.append(
                {
                    "setting": setting,
                    "row": name,
                    "seeds": len(by_seed),
                    "final test %": _common.mean_std(
                        [r["final_test_accuracy"] for r in by_seed.values()]
                    ),
                    "last-10 test %": _common.mean_std(
                        [r["last10_test_accuracy"] for r in by_seed.values()]
                    ),
                    "last-10 valid %": _common.mean_std(
                        [r["last10_valid_accuracy"] for r in by_seed.values()]
                    ),
                    "final consistency loss": _common.mean_std(
                        [r["train_consistency_loss"][-1] for r in by_seed.values()],
                        digits=4,
                    ),
                    "s / run": _common.mean_std(
                        [r["seconds"] for r in by_seed.values()], digits=0
                    ),
                }
            )
    return table


def target(text, value, threshold):
    if value is None or threshold is None:
        return {"target": text, "result": "not measured", "met": None}
    result = f"{value:.2f} (target >= {threshold:.2f})"
    return {"target": text, "result": result, "met": bool(value >= threshold)}


def part_targets(part, results, default):
    """The issue's targets for one part, judged on the default ensemble's row.

    Without a default (a part run on its own), each ensemble's row is judged,
    its name in brackets after the target.
    """
    if default is None:
        return [
            {**t, "target": f"{t['target']} [{ensemble}]", "ensemble": ensemble}
            for ensemble in ENSEMBLES
            for t in part_targets(part, results, ensemble)
        ]

    def gap(setting, base):
        rows = results.get(setting, {})
        if default is None or not rows.get(default) or not rows.get(base):
            return None, None
        d, b = mean_of(rows[default]), mean_of(rows[base])
        return d, b

    out = []
    if part in ("mlp", "cnn"):
        net = "MLP" if part == "mlp" else "DeepCleanCNN"
        d, off = gap("400", "consistency off")
        out.append(
            target(
                f"{net}, 400 labels: default ensemble >= consistency off + 3 points "
                "(final epoch, mean over seeds)",
                d,
                None if off is None else off + 3,
            )
        )
        floor = 94.0 if part == "mlp" else 97.0
        out.append(target(f"{net}, 400 labels: default >= {floor}%", d, floor))
    if part == "mlp":
        d, off = gap("100", "consistency off")
        out.append(
            target(
                "MLP, 100 labels: default ensemble >= consistency off + 10 points",
                d,
                None if off is None else off + 10,
            )
        )
    if part in ("no-unlabelled", "cnn-no-unlabelled"):
        d, off = gap("all labelled", "consistency off")
        met = None if d is None else abs(d - off) <= 0.1
        out.append(
            {
                "target": "No row unlabelled: default within 0.1 point of the same "
                "net with the consistency term off",
                "result": "not measured" if d is None else f"{d:.2f} vs {off:.2f}",
                "met": met,
            }
        )
    if part == "two-stage":
        d, off = gap("symmetric 0.5", "consistency off")
        out.append(
            target(
                "Two-stage, symmetric 0.5 (MLP, 10k rows): default stage 2 >= the "
                "same net on the kept labels alone + 1 point",
                d,
                None if off is None else off + 1,
            )
        )
    return out


def curves_png(results, path, setting="400"):
    """Mean per-epoch test accuracy, supervised loss and consistency loss."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_row = results.get(setting, {})
    keys = [
        ("test_acc", "test accuracy (%)"),
        ("train_supervised_loss", "labelled loss"),
        ("train_consistency_loss", "consistency loss"),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    for ax, (key, label) in zip(axes, keys):
        for row, by_seed in by_row.items():
            if by_seed:
                curve = np.mean([r[key] for r in by_seed.values()], axis=0)
                ax.plot(np.arange(1, len(curve) + 1), curve, label=row)
        ax.set_xlabel("epoch")
        ax.set_title(label)
    if by_row:
        axes[0].legend(fontsize=8)
    axes[1].set_yscale("log")
    fig.suptitle(f"MLP, {setting} labels of 10,000 MNIST rows, mean over seeds")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def to_markdown(part, results, default, chosen_on, targets, settings, skipped):
    lines = [
        f"Part `{part}`, mode {settings['mode']}, {settings['epochs']} epochs, seeds "
        f"{settings['seeds']}. Accuracy on MNIST's clean test set (final epoch and "
        "mean of the last 10 epochs) and on the held-out labelled validation split "
        f"(noisy labels in the two-stage part), mean ± std over seeds. Default "
        f"ensemble: **{default}**, chosen on validation accuracy ({chosen_on}).",
        "",
        _common.markdown_table(accuracy_rows(results, default)),
        "",
        "| target | result | verdict |",
        "| --- | --- | --- |",
        *[
            f"| {t['target']} | {t['result']} | {_common.verdict(t['met'])} |"
            for t in targets
        ],
    ]
    if skipped:
        lines += ["", "Not run: " + "; ".join(skipped) + "."]
    return "\n".join(lines)


def write_part(run, part, results, default, skipped):
    """Write one part's result files; return the default ensemble it judged."""
    settings = run.record["settings"]
    if default:
        chosen, on = default, "the mlp part"
    else:
        chosen, on = choose_default(results)
        on = f"{on} labels, this part" if chosen else on
    targets = part_targets(part, results, chosen)
    payload = {"results": results, "default_ensemble": chosen, "targets": targets}
    body = to_markdown(part, results, chosen, on, targets, settings, skipped)
    run.write(payload, body)
    if part == "mlp" and settings["mode"] != "smoke":
        curves_png(results, run.out / f"{run.name}_curves.png")
    return chosen


def title_of(part):
    return f"Semi-supervised learning with PiModelClassifier: {part}"


def merge_part(paths, args):
    """Rewrite one part's files from runs that split its seeds or rows."""
    records = [json.loads(Path(path).read_text()) for path in paths]
    part = records[0]["settings"]["part"]
    run = _common.Run.merged(records, title_of(part), out=args.out)
    default = args.default
    if default is None:
        default = records[0].get("default_ensemble")
        if any(r.get("default_ensemble") != default for r in records):
            raise ValueError(
                "the runs judged different default ensembles: pass --default"
            )
    results = {
        setting: {
            row: dict(sorted(by_row[row].items(), key=lambda item: int(item[0])))
            for row in sorted(by_row, key=list(ROWS).index)
        }
        for setting, by_row in run.results.items()
    }
    return write_part(run, part, results, default, skipped=[])


def run_part(part, args, default=None):
    mode, epochs = args.mode, MODES[args.mode]["epochs"]
    if args.epochs:
        epochs = args.epochs
    rows = args.rows or list(ROWS)
    if part != "mlp":
        rows = [row for row in rows if row != "pi, no translation"]
    settings = {
        "part": part,
        "mode": mode,
        "epochs": epochs,
        "seeds": args.seeds,
        "rows": {row: ROWS[row] for row in rows},
        "sizes": MODES[mode],
        "half_batch": HALF_BATCH,
        "torch_threads": torch.get_num_threads(),
    }
    suffix = "_smoke" if mode == "smoke" else ""
    run = _common.Run(
        f"semi_supervised_{part.replace('-', '_')}{suffix}",
        title_of(part),
        settings,
        out=args.out,
        measures_memory=False,
    )
    results, skipped = {}, []
    module = DeepCleanCNN if part.startswith("cnn") else MLP

    def write():
        return write_part(run, part, results, default, skipped)

    for seed in args.seeds:
        if part == "two-stage":
            for noise_name, noise in NOISE.items():
                data = load(seed, mode, noise)
                y_kept, stage1 = stage_one(data, epochs, seed)
                for row in rows:
                    if row == "supervised":
                        continue
                    rec = fit_stage_two(row, data, y_kept, stage1, epochs, seed)
                    rec["stage1_kept_fraction"] = float(np.mean(y_kept != -1))
                    results.setdefault(noise_name, {}).setdefault(row, {})[seed] = rec
                    write()
            continue
        data = load(seed, mode)
        if part.endswith("no-unlabelled"):
            counts = {"all labelled": None}
        elif part == "cnn":
            counts = {str(CNN_LABELS[mode]): CNN_LABELS[mode]}
        else:
            counts = {str(n): n for n in LABELS[mode]}
        for setting, n_labeled in counts.items():
            y = data["y_clean"]
            y_partial = y if n_labeled is None else hide_labels(y, n_labeled, seed)
            for row in rows:
                if n_labeled is None and row == "supervised":
                    continue  # identical to "consistency off" without unlabelled rows
                rec = fit_row(row, data, y_partial, module, epochs, seed)
                results.setdefault(setting, {}).setdefault(row, {})[seed] = rec
                print(
                    f"{part} seed {seed} {setting} {row}: "
                    f"{rec['final_test_accuracy']:.2f} ({rec['seconds']:.0f} s)",
                    flush=True,
                )
                write()
    return write()


def stage_one(data, epochs, seed):
    """Stage 1 of the two-stage pipeline: the kept labels (others -1) and its net."""
    stage1 = ConfidenceRankFilter(
        mode="unlabel",
        estimator=CNNClassifier(random_state=seed, **_common.mlp_params(epochs)),
        cv=None,
        threshold=0.9,
        min_fraction=0.1,
        random_state=seed,
    )
    _, y_kept = stage1.fit_resample(data["X"], data["y_noisy"])
    return y_kept, stage1.estimator_


def fit_stage_two(row, data, y_kept, stage1, epochs, seed):
    scores = _common.make_epoch_scores(
        noisy_valid=(data["X_valid"], data["y_valid"]),
        test=(data["X_test"], data["y_test"]),
    )
    net = make_net(row, MLP, epochs, seed, scores, pretrained="filter")
    start = time.perf_counter()
    net.fit(data["X"], y_kept, filter_estimator=stage1)
    out = summarize(net, time.perf_counter() - start, "noisy_valid")
    return out


def parse_args(argv=None):
    parser = _common.base_parser(__doc__)
    parser.add_argument(
        "--parts",
        nargs="+",
        default=["mlp", "no-unlabelled"],
        choices=["mlp", "no-unlabelled", "cnn", "cnn-no-unlabelled", "two-stage"],
    )
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--rows", nargs="+", choices=list(ROWS), default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument(
        "--merge",
        nargs="+",
        default=None,
        metavar="JSON",
        help="instead of running, write one part's files from the result files of "
        "runs (same commit and settings) that split its seeds or rows",
    )
    parser.add_argument(
        "--default",
        choices=ENSEMBLES,
        default=None,
        help="judge the targets of parts other than mlp on this ensemble (the "
        "one the mlp part chose on validation)",
    )
    args = parser.parse_args(argv)
    args.mode = "smoke" if args.smoke else "full"
    if args.smoke:
        args.seeds = args.seeds[:1]
        args.parts = [
            "mlp",
            "no-unlabelled",
            "cnn",
            "cnn-no-unlabelled",
            "two-stage",
        ]
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.merge:
        return merge_part(args.merge, args)
    torch.set_num_threads(1)
    default = args.default
    for part in args.parts:
        chosen = run_part(part, args, default)
        if part == "mlp" and default is None:
            default = chosen
    return default


if __name__ == "__main__":
    main()
