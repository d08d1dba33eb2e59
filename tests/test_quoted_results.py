"""Numbers quoted in the README and the docs match the committed result files.

The digits table of the README, the index page and the quick start quotes
``benchmarks/results/default_filters.json``; a rerun that moves a number
fails this test until the pages quote the new one.
"""

import json
import re
import statistics
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "default_filters.json"

CLASSIFIERS = {"LogisticRegression": "LogisticRegression", "CNNClassifier": "CNN"}
COLUMNS = ["plain", "KMeansLabelFilter()", "ConfidenceRankFilter()"]
PAPER_KMEANS = "KMeansLabelFilter(features=None, selection='farthest') [paper]"


def _cell(results, classifier, row):
    values = [
        100 * r["accuracy"]
        for r in results
        if r["dataset"] == "digits"
        and r["classifier"].startswith(classifier)
        and r["row"] == row
    ]
    assert len(values) >= 3, (classifier, row)
    return f"{statistics.mean(values):.1f} ± {statistics.stdev(values):.1f}"


@pytest.fixture(scope="module")
def expected():
    results = json.loads(RESULTS.read_text())["results"]
    table = {
        shown: [_cell(results, prefix, row) for row in COLUMNS]
        for shown, prefix in CLASSIFIERS.items()
    }
    paper = [
        f"{float(_cell(results, prefix, PAPER_KMEANS).split(' ')[0]):.1f}"
        for prefix in CLASSIFIERS.values()
    ]
    return table, paper


def _markdown_rows(text):
    rows = {}
    for name in CLASSIFIERS:
        match = re.search(rf"^\| `{name}` \|(.*)\|$", text, re.MULTILINE)
        assert match, name
        rows[name] = [cell.strip() for cell in match.group(1).split("|")]
    return rows


def _list_table_rows(text):
    rows = {}
    for name in CLASSIFIERS:
        match = re.search(
            rf"^   \* - ``{name}``\n((?:     - .*\n){{3}})", text, re.MULTILINE
        )
        assert match, name
        rows[name] = [line.strip()[2:] for line in match.group(1).splitlines()]
    return rows


def test_readme_digits_table(expected):
    table, paper = expected
    text = (ROOT / "README.md").read_text()
    assert _markdown_rows(text) == table
    assert f"{paper[0]} and\n{paper[1]} in the same runs" in text


@pytest.mark.parametrize("page", ["docs/index.rst", "docs/quick_start.rst"])
def test_docs_digits_table(expected, page):
    table, paper = expected
    text = (ROOT / page).read_text()
    assert _list_table_rows(text) == table
    assert (
        f"({paper[0]} with the logistic regression and {paper[1]} with the CNN" in text
    )


CHOOSING_ROWS = {
    "no filter (MLP alone)": "plain",
    "``KMeansLabelFilter()``": "KMeansLabelFilter()",
    "``ConfidenceRankFilter()``": "ConfidenceRankFilter()",
    "``ClusterRelabeler()``": "ClusterRelabeler()",
    "DeepCleanNet (pixels, farthest)": PAPER_KMEANS,
    "Ding et al. stage 1 (0.9, top 10%)": (
        "ConfidenceRankFilter(threshold=0.9, min_fraction=0.1) [paper]"
    ),
    "cleanlab ``CleanLearning``": "cleanlab CleanLearning",
    '``KMeansLabelFilter(mode="unlabel")`` + ``PiModelClassifier(module=MLP)``': (
        "KMeansLabelFilter(mode='unlabel') + PiModelClassifier"
    ),
}
CHOOSING_COLUMNS = [
    "none",
    "symmetric 0.2",
    "symmetric 0.5",
    "pairflip 0.45",
    "asymmetric 0.2",
    "asymmetric 0.6",
]


