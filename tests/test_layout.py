"""The code's layout, read from the source: what imports what."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "pubquiz"


def _parsed():
    return {path.stem: ast.parse(path.read_text()) for path in sorted(PACKAGE.glob("*.py"))}


def _is_blueprint(tree):
    return any(isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Blueprint"
               for node in ast.walk(tree))


def _own_imports(tree):
    """The pubquiz modules a module imports (`from . import x`, `from .x import y`)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found |= {node.module} if node.module else {alias.name for alias in node.names}
    return found


def test_no_blueprint_imports_another():
    """What two blueprints share lives in a module of its own (views.py, accounts.py, …): a
    blueprint that is also another's helper library is how changing one page breaks another."""
    modules = _parsed()
    blueprints = {name for name, tree in modules.items() if _is_blueprint(tree)}
    assert {"host", "play", "screen", "auth", "tiebreak", "corrections", "marking"} <= blueprints
    leaning = {name: sorted(_own_imports(tree) & blueprints)
               for name, tree in modules.items() if name in blueprints}
    assert {name: found for name, found in leaning.items() if found} == {}
