"""Every Python code block of the documentation runs.

The blocks of each page run in order, in one namespace per page, from a
temporary working directory, so a page must define (or load) what its later
blocks use. A block counts as Python when it is a ``.. code-block:: python``
directive, or a literal block introduced by ``::`` whose text parses as Python
(that is also when Sphinx highlights it as Python; shell commands and quoted
error messages do not parse). Networks train for at most
``MAX_EPOCHS_IN_TESTS`` epochs here: the test is about whether the code still
runs, not about the accuracy it reaches.

A block that needs what a test machine does not have (a cluster, a GPU) is
preceded on its page by the comment ``.. skip: next`` (Sybil's spelling),
which the rendered page does not show.
"""

import ast
import re
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
MAX_EPOCHS_IN_TESTS = 2

_PYTHON_DIRECTIVE = re.compile(
    r"^(\s*)\.\. (?:code-block|code|sourcecode):: (?:python|python3|py)\s*$"
)
_SKIP_NEXT = re.compile(r"^\s*\.\. skip: next\s*$")
_MAX_EPOCHS = re.compile(r"\bmax_epochs=(\d+)")


def _indent(line):
    return len(line) - len(line.lstrip())


def _block_after(lines, start, min_indent):
    """The indented block that begins after ``lines[start]``, and where it ends.

    Directive options (``:name: value``) right after the directive are
    skipped; the block is every following line indented more than
    ``min_indent``, blank lines included, with the common indent removed.
    """
    i = start + 1
    while i < len(lines) and lines[i].strip().startswith(":") and lines[i].strip():
        i += 1
    body = []
    while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) > min_indent):
        body.append(lines[i])
        i += 1
    while body and not body[-1].strip():
        body.pop()
    text_lines = [line for line in body if line.strip()]
    if not text_lines:
        return "", i
    common = min(_indent(line) for line in text_lines)
    return "\n".join(line[common:] for line in body).strip("\n") + "\n", i


def _parses(code):
    try:
        ast.parse(code)
    except SyntaxError:
        return False
    return True


def python_blocks(text):
    """[(line number, code, skipped)] of the Python blocks of a reST page."""
    lines = text.splitlines()
    blocks = []
    skip_next = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if _SKIP_NEXT.match(line):
            skip_next = True
            i += 1
            continue
        directive = _PYTHON_DIRECTIVE.match(line)
        is_literal = (
            line.rstrip().endswith("::")
            and not line.lstrip().startswith("..")
            and line.strip()
        )
        if directive or is_literal:
            code, end = _block_after(lines, i, _indent(line))
            if code and (directive or _parses(code)):
                blocks.append((i + 1, code, skip_next))
                skip_next = False
            i = max(end, i + 1)
            continue
        i += 1
    return blocks


def _pages():
    return sorted(
        path
        for path in DOCS.rglob("*.rst")
        if not path.relative_to(DOCS).parts[0].startswith(("_", "generated", "auto_"))
    )


_PAGES = [page for page in _pages() if python_blocks(page.read_text())]

# Pages whose blocks do not run yet -> why. Strict expected failures: a page
# that starts to run fails the test until its entry is removed.
KNOWN_BROKEN = {
    "user_guide/audit.rst": "a block uses `model`, which the page never defines",
    "user_guide/confidence_filter.rst": "a block uses `X_images`, never defined",
    "user_guide/relabeling.rst": "the first block uses `X`, never defined",
}


def _page_param(page):
    name = str(page.relative_to(DOCS))
    marks = [pytest.mark.slow]
    if name in KNOWN_BROKEN:
        marks.append(pytest.mark.xfail(reason=KNOWN_BROKEN[name], strict=True))
    return pytest.param(page, id=name, marks=marks)


def test_the_extractor_finds_directives_and_python_literal_blocks():
    page = (
        "Text::\n\n    x = 1\n\nA command::\n\n    pip install -e .\n\n"
        ".. code-block:: python\n   :caption: c\n\n    y = x + 1\n\n"
        ".. skip: next\n\n.. code-block:: python\n\n    Client('tcp://host')\n"
    )
    blocks = python_blocks(page)
    assert [(code, skipped) for _, code, skipped in blocks] == [
        ("x = 1\n", False),
        ("y = x + 1\n", False),
        ("Client('tcp://host')\n", True),
    ]


@pytest.mark.parametrize("page", [_page_param(page) for page in _PAGES])
def test_page_code_blocks_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "agg")
    namespace = {"__name__": f"docs_{page.stem}"}
    for lineno, code, skipped in python_blocks(page.read_text()):
        if skipped:
            continue
        code = _MAX_EPOCHS.sub(
            lambda m: f"max_epochs={min(int(m.group(1)), MAX_EPOCHS_IN_TESTS)}", code
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                exec(compile(code, f"{page.name}:{lineno}", "exec"), namespace)
            except Exception as exc:
                raise AssertionError(
                    f"{page.relative_to(DOCS)}, block at line {lineno} failed:\n"
                    f"{code}\n{type(exc).__name__}: {exc}"
                ) from exc
