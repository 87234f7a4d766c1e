"""What an assignment's test files import: the `graded` marker, the checks and known-good models.

    from autograder.testing import check, graded

    @graded("softmax", "rows sum to 1 for shape {shape}", points=1)
    def test_softmax_rows_sum_to_one(submission, shape): ...

Tests receive `submission` (the student's code, run elsewhere) and, in hidden
tests, `reference` (the solution module). A test's points are declared once:
in its `graded` marker, or under [points] in assignment.toml, keyed by the
test function's name; a parametrized test earns them per case.

Random inputs come from the `rng` fixture (a fresh, seeded torch.Generator)
or the `seed` fixture (its int seed), never from a literal seed:

    def test_softmax_values(submission, rng):
        logits = torch.randn(4, 5, generator=rng)

In a hidden test the seed is derived from the course secret, the submitted
code and the test's id: every submission draws other inputs, and the same
submission always the same ones. In a public test it is derived from the
test's id alone (`autograder.grading.secret.public_seed`), so students see
the grader's inputs. A check that must hold for every seed should draw until
its inputs have what it needs (e.g. scores of both signs), not assume it.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

import pytest

from autograder import checks as check
from autograder_worker.layers import Layers, build_layers, known_model

__all__ = ["Layers", "build_layers", "check", "graded", "known_model"]

F = TypeVar("F", bound=Callable[..., Any])


def graded(exercise: str, title: str, *, points: float | None = None, timeout: float | None = None) -> Callable[[F], F]:
    """Mark a test as grading `exercise`; `title` may use the test's parameters, e.g. `{dtype}`.

    `timeout` replaces the assignment's `call_timeout_s` for every call of
    student code this test makes: a training test may need more, and a test
    that a wrong loop would hang in should give up sooner.
    """
    mark: Callable[[F], F] = pytest.mark.graded(exercise=exercise, title=title, points=points, timeout=timeout)
    return mark