def test_choosing_page_filter_defaults_table():
    results = json.loads(RESULTS.read_text())["results"]

    def mean(setting, row):
        return statistics.mean(
            100 * r["accuracy"]
            for r in results
            if r["dataset"] == "mnist" and r["setting"] == setting and r["row"] == row
        )

    text = (ROOT / "docs" / "user_guide" / "choosing.rst").read_text()
    for shown, row in CHOOSING_ROWS.items():
        match = re.search(
            rf"^   \* - {re.escape(shown)}\n((?:     - .*\n){{6}})", text, re.MULTILINE
        )
        assert match, shown
        cells = [line.strip()[2:] for line in match.group(1).splitlines()]
        expected = []
        for setting in CHOOSING_COLUMNS:
            value = mean(setting, row)
            if row == "plain":
                expected.append(f"{value:.2f}")
            else:
                expected.append(f"{value:.2f} ({value - mean(setting, 'plain'):+.2f})")
        assert cells == expected, shown


TWO_STAGE_FILES = {
    "full": ROOT / "benchmarks" / "results" / "two_stage_mnist_full.json",
    "unbalanced": (
        ROOT / "benchmarks" / "results" / "two_stage_mnist_unbalanced_full.json"
    ),
}
RELABEL_FILE = ROOT / "benchmarks" / "results" / "two_stage_mnist_relabel_full.json"
# Row label on the choosing page -> (result file, row in that file).
TWO_STAGE_ROWS = {
    "plain network (class-balanced batches)": ("full", "CE (noisy labels)"),
    "plain network, no class balancing": (
        "unbalanced",
        "CE (noisy labels, no class balancing)",
    ),
    "two-stage": ("full", "two-stage"),
    "clean labels, the ceiling": ("full", "CE (clean labels)"),
}
# Section of the choosing page -> the noise settings of its table's columns.
TWO_STAGE_SECTIONS = {
    "No noise": ["p=0"],
    "Symmetric noise": ["symmetric 0.2"],
    "Pairwise and asymmetric noise": ["asymmetric 0.2", "asymmetric 0.6"],
}


def _two_stage_cell(results, key, row, setting):
    values = [r["final_test_accuracy"] for r in results[key][row][setting]]
    assert len(values) >= 3, (key, row, setting)
    return f"{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}"


def _section(text, title):
    start = text.index(f"\n{title}\n{'=' * len(title)}\n")
    end = re.search(r"\n[^\n]+\n=+\n", text[start + len(title) + 2 :])
    return text[start : start + len(title) + 2 + (end.start() if end else len(text))]


def test_choosing_page_two_stage_tables():
    results = {
        key: json.loads(path.read_text())["results"]
        for key, path in TWO_STAGE_FILES.items()
    }
    text = (ROOT / "docs" / "user_guide" / "choosing.rst").read_text()
    for title, settings in TWO_STAGE_SECTIONS.items():
        section = _section(text, title)
        for shown, (key, row) in TWO_STAGE_ROWS.items():
            match = re.search(
                rf"^   \* - {re.escape(shown)}\n((?:     - .*\n){{{len(settings)}}})",
                section,
                re.MULTILINE,
            )
            if match is None:  # not every table shows every row
                assert row == "CE (clean labels)" and title == "No noise", shown
                continue
            cells = [line.strip()[2:] for line in match.group(1).splitlines()]
            assert cells == [_two_stage_cell(results, key, row, s) for s in settings], (
                title,
                shown,
            )
    short = _section(text, "In short")
    for setting in ["symmetric 0.2", "asymmetric 0.2"]:
        plain = _two_stage_cell(results, "full", "CE (noisy labels)", setting)
        ours = _two_stage_cell(results, "full", "two-stage", setting)
        assert f"plain {plain} vs two-stage {ours}" in " ".join(short.split())


