"""One command for a CUDA machine: CUDA tests, speed ratios, full-size DeepCleanNet.

In order, within a time budget:

1. the CUDA tests (``pytest -k cuda``);
2. the speed ratios of ``bench_cnn_speed.py`` on the GPU (60,000 rows);
3. DeepCleanNet's experiment at full size (60,000 training images, 10% of
   them held out as noisy validation, 50 epochs, symmetric noise 0.5, one
   seed) for four rows of ``bench_end_to_end_mnist.py``: the plain CNN, the
   default KMeans pipeline, the best pipeline and the clean-label ceiling.

The best pipeline is the one the newest end-to-end result file made under the
protocol chose on noisy validation; without one, the paper's own filter
(``DeepCleanNet``), fixed in advance. Each row's result is written to
``results/gpu_check.json`` as soon as it is known, so a run cut short keeps
what it measured; whatever the budget did not reach reads "not measured".

Usage::

    python benchmarks/gpu_check.py                      # budget: 8 minutes
    python benchmarks/gpu_check.py --budget-minutes 12
    python benchmarks/gpu_check.py --smoke --out /tmp/x # same path, CPU, toy size
"""

import json
import subprocess
import sys
import time

try:
    from . import _common
    from . import bench_end_to_end_mnist as e2e
except ImportError:
    import _common
    import bench_end_to_end_mnist as e2e

SETTING = e2e.DEEPCLEANNET_SETTING
SEED = 0
# Share of the budget the tests and the speed ratios may take at most.
TESTS_SHARE, SPEED_SHARE = 0.15, 0.2
NOT_MEASURED = "not measured"


class Budget:
    """Seconds left of a wall-clock budget."""

    def __init__(self, minutes):
        self.deadline = time.monotonic() + 60 * minutes
        self.total = 60 * minutes

    def left(self, share=1.0):
        return max(0.0, min(self.deadline - time.monotonic(), share * self.total))


def run_command(command, timeout):
    """Run a command; its exit code, last lines and seconds (or why not run)."""
    if timeout < 1:
        return {"command": command, "status": NOT_MEASURED + ": no budget left"}
    start = time.perf_counter()
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, cwd=_common.REPO
        )
    except subprocess.TimeoutExpired:
        return {"command": command, "status": f"{NOT_MEASURED}: over {timeout:.0f} s"}
    tail = (done.stdout + done.stderr).strip().splitlines()[-3:]
    return {
        "command": command,
        "returncode": done.returncode,
        "tail": tail,
        "seconds": round(time.perf_counter() - start, 1),
        "status": "passed" if done.returncode in (0, 5) else "failed",
    }


def cuda_tests(smoke, budget):
    """``pytest -k cuda`` (exit code 5, no test selected, counts as passed)."""
    paths = ["tests/test_nets.py"] if smoke else ["tests"]
    command = [sys.executable, "-m", "pytest", "-q", "-k", "cuda", *paths]
    return run_command(command, budget.left(TESTS_SHARE))


def speed_ratios(smoke, device, out, budget):
    """``bench_cnn_speed.py`` on the device, in its own process; its JSON."""
    script = str(_common.HERE / "bench_cnn_speed.py")
    size = ["--smoke"] if smoke else ["--n-train", "60000", "--repeats", "2"]
    name = f"speed_cnn_{device}" + ("_smoke" if smoke else "")
    command = [
        sys.executable,
        script,
        "--device",
        device,
        *size,
        "--out",
        str(out),
        "--name",
        name,
    ]
    result = run_command(command, budget.left(SPEED_SHARE))
    path = out / f"{name}.json"
    if result.get("returncode") == 0 and path.exists():
        speed = json.loads(path.read_text())
        result["CNNClassifier_over_floor"] = speed["CNNClassifier_over_floor"]
        result["skorch_over_CNNClassifier"] = speed["skorch_over_CNNClassifier"]
    return result


def chosen_pipeline(folder=_common.RESULTS):
    """The best pipeline at symmetric 0.5 of a protocol result, or the paper's."""
    for mode in ("full", "medium", "quick"):
        path = folder / f"end_to_end_mnist_{mode}.json"
        data = json.loads(path.read_text()) if path.exists() else {}
        best = data.get("best_pipeline", {}).get(SETTING)
        if "provenance" in data and best in e2e.PIPELINES:
            return best, f"chosen on noisy validation in results/{path.name}"
    return e2e.DEEPCLEANNET, "the paper's filter, fixed in advance (no protocol result)"


