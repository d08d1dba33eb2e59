"""Tests of the benchmarks' shared machinery and of the GPU check's smoke path."""

import json
import operator
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("psutil")
pytest.importorskip("threadpoolctl")

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # the benchmarks package lives beside skclean
    sys.path.insert(0, str(REPO))

from benchmarks import (  # noqa: E402
    _common,
    bench_semi_supervised,
    make_results,
    study_semi_supervised,
)
from benchmarks import ablate_two_stage_mnist as ablation  # noqa: E402
from benchmarks import bench_end_to_end_mnist as e2e  # noqa: E402
from benchmarks import bench_two_stage_mnist as two_stage  # noqa: E402


def test_dirty_paths_watch_package_and_benchmarks_but_not_results():
    porcelain = "\n".join(
        [
            " M skclean/base.py",
            "?? benchmarks/new_script.py",
            " M benchmarks/results/filters.json",
            "?? benchmarks/results/tmp/x.json",
            " M docs/index.rst",
            "R  skclean/old.py -> skclean/new.py",
            " M tests/test_noise.py",
        ]
    )
    assert _common.dirty_paths(porcelain) == [
        "skclean/base.py",
        "benchmarks/new_script.py",
        "skclean/new.py",
    ]
    assert _common.dirty_paths(" M benchmarks/results/memory.md\n") == []


