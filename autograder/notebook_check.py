"""Running one public test inside a student's notebook session.

Called by the generated otter test files (`grader.check("softmax")`): the
student's functions are taken from the notebook's globals and the pytest test
runs right there, with the same teaching messages as `autograder check`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from autograder.config import load_config
from autograder.errors import UsageError
from autograder.grading.session import TestDir, run_tests
from autograder.runner.local import LocalSubmission


def run_public_test(env: dict[str, Any], test_file: str, function: str) -> None:
    """Raise AssertionError with the failure messages unless every case of the test passes."""
    folder = Path.cwd()
    try:
        config = load_config(folder)
    except UsageError as exc:
        raise AssertionError(f"{exc}; run the notebook from its assignment folder") from None
    path = config.public_tests / test_file
    results = run_tests(
        config,
        LocalSubmission(env, config.module),
        [TestDir(config.public_tests, hidden=False)],
        only=[f"{path}::{function}"],
    )
    failed = [r for r in results if r.failed]
    if failed:
        raise AssertionError("\n\n".join(f"{r.name}\n{r.output}" for r in failed))
