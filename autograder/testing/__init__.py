"""What an assignment's test files import: the `graded` marker and the checks.

    from autograder.testing import check, graded

    @graded("softmax", "rows sum to 1 for shape {shape}")
    def test_softmax_rows_sum_to_one(submission, shape): ...

Tests receive `submission` (the student's code, run elsewhere) and, in hidden
tests, `reference` (the solution module). Points live in assignment.toml,
keyed by the test function's name; a parametrized test earns them per case.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

import pytest

from autograder import checks as check

__all__ = ["check", "graded"]

F = TypeVar("F", bound=Callable[..., Any])


def graded(exercise: str, title: str) -> Callable[[F], F]:
    """Mark a test as grading `exercise`; `title` may use the test's parameters, e.g. `{dtype}`."""
    mark: Callable[[F], F] = pytest.mark.graded(exercise=exercise, title=title)
    return mark