def test_choosing_page_relabel_run():
    results = json.loads(RELABEL_FILE.read_text())["results"]
    relabel, ceiling = (
        _two_stage_cell({"relabel": results}, "relabel", row, "asymmetric 0.6")
        for row in ("relabel + two-stage", "CE (clean labels)")
    )
    text = " ".join((ROOT / "docs" / "user_guide" / "choosing.rst").read_text().split())
    assert f"relabel + two-stage {relabel} (full mode, 3 seeds, its own run)" in text
    assert f"two-stage pipeline to {relabel}" in text
    assert f"clean-label ceiling of {ceiling} in the same run" in text


END_TO_END = ROOT / "benchmarks" / "results"
# Row label in the choosing page's DeepCleanNet tables -> row in the result file.
END_TO_END_ROWS = {
    "CNN (noisy labels), the plain classifier": "CNN (noisy labels)",
    "``make_pipeline(KMeansLabelFilter(), CNNClassifier())``": (
        "KMeans (default) + CNN"
    ),
    "DeepCleanNet's own filter (pixels, k=2, farthest cluster)": "DeepCleanNet",
    "two-stage (25 + 25 epochs)": "two-stage",
    "cleanlab's ``CleanLearning(CNNClassifier())``": "cleanlab",
    "``ClusterRelabeler`` then the default KMeans pipeline": "relabel + best",
    "``ClusterRelabeler`` then the two-stage pipeline": "relabel + best",
    '``make_pipeline(KMeansLabelFilter(mode="unlabel"), PiModelClassifier())``': (
        "KMeans (unlabel) + Pi-model"
    ),
    "CNN (clean labels), the ceiling": "CNN (clean labels)",
}
END_TO_END_COLUMNS = (
    "final_test_accuracy",
    "last10_test_accuracy",
    "final_noisy_valid_accuracy",
)


def _seeds_cell(values):
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}"


def _list_table(text, title):
    """The body of the list-table captioned ``title``, up to the next paragraph."""
    start = text.index(f".. list-table:: {title}\n")
    end = re.search(r"\n\n(?=\S)", text[start:])
    return text[start : start + end.start() + 1]


@pytest.mark.parametrize(
    ("file", "setting", "title"),
    [
        (
            "end_to_end_mnist_medium",
            "symmetric 0.5",
            "DeepCleanNet's regime, symmetric 0.5",
        ),
        (
            "end_to_end_mnist_medium_coteaching",
            "symmetric 0.2",
            "DeepCleanNet's regime, symmetric 0.2",
        ),
        (
            "end_to_end_mnist_medium_coteaching",
            "pairflip 0.45",
            "DeepCleanNet's regime, pairflip 0.45",
        ),
    ],
)
def test_choosing_page_end_to_end_tables(file, setting, title):
    results = json.loads((END_TO_END / f"{file}.json").read_text())["results"]
    table = _list_table(
        (ROOT / "docs" / "user_guide" / "choosing.rst").read_text(), title
    )
    header, *shown_rows = re.findall(
        r"^   \* - (.*)\n((?:     - .*\n){3})", table, re.M
    )
    assert header[0] == "row"
    assert len(shown_rows) == len(results[setting]), "every row run is shown"
    for shown, body in shown_rows:
        row = END_TO_END_ROWS[shown]
        cells = [line.strip()[2:] for line in body.splitlines()]
        expected = [
            _seeds_cell([r[key] for r in results[setting][row]])
            for key in END_TO_END_COLUMNS
        ]
        if row == "CNN (clean labels)":
            expected[2] += " (clean labels)"  # the ceiling validates on clean labels
        assert cells == expected, shown


SEMI_SUPERVISED_FILE = ROOT / "benchmarks" / "results" / "semi_supervised_mlp.json"
SEMI_SUPERVISED_ROWS = {
    "labelled rows alone": "supervised",
    "consistency term off": "consistency off",
    "Pi-model": "pi",
    "Pi-model, no translation": "pi, no translation",
    "temporal": "temporal",
    "Mean Teacher": "mean teacher",
    "temporal + entropy": "temporal + entropy",
    "VAT + entropy": "vat",
}


