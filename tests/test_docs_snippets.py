"""The documentation build runs every Python code block of the pages.

The runner is the Sphinx extension ``docs/_ext/run_snippets.py`` (the docs
build of CI runs it on every page, with warnings as errors); these tests check
that it finds the blocks and reports a failing one.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
sys.path.insert(0, str(DOCS / "_ext"))

from run_snippets import documentation_pages, python_blocks, run_page_blocks  # noqa: E402


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


def test_blocks_share_a_namespace_and_skipped_blocks_do_not_run(tmp_path):
    page = tmp_path / "page.rst"
    page.write_text(
        "One::\n\n    x = 1\n\nTwo::\n\n    assert x == 1\n\n"
        ".. skip: next\n\n.. code-block:: python\n\n    raise RuntimeError('GPU')\n"
    )
    assert run_page_blocks(page) is None


def test_the_first_failing_block_is_reported_with_its_line(tmp_path):
    page = tmp_path / "page.rst"
    page.write_text("Fine::\n\n    x = 1\n\nBroken::\n\n    undefined_name + x\n")
    lineno, code, exc = run_page_blocks(page)
    assert lineno == 5
    assert code == "undefined_name + x\n"
    assert isinstance(exc, NameError)


def test_epochs_are_capped_and_blocks_run_in_a_temporary_folder(tmp_path):
    page = tmp_path / "page.rst"
    page.write_text(
        "Code::\n\n    import os\n    epochs = dict(max_epochs=50)['max_epochs']\n"
        "    folder = os.getcwd()\n    assert epochs == 2, epochs\n"
        f"    assert folder != {str(Path.cwd())!r}\n"
    )
    assert run_page_blocks(page, max_epochs=2) is None


def test_the_user_guide_pages_have_code_blocks():
    pages = {str(p.relative_to(DOCS)) for p in documentation_pages(DOCS)}
    assert "quick_start.rst" in pages
    assert not any(name.startswith(("auto_", "generated", "_")) for name in pages)
    with_code = [p for p in documentation_pages(DOCS) if python_blocks(p.read_text())]
    assert len(with_code) >= 10
