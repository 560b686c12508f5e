"""The mutation check: every guarantee the README makes names a break that must be caught.

tests/mutations/breaks.toml lists, for each promise, a small edit that breaks it (a text found
exactly once in one file, and what replaces it) and the tests that must then fail. This runner
copies the tree, checks that those tests pass on the unbroken copy, then applies each break on its
own and runs its tests: a break whose tests still pass has survived, and the run fails. A break
whose text no longer appears fails too, so a refactor cannot quietly retire a guarantee's check.

    python -m tests.mutations.run            # every break
    python -m tests.mutations.run NAME ...   # only these (names from breaks.toml)
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BREAKS = Path(__file__).with_name("breaks.toml")
FAILED = 1  # pytest's exit status when tests ran and some failed


def load(names=()):
    breaks = tomllib.loads(BREAKS.read_text())["break"]
    unknown = set(names) - {b["name"] for b in breaks}
    if unknown:
        sys.exit(f"no such break: {', '.join(sorted(unknown))}")
    return [b for b in breaks if not names or b["name"] in names]


def copy_tree(target):
    """The files git knows of (tracked, or new and not ignored), as they are in the work tree."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def pytest(tree, tests):
    # The copy's own package comes first: the editable install points at the original tree.
    env = dict(os.environ, PYTHONPATH=str(tree))
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-x",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        *tests,
    ]
    return subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)


def apply(tree, item):
    path = tree / item["file"]
    original = path.read_text()
    found = original.count(item["find"])
    if found != 1:
        raise LookupError(f"its text is found {found} times in {item['file']} (must be once)")
    path.write_text(original.replace(item["find"], item["replace"]))
    return lambda: path.write_text(original)


def main(names):
    breaks = load(names)
    with tempfile.TemporaryDirectory(prefix="pubquiz-mutations-") as folder:
        tree = Path(folder)
        copy_tree(tree)
        every_test = sorted({test for item in breaks for test in item["tests"]})
        clean = pytest(tree, every_test)
        if clean.returncode != 0:
            print(clean.stdout[-3000:], clean.stderr[-2000:])
            sys.exit("the named tests do not pass on the unbroken tree: nothing to measure breaks against")
        problems = []
        for item in breaks:
            started = time.monotonic()
            try:
                restore = apply(tree, item)
            except LookupError as error:
                problems.append(f"{item['name']}: {error}")
                print(f"STALE   {item['name']}: {error}")
                continue
            try:
                result = pytest(tree, item["tests"])
            finally:
                restore()
            seconds = time.monotonic() - started
            if result.returncode == FAILED:
                print(f"caught  {item['name']} ({seconds:.0f} s)")
            elif result.returncode == 0:
                problems.append(f"{item['name']}: survived — {item['promise']}")
                print(f"SURVIVED {item['name']}: its tests still pass")
            else:
                problems.append(f"{item['name']}: pytest exited {result.returncode}")
                print(f"ERROR   {item['name']}: pytest exited {result.returncode}\n{result.stdout[-2000:]}")
    print(f"{len(breaks) - len(problems)} of {len(breaks)} breaks caught")
    if problems:
        sys.exit("mutation check failed:\n  " + "\n  ".join(problems))


if __name__ == "__main__":
    main(sys.argv[1:])