def test_pi_model_page_study_table():
    study = json.loads(SEMI_SUPERVISED_FILE.read_text())
    results, default = study["results"], study["default_ensemble"]
    text = (ROOT / "docs" / "user_guide" / "pi_model.rst").read_text()
    section = text[text.index("\nWhat the study measured\n") :]
    for shown, row in SEMI_SUPERVISED_ROWS.items():
        label = f"{shown} (default)" if row == default else shown
        match = re.search(
            rf"^{re.escape(label)}  +(\S+)  +(\S+)  +(\S+)$", section, re.MULTILINE
        )
        assert match, label
        expected = [
            f"{statistics.mean(r['final_test_accuracy'] for r in by_seed.values()):.2f}"
            for by_seed in (results[n][row] for n in ("100", "400", "1000"))
        ]
        assert list(match.groups()) == expected, label


PI_MODEL_PAGE = ROOT / "docs" / "user_guide" / "pi_model.rst"


def _mean(by_seed, key="final_test_accuracy"):
    """Mean over seeds of one row's ``key`` (``by_seed``: seed -> record)."""
    return statistics.mean(r[key] for r in by_seed.values())


def test_pi_model_page_study_bullets():
    study = json.loads(SEMI_SUPERVISED_FILE.read_text())
    results = study["results"]
    ceiling = json.loads(
        SEMI_SUPERVISED_FILE.with_name("semi_supervised_no_unlabelled.json").read_text()
    )["results"]["all labelled"]["consistency off"]

    def mean(labels, row, key="final_test_accuracy"):
        return _mean(results[labels][row], key)

    def gain(labels):
        return f"+{mean(labels, 'vat') - mean(labels, 'consistency off'):.1f}"

    text = _one_line(PI_MODEL_PAGE.read_text())
    vat_400, top = mean("400", "vat"), _mean(ceiling)
    target = mean("400", "consistency off") + 3
    assert (
        f"{gain('100')} points over the term switched off with 100 labels (the "
        f"study's +10 target is met), {gain('400')} with 400 (the +3 target is "
        f"not, by {target - vat_400:.1f} point) and {gain('1000')} with 1,000. "
        f"With 400 labels, VAT's {vat_400:.2f}% is {top - vat_400:.1f} points below"
        in text
    )
    assert f"({top:.2f}%, ``benchmarks" in text
    assert f"the +3 target ({target:.2f}%) asks for all but {top - target:.1f}" in text
    valid = {
        row: f"{mean('400', row, 'last10_valid_accuracy'):.2f}%"
        for row in ("pi", "temporal", "mean teacher", "temporal + entropy", "vat")
    }
    assert (
        f"chose the default: VAT {valid['vat']}, temporal ensembling with the "
        f"entropy term {valid['temporal + entropy']}, Mean Teacher "
        f"{valid['mean teacher']}, temporal ensembling {valid['temporal']}, "
        f"Pi-model {valid['pi']}." in text
    )


def _percent(by_seed, key="final_test_accuracy"):
    """Mean over seeds of one row's ``key``, as the page quotes it."""
    return f"{_mean(by_seed, key):.2f}%"


def _one_line(text):
    """``text`` with its line breaks and indentation collapsed to single spaces."""
    return " ".join(text.split())


def test_pi_model_page_cnn_sentence():
    study = json.loads(
        (ROOT / "benchmarks" / "results" / "semi_supervised_cnn.json").read_text()
    )
    by_row, default = study["results"]["400"], study["default_ensemble"]

    def mean(row):
        return _percent(by_row[row])

    text = _one_line(PI_MODEL_PAGE.read_text())
    settings = study["settings"]
    assert (
        f"400 labels, {settings['epochs']} epochs, {len(settings['seeds'])} seeds, "
        "``benchmarks/results/semi_supervised_cnn.md``" in text
    )
    assert default == "vat"
    assert f"VAT reached {mean('vat')} against {mean('consistency off')}" in text


