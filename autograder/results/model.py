"""Immutable results: one per test, one per submission.

Test names follow `exercise: what it checks`, so scores can be summed per
exercise by anyone reading results.json, not only by this package.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Outcome(str, Enum):
    """What became of one test. A skipped test checked nothing, so it is worth
    no points on either side of the total, and is never shown as passed."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class TestResult:
    """The outcome of one graded test; `output` says why it failed or was skipped."""

    exercise: str
    title: str
    score: float
    max_score: float
    outcome: Outcome
    output: str
    hidden: bool
    visibility: str = "visible"

    @property
    def name(self) -> str:
        return f"{self.exercise}: {self.title}"

    @property
    def passed(self) -> bool:
        return self.outcome is Outcome.PASSED

    @property
    def failed(self) -> bool:
        return self.outcome is Outcome.FAILED

    @property
    def skipped(self) -> bool:
        return self.outcome is Outcome.SKIPPED


@dataclass(frozen=True)
class ExerciseScore:
    exercise: str
    score: float
    max_score: float


@dataclass(frozen=True)
class SubmissionResult:
    """Everything graded for one student, plus what the student should know besides."""

    student: str
    assignment: str
    origin: str
    tests: tuple[TestResult, ...]
    exercises: tuple[str, ...]
    notices: tuple[str, ...] = ()
    output: str = ""
    isolation: str = "process"
    seconds: float = 0.0

    @property
    def score(self) -> float:
        return sum(t.score for t in self.tests)

    @property
    def max_score(self) -> float:
        return sum(t.max_score for t in self.tests)

    @property
    def skipped(self) -> tuple[TestResult, ...]:
        return tuple(t for t in self.tests if t.skipped)

    def by_exercise(self) -> tuple[ExerciseScore, ...]:
        return tuple(
            ExerciseScore(
                exercise,
                sum(t.score for t in self.tests if t.exercise == exercise),
                sum(t.max_score for t in self.tests if t.exercise == exercise),
            )
            for exercise in self.exercises
        )
