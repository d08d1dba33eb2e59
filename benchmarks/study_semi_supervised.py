"""Development study: PiModelClassifier's learning rate and VAT's settings.

The set-up of ``bench_semi_supervised.py``'s ``mlp`` part (the first 10,000
rows of MNIST's training split, 100 or 400 of them labelled, the MLP, 30
epochs, a cosine schedule, 128 labelled + 128 unlabelled rows per batch), with
each candidate's learning rate and ``vat_epsilon`` named explicitly so that
the study does not follow the estimator's defaults. Every candidate is scored
on the 1,000 held-out labelled rows only (mean accuracy over the last 10
epochs); no test set is scored. Two rounds (``--round``):

- ``lr`` (result files ``study_semi_supervised.*``): the consistency term off
  (``unsupervised_weight=0``) and VAT, each at Adam 1e-3 (the default before
  0.1.0) and at 3e-3, Laine & Aila's maximum learning rate, which the
  comparison of the two tests; VAT at 3e-3 with ``vat_epsilon`` 1 and 3
  beside 2.
- ``vat`` (``study_semi_supervised_vat.*``): VAT's schedule and terms, one
  change at a time from the settings of 0.1.0's first VAT default (ramp-up
  over a quarter of the epochs, weight 1, entropy weight 1, radius 2, input
  noise 0.15): no ramp-up (Miyato et al. use none) or a ramp-up over a tenth
  of the epochs; weight 3; no entropy term; no input noise; radius 1; and
  the consistency term off as the reference.

Run: ``OMP_NUM_THREADS=1 nice -n 10 python benchmarks/study_semi_supervised.py
--round lr`` (about 15 minutes on one core; ``--round vat``: about 20;
``--seeds`` splits a round over processes and ``--merge`` puts their result
files back together; ``--smoke``: toy size into ``--out``).
"""

import json
import time
from pathlib import Path

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
# VAT's ramp-up is pinned to the quarter of the epochs this round ran with
# (the default for VAT became none after the vat round).
_LR_VAT = {"ensemble": "vat", "rampup_epochs": 0.25}
LR_CANDIDATES = {
    "consistency off, lr 1e-3": {"unsupervised_weight": 0.0, "lr": 1e-3},
    "consistency off, lr 3e-3": {"unsupervised_weight": 0.0, "lr": 3e-3},
    "vat, lr 1e-3": {**_LR_VAT, "lr": 1e-3, "vat_epsilon": 2.0},
    "vat, lr 3e-3": {**_LR_VAT, "lr": 3e-3, "vat_epsilon": 2.0},
    "vat, lr 3e-3, epsilon 1": {**_LR_VAT, "lr": 3e-3, "vat_epsilon": 1.0},
    "vat, lr 3e-3, epsilon 3": {**_LR_VAT, "lr": 3e-3, "vat_epsilon": 3.0},
}
# Every setting named, so that the round does not follow the estimator's defaults.
FIRST_VAT_DEFAULT = {
    "ensemble": "vat",
    "lr": 3e-3,
    "vat_epsilon": 2.0,
    "unsupervised_weight": 1.0,
    "entropy_weight": 1.0,
    "rampup_epochs": 0.25,
    "noise_std": 0.15,
}
VAT_CANDIDATES = {
    "consistency off": {**FIRST_VAT_DEFAULT, "unsupervised_weight": 0.0},
    "vat, first default": FIRST_VAT_DEFAULT,
    "vat, no ramp-up": {**FIRST_VAT_DEFAULT, "rampup_epochs": 0},
    "vat, ramp-up 0.1": {**FIRST_VAT_DEFAULT, "rampup_epochs": 0.1},
    "vat, weight 3": {**FIRST_VAT_DEFAULT, "unsupervised_weight": 3.0},
    "vat, no entropy": {**FIRST_VAT_DEFAULT, "entropy_weight": 0.0},
    "vat, no input noise": {**FIRST_VAT_DEFAULT, "noise_std": 0.0},
    "vat, epsilon 1": {**FIRST_VAT_DEFAULT, "vat_epsilon": 1.0},
}
ROUNDS = {
    "lr": ("", "learning rate and VAT's radius", LR_CANDIDATES),
    "vat": ("_vat", "VAT's schedule and terms", VAT_CANDIDATES),
}
LABELS = {"full": (100, 400), "smoke": (50,)}


def fit_candidate(params, data, y_partial, epochs, seed):
    """Validation accuracy (%) per epoch of one candidate, and its fit time."""
    scores = _common.make_epoch_scores(valid=(data["X_valid"], data["y_valid"]))
    net = PiModelClassifier(
        MLP,
        max_epochs=epochs,
        batch_size=2 * HALF_BATCH,
        callbacks=[_common.cosine_lr(epochs), scores],
        random_state=seed,
        verbose=0,
        **params,
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


def title_of(round_name):
    return f"Development study: PiModelClassifier's {ROUNDS[round_name][1]}"


def merge(paths, out=None):
    """Write one round's files from the result files of runs that split its seeds."""
    records = [json.loads(Path(path).read_text()) for path in paths]
    round_name = records[0]["settings"].get("round", "lr")
    run = _common.Run.merged(records, title_of(round_name), out=out)
    run.write(
        {"results": run.results}, to_markdown(run.results, run.record["settings"])
    )
    return run.results


def parse_args(argv=None):
    parser = _common.base_parser(__doc__)
    parser.add_argument("--round", choices=list(ROUNDS), default="lr")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument(
        "--merge",
        nargs="+",
        default=None,
        metavar="JSON",
        help="instead of running, write one round's files from the result files "
        "of runs (same commit and settings) that split its seeds",
    )
    args = parser.parse_args(argv)
    args.mode = "smoke" if args.smoke else "full"
    if args.smoke:
        args.seeds = args.seeds[:1]
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.merge:
        return merge(args.merge, out=args.out)
    torch.set_num_threads(1)
    epochs = MODES[args.mode]["epochs"]
    stem, _, candidates = ROUNDS[args.round]
    settings = {
        "mode": args.mode,
        "round": args.round,
        "epochs": epochs,
        "seeds": args.seeds,
        "candidates": candidates,
        "sizes": MODES[args.mode],
        "half_batch": HALF_BATCH,
    }
    suffix = "_smoke" if args.mode == "smoke" else ""
    run = _common.Run(
        NAME + stem + suffix,
        title_of(args.round),
        settings,
        out=args.out,
        measures_memory=False,
    )
    results = {}
    for seed in args.seeds:
        data = load(seed, args.mode)
        for n_labeled in LABELS[args.mode]:
            y_partial = hide_labels(data["y_clean"], n_labeled, seed)
            for name, params in candidates.items():
                rec = fit_candidate(params, data, y_partial, epochs, seed)
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