def test_pi_model_page_cnn_ceiling_and_speed():
    folder = ROOT / "benchmarks" / "results"
    ceiling = json.loads(
        (folder / "semi_supervised_cnn_no_unlabelled.json").read_text()
    )
    rows = ceiling["results"]["all labelled"]
    top = _mean(rows["vat"])
    assert _percent(rows["vat"]) == _percent(rows["consistency off"])
    cnn = json.loads((folder / "semi_supervised_cnn.json").read_text())["results"]
    target = _mean(cnn["400"]["consistency off"])
    vat = _mean(cnn["400"]["vat"])
    assert top < target + 3  # the target lies above the ceiling
    text = _one_line(PI_MODEL_PAGE.read_text())
    assert (
        f"The +3 target ({target + 3:.2f}%) lies above what the same network "
        f"reaches with all 10,000 rows labelled, {top:.2f}%" in text
    )
    assert f"VAT comes within {top - vat:.1f} points of it" in text
    ratios = [
        json.loads((folder / f"pi_speed_{module}_cpu.json").read_text())[
            "PiModelClassifier_over_loop"
        ]
        for module in ("mlp", "cnn")
    ]
    assert (
        f"Pi-model trains at {ratios[0]:.2f}x (MLP) and {ratios[1]:.2f}x "
        "(DeepCleanCNN)" in text
    )


def test_pi_model_page_two_stage_sentence():
    path = ROOT / "benchmarks" / "results" / "semi_supervised_two_stage.json"
    results = json.loads(path.read_text())["results"]

    def mean(setting, row):
        return _percent(results[setting][row])

    text = _one_line(PI_MODEL_PAGE.read_text())
    assert (
        f"stage 2 with VAT reaches {mean('symmetric 0.5', 'vat')} against "
        f"{mean('symmetric 0.5', 'consistency off')} for the same network on the "
        "kept labels alone" in text
    )
    assert (
        f"{mean('asymmetric 0.2', 'vat')} for VAT and "
        f"{mean('asymmetric 0.2', 'temporal + entropy')} for temporal ensembling "
        f"with the entropy term, against {mean('asymmetric 0.2', 'consistency off')}"
        in text
    )


STUDY_FILE = ROOT / "benchmarks" / "results" / "study_semi_supervised.json"


def test_pi_model_page_learning_rate_study():
    results = json.loads(STUDY_FILE.read_text())["results"]

    def cell(labels, candidate):
        return _percent(results[labels][candidate], "last10_valid_accuracy")

    text = PI_MODEL_PAGE.read_text()
    paragraph = _one_line(text[text.index("``lr=3e-3``") :].split("\n\n")[0])
    expected = (
        f"VAT, 3e-3 scored {cell('100', 'vat, lr 3e-3')} against "
        f"{cell('100', 'vat, lr 1e-3')} with 100 labels and "
        f"{cell('400', 'vat, lr 3e-3')} against {cell('400', 'vat, lr 1e-3')} with 400",
        f"({cell('100', 'consistency off, lr 3e-3')} and "
        f"{cell('100', 'consistency off, lr 1e-3')}, "
        f"{cell('400', 'consistency off, lr 3e-3')} and "
        f"{cell('400', 'consistency off, lr 1e-3')})",
        f"1 and 3 scored {cell('400', 'vat, lr 3e-3, epsilon 1')} and "
        f"{cell('400', 'vat, lr 3e-3, epsilon 3')} against its "
        f"{cell('400', 'vat, lr 3e-3')}",
    )
    for quoted in expected:
        assert quoted in paragraph


