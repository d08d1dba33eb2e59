"""Run every Python code block of the documentation during the build.

The blocks of each page run in order, in one namespace per page, from a
temporary working directory, so a page must define (or load) what its later
blocks use. A block counts as Python when it is a ``.. code-block:: python``
directive, or a literal block introduced by ``::`` whose text parses as Python
(that is also when Sphinx highlights it as Python; shell commands and quoted
error messages do not parse). Networks train for at most ``max_epochs``
epochs (``skclean_snippets_max_epochs``, default 2): the build checks that the
code still runs, not the accuracy it reaches.

A block that needs what a build machine does not have (a cluster, a GPU) is
preceded on its page by the comment ``.. skip: next`` (Sybil's spelling),
which the rendered page does not show.

A failing block is a warning at its page and line, so ``sphinx -W`` fails.
``-D skclean_run_snippets=0`` skips them for a quick local build.
"""

import ast
import contextlib
import io
import os
import re
import tempfile
import time
import warnings
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

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


def documentation_pages(srcdir):
    """The reST pages under ``srcdir`` written by hand (not generated)."""
    srcdir = Path(srcdir)
    return sorted(
        path
        for path in srcdir.rglob("*.rst")
        if not path.relative_to(srcdir).parts[0].startswith(("_", "generated", "auto_"))
    )


def run_page_blocks(page, max_epochs=2):
    """Run the Python blocks of ``page`` in one namespace, in a temporary folder.

    Returns ``None`` when every block ran, else ``(line, code, exception)`` of
    the first block that failed.
    """
    page = Path(page).resolve()
    namespace = {"__name__": f"docs_{page.stem}"}
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        try:
            for lineno, code, skipped in python_blocks(page.read_text()):
                if skipped:
                    continue
                code = _MAX_EPOCHS.sub(
                    lambda m: f"max_epochs={min(int(m.group(1)), max_epochs)}", code
                )
                # What a block prints or warns would only clutter the build log.
                with (
                    warnings.catch_warnings(),
                    contextlib.redirect_stdout(io.StringIO()),
                ):
                    warnings.simplefilter("ignore")
                    try:
                        exec(compile(code, f"{page.name}:{lineno}", "exec"), namespace)
                    except Exception as exc:  # reported as a build warning
                        return lineno, code, exc
        finally:
            os.chdir(cwd)
    return None


def _run_all(app):
    if not app.config.skclean_run_snippets:
        return
    srcdir = Path(app.srcdir)
    for page in documentation_pages(srcdir):
        if not python_blocks(page.read_text()):
            continue
        start = time.perf_counter()
        failure = run_page_blocks(page, app.config.skclean_snippets_max_epochs)
        docname = str(page.relative_to(srcdir).with_suffix(""))
        if failure is not None:
            lineno, code, exc = failure
            logger.warning(
                "code block failed: %s: %s\n%s",
                type(exc).__name__,
                exc,
                code,
                location=(docname, lineno),
            )
        else:
            logger.info(
                "ran the code blocks of %s in %.1f s",
                docname,
                time.perf_counter() - start,
            )


def setup(app):
    app.add_config_value("skclean_run_snippets", True, "env", types=(bool, int))
    app.add_config_value("skclean_snippets_max_epochs", 2, "env", types=(int,))
    app.connect("builder-inited", _run_all)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
