"""Development study: PiModelClassifier's learning rate and VAT's radius.

The set-up of ``bench_semi_supervised.py``'s ``mlp`` part (the first 10,000
rows of MNIST's training split, 100 or 400 of them labelled, the MLP, 30
epochs, a cosine schedule, 128 labelled + 128 unlabelled rows per batch), with
each candidate's learning rate and ``vat_epsilon`` named explicitly so that
the study does not follow the estimator's defaults. Every candidate is scored
on the 1,000 held-out labelled rows only (mean accuracy over the last 10
epochs); no test set is scored. The candidates:

- the consistency term off (``unsupervised_weight=0``) and VAT, each at Adam
  1e-3 (the default before 0.1.0) and at 3e-3, Laine & Aila's maximum learning
  rate, which the comparison of the two tests;
- VAT at 3e-3 with ``vat_epsilon`` 1 and 3 beside the default 2.

Run: ``OMP_NUM_THREADS=1 nice -n 10 python benchmarks/study_semi_supervised.py``
(about 15 minutes on one core; ``--smoke``: toy size into ``--out``).
"""

import time

import numpy as np
import torch

from skclean.nets import MLP, PiModelClassifier

try:
    from . import _common
    from .bench_semi_supervised import HALF_BATCH, MODES, hide_labels, load
except ImportError:
    import _common
    from bench_semi_supervised import HALF_BATCH, MODES, hide_labels, load

NAME = "study_semi_supervised"
CANDIDATES = {
    "consistency off, lr 1e-3": {"unsupervised_weight": 0.0, "lr": 1e-3},
    "consistency off, lr 3e-3": {"unsupervised_weight": 0.0, "lr": 3e-3},
    "vat, lr 1e-3": {"ensemble": "vat", "lr": 1e-3, "vat_epsilon": 2.0},
    "vat, lr 3e-3": {"ensemble": "vat", "lr": 3e-3, "vat_epsilon": 2.0},
    "vat, lr 3e-3, epsilon 1": {"ensemble": "vat", "lr": 3e-3, "vat_epsilon": 1.0},
    "vat, lr 3e-3, epsilon 3": {"ensemble": "vat", "lr": 3e-3, "vat_epsilon": 3.0},
}
LABELS = {"full": (100, 400), "smoke": (50,)}


def fit_candidate(name, data, y_partial, epochs, seed):
    """Validation accuracy (%) per epoch of one candidate, and its fit time."""
    scores = _common.make_epoch_scores(valid=(data["X_valid"], data["y_valid"]))
    net = PiModelClassifier(
        MLP,
        max_epochs=epochs,
        batch_size=2 * HALF_BATCH,
        callbacks=[_common.cosine_lr(epochs), scores],
        random_state=seed,
        verbose=0,
        **CANDIDATES[name],
    )
    start = time.perf_counter()
    net.fit(data["X"], y_partial)
    seconds = time.perf_counter() - start
    valid = [round(100 * float(v), 3) for v in net.history_[:, "valid_acc"]]
    return {
        "valid_acc": valid,
        "last10_valid_accuracy": float(np.mean(valid[-_common.LAST_EPOCHS :])),
        "seconds": round(seconds, 1),
    }


def summary_rows(results):
    rows = []
    for setting, by_name in results.items():
        for name, by_seed in by_name.items():
            values = [r["last10_valid_accuracy"] for r in by_seed.values()]
            rows.append(
                {
                    "labels": setting,
                    "candidate": name,
                    "seeds": len(values),
                    "last-10 valid %": _common.mean_std(values),
                    "s / run": _common.mean_std(
                        [r["seconds"] for r in by_seed.values()], digits=0
                    ),
                }
            )
    return rows


def to_markdown(results, settings):
    return "\n".join(
        [
            f"Mode {settings['mode']}, {settings['epochs']} epochs, seeds "
            f"{settings['seeds']}. Accuracy on the held-out labelled validation "
            "split (mean over the last 10 epochs), mean ± std over seeds; no test "
            "set is scored.",
            "",
            _common.markdown_table(summary_rows(results)),
        ]
    )


def parse_args(argv=None):
    parser = _common.base_parser(__doc__)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    args = parser.parse_args(argv)
    args.mode = "smoke" if args.smoke else "full"
    if args.smoke:
        args.seeds = args.seeds[:1]
    return args


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(1)
    epochs = MODES[args.mode]["epochs"]
    settings = {
        "mode": args.mode,
        "epochs": epochs,
        "seeds": args.seeds,
        "candidates": CANDIDATES,
        "sizes": MODES[args.mode],
        "half_batch": HALF_BATCH,
    }
    suffix = "_smoke" if args.mode == "smoke" else ""
    run = _common.Run(
        NAME + suffix,
        "Development study: PiModelClassifier's learning rate and VAT's radius",
        settings,
        out=args.out,
        measures_memory=False,
    )
    results = {}
    for seed in args.seeds:
        data = load(seed, args.mode)
        for n_labeled in LABELS[args.mode]:
            y_partial = hide_labels(data["y_clean"], n_labeled, seed)
            for name in CANDIDATES:
                rec = fit_candidate(name, data, y_partial, epochs, seed)
                results.setdefault(str(n_labeled), {}).setdefault(name, {})[seed] = rec
                print(
                    f"seed {seed} {n_labeled} {name}: "
                    f"{rec['last10_valid_accuracy']:.2f} ({rec['seconds']:.0f} s)",
                    flush=True,
                )
                run.write({"results": results}, to_markdown(results, settings))
    return results


if __name__ == "__main__":
    main()
