"""Shared fixtures: the course in this repository and a way to run the real CLI."""

from __future__ import annotations

import re
import shutil
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


def copy_course(target: Path, assignment: str = "02_classification", limits: str | None = None) -> Path:
    """A copy of one assignment of the course and its reference, without the samples (which grading
    need not check); `limits` replaces its `[limits]` table, so that hanging attacks cost little."""
    shutil.copytree(COURSE / "assignments" / assignment, target / "assignments" / assignment, ignore=shutil.ignore_patterns("samples"))
    shutil.copytree(COURSE / "reference" / assignment, target / "reference" / assignment)
    config = target / "assignments" / assignment / "assignment.toml"
    text = config.read_text(encoding="utf-8")
    if limits is not None:
        text = re.sub(r"\[limits\][^\[]*", limits + "\n", text)
    config.write_text(re.sub(r"\n\[samples\.[\s\S]*", "\n", text), encoding="utf-8")
    return target


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