def experiment_rows(mode, device, budget, report):
    """The four rows, each in its own process, ``report``-ed as soon as known."""
    best, why = chosen_pipeline()
    rows = {
        e2e.PLAIN: e2e.PLAIN,
        "default KMeans pipeline": e2e.DEFAULT_KMEANS,
        f"best pipeline ({best})": best,
        "clean-label ceiling": e2e.CEILING,
    }
    records = {label: NOT_MEASURED for label in rows}
    report(records, why)
    for label, name in rows.items():
        setting = None if name == e2e.CEILING else SETTING
        try:
            records[label] = e2e.run_row(
                name, SEED, setting, mode, device, timeout=budget.left()
            )
        except TimeoutError:
            records[label] = f"{NOT_MEASURED}: the budget ran out during this row"
            report(records, why)
            break
        report(records, why)
    return records


def targets(records):
    """Symmetric 0.5 targets that four rows can answer (None: not measured)."""
    got = {k: v for k, v in records.items() if isinstance(v, dict)}
    best = next((v for k, v in got.items() if k.startswith("best pipeline")), None)
    plain, ceiling = got.get(e2e.PLAIN), got.get("clean-label ceiling")

    def acc(r):
        return r["final_test_accuracy"]

    return [
        {
            "target": "best pipeline above the plain CNN",
            "result": f"{acc(best):.2f} vs {acc(plain):.2f}" if best and plain else "",
            "met": acc(best) > acc(plain) if best and plain else None,
        },
        {
            "target": "best pipeline within 1.5 points of the clean-label ceiling",
            "result": f"{acc(best):.2f} vs {acc(ceiling):.2f}"
            if best and ceiling
            else "",
            "met": acc(best) >= acc(ceiling) - 1.5 if best and ceiling else None,
        },
    ]


def to_markdown(payload):
    rows = [
        {
            "row": label,
            "final test acc.": r.get("final_test_accuracy"),
            "last-10 test acc.": r.get("last10_test_accuracy"),
            "noisy-valid acc.": r.get("final_noisy_valid_accuracy"),
            "wall time (s)": r.get("seconds"),
        }
        if isinstance(r, dict)
        else {"row": label, "final test acc.": r}
        for label, r in payload["rows"].items()
    ]
    checks = [
        {
            "check": k,
            "status": payload[k].get("status", NOT_MEASURED),
            "seconds": payload[k].get("seconds"),
        }
        for k in ("cuda_tests", "speed")
        if k in payload
    ]
    table = [{**t, "met": _common.verdict(t["met"])} for t in payload["targets"]]
    return "\n".join(
        [
            _common.markdown_table(checks),
            "",
            f"## DeepCleanNet's experiment, {SETTING}, one seed",
            "",
            f"Best pipeline: {payload['best_pipeline_source']}.",
            "",
            _common.markdown_table(rows),
            "",
            _common.markdown_table(table),
        ]
    )


def main(argv=None):
    parser = _common.base_parser(__doc__)
    parser.add_argument("--budget-minutes", type=float, default=8.0)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args(argv)
    budget = Budget(args.budget_minutes)
    device = "cpu" if args.smoke else _common.resolve_device(args.device)
    mode = "smoke" if args.smoke else "full"
    run = _common.Run(
        "gpu_check" + ("_smoke" if args.smoke else ""),
        f"GPU check ({mode})",
        {
            "mode": mode,
            "seeds": [SEED],
            "setting": SETTING,
            "budget_minutes": args.budget_minutes,
            **e2e.MODES[mode],
        },
        device=device,
        out=args.out,
    )
    payload = {"cuda_tests": cuda_tests(args.smoke, budget)}
    payload["speed"] = speed_ratios(args.smoke, device, run.out, budget)

    def report(records, why):
        payload.update(rows=records, best_pipeline_source=why, targets=targets(records))
        run.write(payload, to_markdown(payload))

    experiment_rows(mode, device, budget, report)
    print((run.out / f"{run.name}.md").read_text())


if __name__ == "__main__":
    main()
