"""Generate benchmarks/RESULTS.md from the result files in benchmarks/results/.

Usage::

    python benchmarks/make_results.py

For every benchmark it takes the most complete result file there is (full mode
before medium before quick) and lists the targets the script evaluated, each
as met, not met or not measured, with the file's provenance: its commit, and
"dirty" where the run started from a tree with uncommitted changes. Each
script judges a paper's target only on the rows that implement that paper's
method. A file without provenance was made before the protocol in
``README.md``; its targets read "not measured under the protocol". The
tables themselves are in each file's ``.md`` twin. Writes nothing but
RESULTS.md; re-run it after any benchmark.
"""

import json
from pathlib import Path

try:
    from . import _common
except ImportError:
    import _common

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
NOT_UNDER_PROTOCOL = "not measured under the protocol"

# What each section reports, and its result files, most complete first.
SECTIONS = {
    "DeepCleanNet's regime and Co-teaching's settings (CNN)": (
        "end_to_end_mnist_full",
        "end_to_end_mnist_medium",
        "end_to_end_mnist_medium_coteaching",
        "end_to_end_mnist_quick",
    ),
    "Full-size DeepCleanNet experiment on one GPU": ("gpu_check",),
    "Ding et al. (WACV 2018), Table 3, MNIST columns": (
        "two_stage_mnist_full",
        "two_stage_mnist_quick",
    ),
    "Table 3's cross-entropy without class-balanced batches": (
        "two_stage_mnist_unbalanced_full",
    ),
    "Relabelling before the two-stage pipeline": ("two_stage_mnist_relabel_full",),
    "Two-stage ablation (scored on noisy validation)": ("two_stage_ablation",),
    "Label filters": ("filters", "filters_quick"),
    "Default filters against no filter": ("default_filters",),
    "Label audit (find_label_issues, noise-matrix estimate) against cleanlab": (
        "label_issues",
    ),
    "Semi-supervised stage: few labels, MLP (PiModelClassifier)": (
        "semi_supervised_mlp",
    ),
    "Semi-supervised stage: few labels, DeepCleanCNN": ("semi_supervised_cnn",),
    "Semi-supervised stage with every row labelled": (
        "semi_supervised_no_unlabelled",
        "semi_supervised_cnn_no_unlabelled",
    ),
    "Semi-supervised stage inside the two-stage pipeline": (
        "semi_supervised_two_stage",
    ),
    "Peak memory": ("memory",),
    "Training speed, DeepCleanCNN": ("speed_cnn_cuda", "speed_cnn_cpu"),
    "Training speed, MLP": ("speed_mlp_cpu",),
    "Pi-model speed against a hand-written loop, MLP": ("pi_speed_mlp_cpu",),
    "Pi-model speed against a hand-written loop, DeepCleanCNN": ("pi_speed_cnn_cpu",),
}
INDICATIVE_MODES = {"quick", "smoke"}
# Files that run other settings of the same benchmark and mode, judged beside
# the file they complement whenever that file is the one reported.
COMPLEMENTS = {"end_to_end_mnist_medium": ("end_to_end_mnist_medium_coteaching",)}


def load(name, folder=RESULTS):
    """A result file's JSON, or None when there is none."""
    path = Path(folder) / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def under_protocol(data):
    """Whether a result file carries the provenance the protocol asks for."""
    return isinstance(data.get("provenance"), dict) and "clean" in data["provenance"]


def tree_state(data):
    """``clean``, ``dirty`` or the reason there is no provenance."""
    if not under_protocol(data):
        return "no provenance (made before the protocol)"
    return "clean" if data["provenance"]["clean"] else "dirty"


