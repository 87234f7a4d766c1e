"""Shared fixtures: the course in this repository and a way to run the real CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from autograder.config import AssignmentConfig, load_assignment
from autograder.grading.session import load_reference
from autograder.intake.source import Chunk, SubmissionSource

COURSE = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def course() -> Path:
    return COURSE


@pytest.fixture(scope="session")
def classification() -> AssignmentConfig:
    return load_assignment(COURSE, "02_classification")


@pytest.fixture(scope="session")
def reference_module(classification):
    return load_reference(COURSE / "reference" / "02_classification" / "classification.py")


def module_source(code: str, name: str = "classification.py") -> SubmissionSource:
    return SubmissionSource("student", name, "module", (Chunk(name, name, code),))


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run the installed `autograder` command as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "autograder.cli", *args],
        cwd=cwd or COURSE,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
