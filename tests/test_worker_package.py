"""The untrusted side's package: nothing of the trusted side in it, and nothing done by importing it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import autograder_worker

PACKAGE = Path(autograder_worker.__file__).parent


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_the_worker_package_imports_nothing_of_the_trusted_side():
    modules = sorted(PACKAGE.glob("*.py"))
    assert len(modules) >= 8
    for path in modules:
        trusted = {name for name in _imports(path) if name == "autograder" or name.startswith("autograder.")}
        assert not trusted, f"{path.name} imports {trusted}"


def test_importing_the_worker_changes_no_descriptor_and_prints_nothing():
    """A fork server imports it once for every worker: only a worker's own start may move its pipes."""
    probe = (
        "import os, sys\n"
        "before = [os.fstat(fd).st_ino for fd in (0, 1, 2)]\n"
        "import autograder_worker.worker, autograder_worker.forkserver, autograder_worker.confine\n"
        "after = [os.fstat(fd).st_ino for fd in (0, 1, 2)]\n"
        "sys.stderr.write('same' if before == after else 'moved')\n"
    )
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert completed.stdout == ""
    assert completed.stderr == "same"
