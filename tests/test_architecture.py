"""The package's shape: layers, no import cycles, no stubs, short functions."""

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "skclean"
MAX_FUNCTION_LINES = 60

# Which subpackages may import which (the core is imported by everyone).
CORE = {
    "base",
    "_labels",
    "_noise_models",
    "_probabilities",
    "_private_api",
    "exceptions",
    "utils",
}
ALLOWED = {
    "filters": CORE,
    "nets": CORE,
    "noise": CORE,
    "datasets": CORE,
    "metrics": CORE,
    "audit": CORE,
    "pipeline": CORE,
}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path, ast.parse(path.read_text())


def _imported(name, path, tree):
    """skclean modules imported anywhere in the module (functions included)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return {m for m in found if m.split(".")[0] == "skclean"}


def _top(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_no_import_cycles_between_subpackages():
    graph = {}
    for name, path, tree in _modules():
        if name == "skclean" or _top(name) in ("", "utils") and "discovery" in name:
            continue  # the lazy re-exports and estimator discovery see everything
        graph.setdefault(_top(name), set()).update(
            _top(m) for m in _imported(name, path, tree) if _top(m) != _top(name)
        )

    def visit(node, trail):
        for nxt in graph.get(node, ()):
            if nxt in trail:
                pytest.fail(f"import cycle: {' -> '.join(trail + [nxt])}")
            visit(nxt, trail + [nxt])

    for node in graph:
        visit(node, [node])


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layers_depend_only_downward(layer):
    for name, path, tree in _modules():
        if _top(name) != layer:
            continue
        for module in _imported(name, path, tree):
            top = _top(module)
            assert top in ALLOWED[layer] | {layer, ""}, f"{name} imports {module}"


def test_no_not_implemented_stubs():
    for name, _, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and node.exc is not None:
                target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                assert getattr(target, "id", None) != "NotImplementedError", name


def _code_lines(function):
    """Lines of a function's body that hold code (no docstring, blank or comment)."""
    body = function.body
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
    ):
        body = body[1:]
    lines = set()
    for statement in body:
        for node in ast.walk(statement):
            if hasattr(node, "lineno"):
                lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return lines


def test_functions_are_short():
    long = []
    for name, _, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n_lines = len(_code_lines(node))
                if n_lines > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name}: {n_lines} lines")
    assert not long, long
