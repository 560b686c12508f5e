"""How the repository is laid out, checked from its files: what may import what."""
import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


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
    offenders = sorted(str(path.relative_to(TESTS.parent)) for path in TESTS.rglob("*.py")
                       if "benchmarks" in _imported_modules(path))
    assert offenders == [], f"these import benchmarks (use harness/ instead): {offenders}"