def test_pi_model_page_vat_round():
    path = ROOT / "benchmarks" / "results" / "study_semi_supervised_vat.json"
    results = json.loads(path.read_text())["results"]

    def cell(labels, candidate):
        return _percent(results[labels][candidate], "last10_valid_accuracy")

    text = PI_MODEL_PAGE.read_text()
    paragraph = _one_line(text[text.index("``rampup_epochs=None``") :].split("\n\n")[0])
    first = "vat, first default"
    expected = (
        f"no ramp-up scored {cell('400', 'vat, no ramp-up')} against "
        f"{cell('400', first)} (higher in each of the 3 seeds), and "
        f"{cell('100', 'vat, no ramp-up')} against {cell('100', first)} with 100",
        f"a ramp-up over a tenth of the epochs {cell('400', 'vat, ramp-up 0.1')}, "
        f"weight 3 {cell('400', 'vat, weight 3')}, no entropy term "
        f"{cell('400', 'vat, no entropy')}, radius 1 {cell('400', 'vat, epsilon 1')}, "
        f"and no input noise {cell('400', 'vat, no input noise')}",
        f"best with 100 labels ({cell('100', 'vat, no input noise')})",
    )
    for quoted in expected:
        assert quoted in paragraph, quoted
    by_seed = results["400"]
    assert all(
        by_seed["vat, no ramp-up"][seed]["last10_valid_accuracy"]
        > by_seed[first][seed]["last10_valid_accuracy"]
        for seed in by_seed[first]
    )
    best_100 = max(results["100"], key=lambda c: float(cell("100", c)[:-1]))
    best_400 = max(results["400"], key=lambda c: float(cell("400", c)[:-1]))
    assert (best_100, best_400) == ("vat, no input noise", "vat, no ramp-up")


def test_choosing_page_in_short_cnn_row():
    def cell(file, setting, row):
        results = json.loads((END_TO_END / f"{file}.json").read_text())["results"]
        return _seeds_cell([r["final_test_accuracy"] for r in results[setting][row]])

    short = " ".join(
        _section(
            (ROOT / "docs" / "user_guide" / "choosing.rst").read_text(), "In short"
        ).split()
    )
    for file, setting, seeds in [
        ("end_to_end_mnist_medium", "symmetric 0.5", "3 seeds"),
        ("end_to_end_mnist_medium_coteaching", "pairflip 0.45", "one seed"),
    ]:
        semi, kept_alone, plain = (
            cell(file, setting, row)
            for row in (
                "KMeans (unlabel) + Pi-model",
                "KMeans (default) + CNN",
                "CNN (noisy labels)",
            )
        )
        assert (
            f"{setting}: {semi} vs plain {plain}, and {kept_alone} with the kept "
            f"labels alone ({seeds})" in short
        )


def test_kmeans_page_unlabel_sentence():
    results = json.loads((END_TO_END / "end_to_end_mnist_medium.json").read_text())
    rows = results["results"]["symmetric 0.5"]

    def mean(row):
        return statistics.mean(r["final_test_accuracy"] for r in rows[row])

    text = " ".join(
        (ROOT / "docs" / "user_guide" / "kmeans_filter.rst").read_text().split()
    )
    assert (
        f"ended at {mean('KMeans (unlabel) + Pi-model'):.2f}% clean test accuracy "
        f"against {mean('KMeans (default) + CNN'):.2f}% for the CNN on the kept rows "
        f"alone ({len(rows['KMeans (unlabel) + Pi-model'])} seeds" in text
    )


def test_choosing_page_semi_supervised_mlp_sentence():
    results = json.loads(RESULTS.read_text())["results"]

    def gain(setting):
        def mean(row):
            return statistics.mean(
                100 * r["accuracy"]
                for r in results
                if r["dataset"] == "mnist"
                and r["setting"] == setting
                and r["row"] == row
            )

        return mean("KMeansLabelFilter(mode='unlabel') + PiModelClassifier") - mean(
            "plain"
        )

    text = " ".join((ROOT / "docs" / "user_guide" / "choosing.rst").read_text().split())
    assert (
        f"by {gain('none'):.2f} points without noise and by "
        f"{gain('symmetric 0.5'):.2f} at 50% symmetric noise" in text
    )