def _git(repo, *args):
    subprocess.run(
        ["git", "-c", "user.email=a@b.c", "-c", "user.name=t", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def test_provenance_is_dirty_only_for_changes_outside_results(tmp_path):
    for path in ("skclean/a.py", "benchmarks/results/r.json", "docs/d.rst"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("0\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "start")
    prov = _common.provenance(tmp_path)
    assert prov["clean"] and len(prov["git_commit"]) == 40

    (tmp_path / "benchmarks/results/r.json").write_text("1\n")
    (tmp_path / "docs/d.rst").write_text("1\n")
    assert _common.provenance(tmp_path)["clean"]

    (tmp_path / "benchmarks/bench_new.py").write_text("1\n")
    prov = _common.provenance(tmp_path)
    assert not prov["clean"]
    assert prov["dirty_paths"] == ["benchmarks/bench_new.py"]
    assert "**dirty**" in _common.provenance_note(prov)


def test_provenance_outside_a_checkout_is_not_clean(tmp_path):
    prov = _common.provenance(tmp_path)
    assert prov["git_commit"] is None and not prov["clean"]


def test_markdown_table_from_pandas():
    frame = pd.DataFrame(
        {"row": ["a|b", "c"], "acc": [97.123, None], "n": [3, 4], "ok": [True, False]}
    )
    assert _common.markdown_table(frame).splitlines() == [
        "| row | acc | n | ok |",
        "| --- | ---: | ---: | --- |",
        "| a\\|b | 97.12 | 3 | True |",
        "| c |  | 4 | False |",
    ]
    # A list of dicts is accepted and keeps the key order.
    table = _common.markdown_table([{"x": 0.5, "y": "s"}], floatfmt=".3f")
    assert table.splitlines()[-1] == "| 0.500 | s |"


def test_mean_std_and_verdict():
    assert _common.mean_std([97.0, 98.0, 99.0]) == "98.00 ± 1.00"
    assert _common.mean_std([97.5]) == "97.50 ± 0.00"
    assert _common.mean_std([]) == ""
    assert _common.verdict(True) == "**met**"
    assert _common.verdict(False) == "**not met**"
    assert _common.verdict(None) == "not measured"


def test_run_write_keeps_the_run_record(tmp_path):
    run = _common.Run("clash", "Clash", {"mode": "smoke"}, out=tmp_path)
    run.write({"settings": {"mode": "smoke"}, "rows": []}, "same settings: fine")
    with pytest.raises(ValueError, match="settings"):
        run.write({"settings": [{"rate": 0.2}]}, "would replace the run's settings")
    assert json.loads((tmp_path / "clash.json").read_text())["settings"] == {
        "mode": "smoke"
    }


@pytest.mark.slow  # starts a process server that imports torch
def test_run_fresh_reports_the_step_peak_memory():
    result, stats = _common.run_fresh(operator.mul, b"x", 64 * 2**20)
    assert len(result) == 64 * 2**20
    assert 60 <= stats["peak_above_start_mib"] <= stats["peak_rss_mib"]
    assert stats["seconds"] >= 0


@pytest.mark.slow
def test_run_fresh_raises_on_timeout_and_on_errors():
    start = time.monotonic()
    with pytest.raises(TimeoutError, match="sleep"):
        _common.run_fresh(time.sleep, 60, timeout=1)
    assert time.monotonic() - start < 30
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        _common.run_fresh(operator.truediv, 1, 0)


def _record(test, valid):
    return {"final_test_accuracy": test, "final_noisy_valid_accuracy": valid}


def test_end_to_end_best_pipeline_is_chosen_on_noisy_validation():
    records = {
        e2e.DEFAULT_KMEANS: [_record(test=99.0, valid=40.0)],
        e2e.DEEPCLEANNET: [_record(test=90.0, valid=45.0)],
        e2e.TWO_STAGE: [_record(test=95.0, valid=44.0)],
    }
    assert e2e.best_pipeline(records) == e2e.DEEPCLEANNET


def test_end_to_end_relabel_feeds_the_best_pipeline_of_this_run_or_an_earlier_one():
    mine = {
        e2e.PLAIN: [_record(test=80.0, valid=41.0)],
        e2e.DEFAULT_KMEANS: [_record(test=95.0, valid=40.0)],
    }
    assert e2e.relabel_downstream(mine, "symmetric 0.5") == e2e.PLAIN
    earlier = {"pairflip 0.45": mine}
    # A run of relabel rows only takes the choice of the run that has the rows.
    assert e2e.relabel_downstream({}, "pairflip 0.45", earlier, "e.json") == e2e.PLAIN
    with pytest.raises(ValueError, match="--best-from"):
        e2e.relabel_downstream({}, "pairflip 0.45")
    with pytest.raises(ValueError, match="symmetric 0.2"):
        e2e.relabel_downstream({}, "symmetric 0.2", earlier, "e.json")


def test_end_to_end_targets_say_not_measured_for_rows_not_run():
    results = {
        "symmetric 0.5": {
            e2e.PLAIN: [_record(test=80.0, valid=40.0)],
            e2e.DEEPCLEANNET: [_record(test=85.0, valid=43.0)],
            e2e.TWO_STAGE: [_record(test=97.0, valid=45.0)],
            e2e.CEILING: [_record(test=98.0, valid=49.0)],
        }
    }
    verdicts = {t["target"]: t["met"] for t in e2e.evaluate_targets(results)}
    assert verdicts["symmetric 0.5: best pipeline above cleanlab"] is None
    assert verdicts[f"symmetric 0.5: best pipeline above {e2e.PLAIN}"] is True
    within = [v for t, v in verdicts.items() if t.startswith("symmetric 0.5: best")]
    assert within[0] is True  # two-stage 97.0 is within 1.5 of 98.0
    within_02 = (
        "symmetric 0.2: best pipeline (chosen on noisy validation) within 1.0 points "
        "of the clean-label ceiling"
    )
    assert verdicts[within_02] is None
    assert (
        verdicts[
            within_02.replace("symmetric 0.2", "pairflip 0.45").replace("1.0", "1.5")
        ]
        is None
    )


def test_ablation_recipe_is_chosen_on_noisy_validation_within_the_method():
    def setting(best_test, best_valid):
        rows = {name: _record(test=90.0, valid=80.0) for name in ablation.VARIANTS}
        rows[best_test] = _record(test=99.0, valid=70.0)
        rows[best_valid] = _record(test=80.0, valid=85.0)
        rows["unsupervised_weight=0"] = _record(test=99.5, valid=95.0)
        return rows

    results = {
        "symmetric 0.2": setting("lr=3e-4", "translate=0"),
        "p=0": setting("lr=3e-4", "noise_std=0"),
    }
    choice = ablation.choose_recipe(results)
    # translate=0 and noise_std=0 tie at 82.5; the first listed wins; the
    # variant without the consistency term is never chosen.
    assert choice["chosen"] == "translate=0"
    assert choice["change"] == {"translate": 0}
    assert "unsupervised_weight=0" not in choice["mean_noisy_valid_accuracy"]
    assert choice["mean_noisy_valid_accuracy"]["lr=3e-4"] == pytest.approx(70.0)


def test_two_stage_paper_targets_use_the_paper_method_only():
    setting = "asymmetric 0.6"

    def rows(acc):
        return {setting: [{"final_test_accuracy": acc}]}

    results = {
        two_stage.NOISY: rows(60.0),
        two_stage.TWO_STAGE: rows(80.0),
        two_stage.RELABEL: rows(98.0),
    }
    targets = two_stage.evaluate_targets(results, [setting])
    paper = [t for t in targets if t["target"].startswith(f"{setting}: two-stage")]
    assert [t["met"] for t in paper] == [False, True]  # below the paper, above CE
    assert all("relabel" not in t["target"] for t in paper)
    own = [t for t in targets if two_stage.RELABEL in t["target"]]
    assert [t["met"] for t in own] == [True]


def _write(folder, name, data):
    (folder / f"{name}.json").write_text(json.dumps(data))


def test_make_results_marks_dirty_runs_and_old_files(tmp_path):
    protocol = {
        "command": "python benchmarks/bench_two_stage_mnist.py",
        "date_utc": "2026-01-01T00:00:00Z",
        "provenance": {"git_commit": "a" * 40, "clean": False, "dirty_paths": ["x"]},
        "machine": {"device": "cpu"},
        "settings": {"mode": "full", "seeds": [0, 1, 2]},
        "targets": [
            {"target": "t met", "result": "1", "met": True},
            {"target": "t missed", "result": "2", "met": False},
            {"target": "t absent", "result": "", "met": None},
        ],
    }
    _write(tmp_path, "two_stage_mnist_full", protocol)
    _write(tmp_path, "filters", {"settings": [], "targets": {}})
    text = make_results.build(tmp_path)
    lines = {line.split(" | ")[1]: line for line in text.splitlines() if " | " in line}
    assert "**met**" in lines["t met"] and "dirty" in lines["t met"]
    assert "**not met**" in lines["t missed"]
    assert "not measured" in lines["t absent"]
    assert make_results.NOT_UNDER_PROTOCOL in text
    assert "**dirty** tree" in text
    assert "Not run yet: not measured." in text  # e.g. the GPU check


@pytest.mark.slow
def test_gpu_check_smoke_runs_every_step_and_writes_rows(tmp_path):
    done = subprocess.run(
        [sys.executable, "benchmarks/gpu_check.py", "--smoke", "--out", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((tmp_path / "gpu_check_smoke.json").read_text())
    assert result["machine"]["device"] == "cpu"
    assert "clean" in result["provenance"]
    assert result["cuda_tests"]["status"] == "passed"
    assert result["speed"]["CNNClassifier_over_floor"] > 0
    assert len(result["rows"]) == 4
    for row in result["rows"].values():
        assert 0 < row["final_test_accuracy"] <= 100
        assert len(row["test_acc"]) == e2e.MODES["smoke"]["epochs"]
        assert row["peak_above_start_mib"] >= 0
    assert [t["met"] for t in result["targets"]] != [None, None]
    assert (tmp_path / "gpu_check_smoke.md").exists()


@pytest.mark.slow
def test_label_issues_smoke_writes_targets_and_cache_use(tmp_path):
    pytest.importorskip("cleanlab")  # the benchmark extra, not the test extra
    subprocess.run(
        [
            sys.executable,
            "benchmarks/bench_label_issues.py",
            "--smoke",
            "--out",
            str(tmp_path),
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=600,
    )
    result = json.loads((tmp_path / "label_issues_smoke.json").read_text())
    assert result["settings"]["mode"] == "smoke"
    assert make_results.under_protocol(result)
    assert result["oof_cache"] == {"dir": None, "n_read": 0, "n_sets": 5}
    for target in result["targets"]:
        assert set(target) == {"target", "result", "met"}
        assert target["met"] in (True, False, None)
    assert (tmp_path / "label_issues_smoke.md").exists()


def test_make_results_copes_with_default_filters_without_provenance(tmp_path):
    (tmp_path / "default_filters.json").write_text(json.dumps({"targets": []}))
    text = make_results.build(tmp_path)
    assert "## Default filters against no filter" in text
    assert make_results.NOT_UNDER_PROTOCOL in text
    assert "## Label audit (find_label_issues" in text


def _smoke(script, tmp_path, *args):
    subprocess.run(
        [
            sys.executable,
            f"benchmarks/{script}",
            "--smoke",
            "--out",
            str(tmp_path),
            *args,
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=600,
    )


def test_pi_speed_smoke_writes_the_ratio_and_its_target(tmp_path):
    _smoke("bench_pi_speed.py", tmp_path)
    result = json.loads((tmp_path / "pi_speed_mlp_cpu_smoke.json").read_text())
    assert make_results.under_protocol(result)
    assert set(result["median_seconds_per_epoch"]) == {"loop", "PiModelClassifier"}
    assert result["targets"][0]["met"] in (True, False)
    assert (tmp_path / "pi_speed_mlp_cpu_smoke.md").exists()


@pytest.mark.slow
def test_semi_supervised_smoke_runs_every_part(tmp_path):
    _smoke("bench_semi_supervised.py", tmp_path)
    for part in ("mlp", "no_unlabelled", "cnn", "cnn_no_unlabelled", "two_stage"):
        path = tmp_path / f"semi_supervised_{part}_smoke.json"
        result = json.loads(path.read_text())
        assert result["settings"]["mode"] == "smoke"
        assert make_results.under_protocol(result)
        assert result["default_ensemble"] in bench_semi_supervised.ENSEMBLES
        for by_row in result["results"].values():
            for by_seed in by_row.values():
                for record in by_seed.values():
                    epochs = result["settings"]["epochs"]
                    assert len(record["test_acc"]) == epochs
                    assert len(record["train_consistency_loss"]) == epochs
        for target in result["targets"]:
            assert target["met"] in (True, False, None)
        assert (tmp_path / f"semi_supervised_{part}_smoke.md").exists()


def test_study_semi_supervised_smoke_scores_validation_only(tmp_path):
    _smoke("study_semi_supervised.py", tmp_path)
    result = json.loads((tmp_path / "study_semi_supervised_smoke.json").read_text())
    assert make_results.under_protocol(result)
    candidates = result["settings"]["candidates"]
    # Each candidate names its learning rate: the study does not follow the default.
    assert all("lr" in params for params in candidates.values())
    for by_name in result["results"].values():
        assert set(by_name) == set(candidates)
        for by_seed in by_name.values():
            for record in by_seed.values():
                assert not any("test" in key for key in record)
                assert len(record["valid_acc"]) == result["settings"]["epochs"]
    assert (tmp_path / "study_semi_supervised_smoke.md").exists()


def test_study_semi_supervised_vat_round_names_every_setting_and_merges(tmp_path):
    for seed in (0, 1):
        _smoke(
            "study_semi_supervised.py",
            tmp_path / str(seed),
            "--round",
            "vat",
            "--seeds",
            str(seed),
        )
    paths = [tmp_path / str(s) / "study_semi_supervised_vat_smoke.json" for s in (0, 1)]
    merged = study_semi_supervised.merge(paths, out=tmp_path / "merged")
    result = json.loads(
        (tmp_path / "merged" / "study_semi_supervised_vat_smoke.json").read_text()
    )
    assert result["settings"]["round"] == "vat"
    candidates = result["settings"]["candidates"]
    assert set(candidates) == set(study_semi_supervised.VAT_CANDIDATES)
    # Every candidate names each setting the round varies, defaults unread.
    varied = set(study_semi_supervised.FIRST_VAT_DEFAULT)
    assert all(varied <= set(params) for params in candidates.values())
    for by_name in merged.values():
        assert set(by_name) == set(candidates)
        for by_seed in by_name.values():
            assert sorted(map(int, by_seed)) == [0, 1]
            for record in by_seed.values():
                assert not any("test" in key for key in record)
    assert (
        "Development study"
        in (tmp_path / "merged" / "study_semi_supervised_vat_smoke.md").read_text()
    )


def _fake_semi_supervised_run(folder, seeds, rows, epochs=3):
    """The result file a run of ``seeds`` and ``rows`` of the cnn part writes."""
    settings = {"part": "cnn", "mode": "full", "epochs": epochs, "seeds": seeds}
    settings["rows"] = {row: bench_semi_supervised.ROWS[row] for row in rows}
    run = _common.Run("semi_supervised_cnn", "t", settings, out=folder)
    results = {"400": {}}
    for row in rows:
        for seed in seeds:
            acc = [90.0 + seed + (row == "vat")] * epochs
            results["400"].setdefault(row, {})[str(seed)] = {
                "test_acc": acc,
                "final_test_accuracy": acc[-1],
                "last10_test_accuracy": acc[-1],
                "last10_valid_accuracy": acc[-1],
                "train_consistency_loss": [0.1] * epochs,
                "seconds": 10.0 + seed,
            }
    targets = bench_semi_supervised.part_targets("cnn", results, "vat")
    payload = {"results": results, "default_ensemble": "vat", "targets": targets}
    return run.write(payload, "body")


def test_merge_puts_split_seeds_and_rows_back_together(tmp_path):
    paths = [
        _fake_semi_supervised_run(tmp_path / "a", [0, 1], ["vat"]),
        _fake_semi_supervised_run(tmp_path / "b", [2], ["vat", "consistency off"]),
        _fake_semi_supervised_run(tmp_path / "c", [0, 1], ["consistency off"]),
    ]
    out = tmp_path / "merged"
    args = bench_semi_supervised.parse_args(
        ["--merge", *map(str, paths), "--out", str(out)]
    )
    assert bench_semi_supervised.merge_part(args.merge, args) == "vat"
    merged = json.loads((out / "semi_supervised_cnn.json").read_text())
    by_row = merged["results"]["400"]
    assert list(by_row) == ["consistency off", "vat"]
    assert all(list(by_seed) == ["0", "1", "2"] for by_seed in by_row.values())
    assert merged["settings"]["seeds"] == [0, 1, 2]
    assert set(merged["settings"]["rows"]) == {"vat", "consistency off"}
    assert len(merged["runs"]) == 3
    parts = [json.loads(p.read_text()) for p in paths]
    assert merged["total_seconds"] == pytest.approx(
        sum(p["total_seconds"] for p in parts)
    )
    assert merged["provenance"]["git_commit"] == parts[0]["provenance"]["git_commit"]
    # Every seed of both rows is in the targets: vat 92.0 vs off 91.0 on average.
    assert merged["targets"][0]["result"] == "92.00 (target >= 94.00)"
    markdown = (out / "semi_supervised_cnn.md").read_text()
    assert "Merged from the result files of these runs" in markdown
    assert markdown.count("seeds [0, 1]") == 2


def test_merge_refuses_overlapping_or_foreign_runs(tmp_path):
    a = json.loads(_fake_semi_supervised_run(tmp_path / "a", [0], ["vat"]).read_text())
    b = json.loads(_fake_semi_supervised_run(tmp_path / "b", [0], ["vat"]).read_text())
    with pytest.raises(ValueError, match="400/vat/0"):
        _common.merge_records([a, b])
    c = json.loads(_fake_semi_supervised_run(tmp_path / "c", [1], ["vat"]).read_text())
    for key, value in [
        ("provenance", {**c["provenance"], "git_commit": "0" * 40}),
        ("settings", {**c["settings"], "epochs": 30}),
        ("versions", {**c["versions"], "torch": "0"}),
    ]:
        with pytest.raises(ValueError, match="differ|different"):
            _common.merge_records([a, {**c, key: value}])
    with pytest.raises(ValueError, match="at least two"):
        _common.merge_records([a])
    assert _common.merge_records([a, c])[0]["settings"]["seeds"] == [0, 1]


def test_make_results_judges_a_complementary_run_beside_its_main_file(tmp_path):
    def run(settings, targets):
        return {
            "command": "python benchmarks/bench_end_to_end_mnist.py --medium",
            "date_utc": "2026-01-01T00:00:00Z",
            "provenance": {"git_commit": "a" * 40, "clean": True, "dirty_paths": []},
            "machine": {"device": "cpu"},
            "settings": {"mode": "medium", "seeds": [0], "noise": settings},
            "targets": [{"target": t, "result": r, "met": m} for t, r, m in targets],
        }

    main = run(
        {"symmetric 0.5": {}},
        [
            ("symmetric 0.5: best pipeline above plain", "95 vs 75", True),
            ("symmetric 0.2: best pipeline within 1.0 of the ceiling", "", None),
            ("pairflip 0.45: best pipeline >= 90%", "", None),
        ],
    )
    other = run(
        {"symmetric 0.2": {}},
        [
            ("symmetric 0.5: best pipeline above plain", "", None),
            ("symmetric 0.2: best pipeline (chosen) within 1.0", "97 vs 98", True),
        ],
    )
    _write(tmp_path, "end_to_end_mnist_medium", main)
    _write(tmp_path, "end_to_end_mnist_medium_coteaching", other)
    _write(tmp_path, "end_to_end_mnist_quick", run({}, [("quick only", "", True)]))
    targets = [
        line.split(" | ")[1:4]
        for line in make_results.build(tmp_path).splitlines()
        if line.startswith("| end_to_end")
    ]
    assert targets == [
        ["symmetric 0.5: best pipeline above plain", "95 vs 75", "**met**"],
        # Neither file ran pairflip 0.45: it stays "not measured".
        ["pairflip 0.45: best pipeline >= 90%", "", "not measured"],
        ["symmetric 0.2: best pipeline (chosen) within 1.0", "97 vs 98", "**met**"],
    ]


def _fake_end_to_end_run(folder, seeds, rows, commit, recipe="r"):
    """The result file of a medium run of ``seeds`` and ``rows``, symmetric 0.5."""
    settings = {
        "mode": "medium",
        "epochs": 50,
        "seeds": seeds,
        "rows": rows,
        "noise": {"symmetric 0.5": e2e.NOISE["symmetric 0.5"]},
        "n_jobs": 2,
        "two_stage_stage2": recipe,
    }
    run = _common.Run("end_to_end_mnist_medium", "t", settings, out=folder)
    run.record["provenance"].update(git_commit=commit, clean=True, dirty_paths=[])
    run.record["machine"]["platform"] = f"Linux-{commit[:4]}"
    rows_out = {}
    for name in rows:
        rows_out[name] = [
            {
                "seed": seed,
                "final_test_accuracy": 90.0 + seed + (name == e2e.DEFAULT_KMEANS),
                "last10_test_accuracy": 90.0,
                "final_noisy_valid_accuracy": 45.0 + (name == e2e.DEFAULT_KMEANS),
                "seconds": 100.0,
                "peak_above_start_mib": 10.0,
                "train_acc": [1.0],
                "noisy_valid_acc": [1.0],
                "confusion_matrix": [[1, 0], [0, 1]],
            }
            for seed in seeds
        ]
    results = {"symmetric 0.5": rows_out}
    e2e.write(run, results, "end_to_end_mnist_medium")
    return folder / "end_to_end_mnist_medium.json"


def test_end_to_end_merge_keeps_each_run_commit(tmp_path):
    first = _fake_end_to_end_run(
        tmp_path / "a", [0], [e2e.TWO_STAGE, e2e.PLAIN, e2e.CEILING], "a" * 40
    )
    more = _fake_end_to_end_run(
        tmp_path / "b", [1, 2], [e2e.PLAIN, e2e.DEFAULT_KMEANS, e2e.CEILING], "b" * 40
    )
    out = tmp_path / "merged"
    args = e2e.parse_args(["--merge", str(first), str(more), "--out", str(out)])
    e2e.merge_runs(args.merge, args)
    merged = json.loads((out / "end_to_end_mnist_medium.json").read_text())
    rows = merged["results"]["symmetric 0.5"]
    assert [r["seed"] for r in rows[e2e.PLAIN]] == [0, 1, 2]
    assert [r["git_commit"][0] for r in rows[e2e.PLAIN]] == ["a", "b", "b"]
    assert [r["seed"] for r in rows[e2e.DEFAULT_KMEANS]] == [1, 2]
    assert merged["provenance"]["git_commits"] == ["a" * 40, "b" * 40]
    # Only the run with a two-stage row says how it was trained.
    assert merged["settings"]["two_stage_stage2"] == "r"
    assert merged["settings"]["seeds"] == [0, 1, 2]
    # KMeans has the best noisy-validation accuracy of the pipelines.
    assert merged["best_pipeline"] == {"symmetric 0.5": e2e.DEFAULT_KMEANS}
    markdown = (out / "end_to_end_mnist_medium.md").read_text()
    assert "commits aaaaaaaaaa, bbbbbbbbbb, clean trees" in markdown
    assert "commit bbbbbbbbbb, seeds [1, 2]" in markdown
    assert (out / "end_to_end_mnist_medium_curves.png").exists()


def test_end_to_end_merge_refuses_a_seed_twice_or_other_recipes(tmp_path):
    rows = [e2e.TWO_STAGE, e2e.PLAIN]
    a = _fake_end_to_end_run(tmp_path / "a", [0], rows, "a" * 40)
    b = _fake_end_to_end_run(tmp_path / "b", [0], [e2e.PLAIN], "b" * 40)
    c = _fake_end_to_end_run(tmp_path / "c", [1], rows, "c" * 40, recipe="other")
    for pair, message in [((a, b), "seed"), ((a, c), "recipes")]:
        args = e2e.parse_args(["--merge", *map(str, pair), "--out", str(tmp_path)])
        with pytest.raises(ValueError, match=message):
            e2e.merge_runs(args.merge, args)


def test_filter_study_finds_where_the_claimed_label_rule_acts():
    from sklearn.datasets import load_digits

    from benchmarks import study_filter_defaults as study
    from skclean.filters import KMeansLabelFilter
    from skclean.noise import flip_labels

    X, y = load_digits(return_X_y=True)
    found = {}
    for kind in ("symmetric", "asymmetric"):
        y_noisy = flip_labels(
            y,
            kind=kind,
            rate=0.6 if kind == "asymmetric" else 0.4,
            pairs="ding2018" if kind == "asymmetric" else None,
            random_state=0,
        )
        filt = KMeansLabelFilter(random_state=0).fit(X / 16, y_noisy)
        found[kind] = study.claimed_labels(filt, y_noisy)
    assert found["symmetric"]["claimed"] == []
    assert found["symmetric"]["rows_changed"] == 0
    assert found["symmetric"]["margin"] > 0
    assert found["asymmetric"]["claimed"] == [2]
    assert found["asymmetric"]["rows_changed"] > 0
    assert found["asymmetric"]["margin"] < 0
    # Every committed benchmark that fits KMeansLabelFilter() is covered.
    jobs = study.claimed_jobs([0])
    assert {job[0] for job in jobs} >= {
        "default_filters",
        "end_to_end_mnist_medium",
        "two_stage_mnist_quick",
        "filters (full)",
    }


def test_end_to_end_semi_supervised_row_unlabels_and_learns_from_the_rest():
    from skclean.nets import PiModelClassifier

    model = e2e.make_model(e2e.SEMI_SUPERVISED, 50, 3, "cpu", scores=None)
    kmeans, pi_model = model[0], model[-1]
    assert kmeans.get_params()["mode"] == "unlabel"
    assert isinstance(pi_model, PiModelClassifier)
    # Same batch size and epochs as every other row; the rest at its defaults.
    assert (pi_model.max_epochs, pi_model.batch_size) == (50, 256)
    assert pi_model.ensemble == PiModelClassifier().ensemble
    assert e2e.SEMI_SUPERVISED in e2e.PIPELINES


def test_end_to_end_combined_table_names_relabel_downstream_only_when_shared():
    def relabel(downstream):
        full = {
            **_record(test=97.0, valid=50.0),
            "last10_test_accuracy": 97.0,
            "seconds": 1.0,
            "peak_above_start_mib": 1.0,
            "downstream": downstream,
        }
        return {e2e.RELABEL: [full]}

    def combined(results):
        return e2e.accuracy_tables(results)[1]

    mixed = {"symmetric 0.2": relabel("two-stage"), "pairflip 0.45": relabel("x")}
    assert "| relabel + best |" in combined(mixed)
    same = {"symmetric 0.2": relabel("x"), "pairflip 0.45": relabel("x")}
    assert "| relabel + x |" in combined(same)