def describe(name, data):
    """One line: which file, which run, from which tree."""
    if not under_protocol(data):
        return (
            f"`results/{name}.json`: {NOT_UNDER_PROTOCOL} (no provenance recorded; "
            f"its tables, made before the protocol, are in `results/{name}.md`)."
        )
    settings = data.get("settings", {})
    mode = settings.get("mode", "?")
    seeds = settings.get("seeds", settings.get("seed", "?"))
    machine = data["machine"]
    device = machine.get("device_name", machine.get("device", "?"))
    return (
        f"`results/{name}.json` ({name}.md has the tables): `{data['command']}`, "
        f"mode {mode}, seeds {seeds}, {device}, {data['date_utc'][:10]}, "
        f"{_common.provenance_note(data['provenance'])}; total "
        f"{data.get('total_seconds', 0) / 60:.1f} min."
    )


def target_rows(name, data):
    """The targets a file evaluated, as rows of the RESULTS.md table."""
    state = tree_state(data)
    if not under_protocol(data):
        return [
            {
                "source": name,
                "target": "every target of this file",
                "result": "",
                "verdict": NOT_UNDER_PROTOCOL,
                "tree": state,
            }
        ]
    mode = data.get("settings", {}).get("mode")
    rows = []
    for t in data.get("targets", []):
        verdict = _common.verdict(t.get("met"))
        if mode in INDICATIVE_MODES and t.get("met") is not None:
            verdict += f" ({mode} mode: indicative only)"
        rows.append(
            {
                "source": name,
                "target": t["target"],
                "result": t.get("result", ""),
                "verdict": verdict,
                "tree": state,
            }
        )
    return rows


def section(title, names, folder=RESULTS):
    """Markdown lines of one section and its target rows."""
    found = [(n, d) for n in names for d in [load(n, folder)] if d is not None]
    if not found:
        return [f"## {title}", "", "Not run yet: not measured.", ""], [
            {
                "source": names[0],
                "target": title,
                "result": "",
                "verdict": "not measured",
                "tree": "",
            }
        ]
    complements = {c for n in names for c in COMPLEMENTS.get(n, ())}
    protocol = [(n, d) for n, d in found if under_protocol(d) and n not in complements]
    chosen = protocol[:1] or found[:1]
    chosen += [
        (n, d)
        for n, d in found
        if n in COMPLEMENTS.get(chosen[0][0], ()) and under_protocol(d)
    ]
    lines = [f"## {title}", ""]
    lines += [f"- {describe(n, d)}" for n, d in found]
    lines.append("")
    return lines, [
        row
        for n, d in chosen
        for row in target_rows(n, d)
        if not run_elsewhere(row, d, [o for m, o in chosen if m != n])
    ]


def run_elsewhere(row, data, others):
    """Whether a "not measured" row is about a setting another file ran instead.

    A target's setting is the text before its first colon ("symmetric 0.2:
    best pipeline ..."); a file whose run left that setting out says "not
    measured" for it, and a complementary file may have run it.
    """
    setting = row["target"].split(":", 1)[0]

    def ran(record):
        return setting in record.get("settings", {}).get("noise", {})

    return (
        row["verdict"] == "not measured"
        and not ran(data)
        and any(ran(other) for other in others)
    )


def build(folder=RESULTS):
    """The whole of RESULTS.md, as a string."""
    lines, targets = [], []
    for title, names in SECTIONS.items():
        more, rows = section(title, names, folder)
        lines += more
        targets += rows
    head = [
        "# Results",
        "",
        "Generated by `python benchmarks/make_results.py` from the JSON files in "
        "`benchmarks/results/`; do not edit by hand. Every number of ours comes "
        "from a script; numbers from papers are marked as quoted in the tables. "
        "Results follow the protocol in `benchmarks/README.md`; a file made before "
        f'it reads "{NOT_UNDER_PROTOCOL}", and a run from a tree with '
        'uncommitted changes reads "dirty".',
        "",
        "## Targets",
        "",
        _common.markdown_table(targets),
        "",
    ]
    return "\n".join(head + lines).rstrip() + "\n"


def main(argv=None):
    parser = _common.base_parser(__doc__)
    args = parser.parse_args(argv)
    text = build()
    out = Path(args.out) if args.out else HERE
    out.mkdir(parents=True, exist_ok=True)
    (out / "RESULTS.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
