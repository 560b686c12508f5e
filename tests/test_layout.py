"""How the repository is laid out, checked from its files: what may import what."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
PACKAGE = ROOT / "pubquiz"


def _imported_modules(path):
    """Top-level names of every module a Python file imports (relative imports are its own)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module.split(".")[0]


def test_no_test_imports_the_benchmarks():
    """The tests and the benchmarks share the harness package; the tests never need benchmarks/."""
    offenders = sorted(
        str(path.relative_to(ROOT)) for path in TESTS.rglob("*.py") if "benchmarks" in _imported_modules(path)
    )
    assert offenders == [], f"these import benchmarks (use harness/ instead): {offenders}"


def _is_blueprint(tree):
    return any(
        isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Blueprint"
        for node in ast.walk(tree)
    )


def _own_imports(tree):
    """The pubquiz modules a pubquiz module imports (`from . import x`, `from .x import y`)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found |= {node.module} if node.module else {alias.name for alias in node.names}
    return found


def test_no_blueprint_imports_another():
    """What two blueprints share lives in a module of its own (views.py, accounts.py, …): a
    blueprint that is also another's helper library is how changing one page breaks another."""
    modules = {path.stem: ast.parse(path.read_text()) for path in sorted(PACKAGE.glob("*.py"))}
    blueprints = {name for name, tree in modules.items() if _is_blueprint(tree)}
    assert {"host", "play", "screen", "auth", "tiebreak", "corrections", "marking"} <= blueprints
    leaning = {
        name: sorted(_own_imports(tree) & blueprints) for name, tree in modules.items() if name in blueprints
    }
    assert {name: found for name, found in leaning.items() if found} == {}


def _top_level_imports(tree):
    """The pubquiz modules a module imports when it is loaded (not inside a function)."""
    found = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found |= {node.module} if node.module else {alias.name for alias in node.names}
    return found


def test_the_modules_import_each_other_in_layers_without_a_cycle():
    """A cycle means neither module can be read (or loaded) without the other: what they share
    belongs in a third module (contents.py came out of games.py and snapshot.py that way)."""
    modules = {path.stem: ast.parse(path.read_text()) for path in sorted(PACKAGE.glob("*.py"))}
    imports = {name: _top_level_imports(tree) & set(modules) for name, tree in modules.items()}
    cycles, done = [], set()

    def visit(name, path):
        for imported in sorted(imports[name]):
            if imported in path:
                cycles.append(path[path.index(imported) :] + [imported])
            elif imported not in done:
                visit(imported, path + [imported])
        done.add(name)

    for name in modules:
        visit(name, [name])
    assert cycles == []
