"""Grading one submission: static checks, then the tests through a worker."""

from __future__ import annotations

import fnmatch
import time
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any

import torch

from autograder.checks.static import StaticChecker, StaticReport, Violation
from autograder.config import AssignmentConfig, find_course
from autograder.errors import UsageError
from autograder.grading.secret import PREFLIGHT_DIGEST, REJECTED_DIGEST, Seeds, course_secret, submission_digest
from autograder.grading.session import TestDir, gate_message, run_tests
from autograder.intake.discover import Rejected
from autograder.intake.pin import pinned_definitions
from autograder.intake.source import SubmissionSource
from autograder.results.model import Outcome, SubmissionResult, TestResult
from autograder.runner.errors import SubmissionError
from autograder.runner.handle import RemoteSubmission
from autograder.runner.launchers import Launcher
from autograder.runner.local import LocalSubmission

HAND_WRITTEN_TITLE = "written by hand, on the input's device (no banned API)"
RAN_WHERE = "what your code ran during the tests"
HIDDEN_OUTPUT = "[what your code printed during the hidden tests is not shown]"


@dataclass(frozen=True)
class Unreadable:
    """Stands in for a submission that could not be read: every call fails with the reason."""

    reason: str

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise SubmissionError(self.reason)

        return fail


def static_results(config: AssignmentConfig, static: StaticReport) -> list[TestResult]:
    """One 0-point line per gated-capable exercise, so the student sees the check either way."""
    results = []
    for exercise in config.banned_in:
        violations = static.gating.get(exercise, ())
        results.append(
            TestResult(
                exercise=exercise,
                title=HAND_WRITTEN_TITLE,
                score=0.0,
                max_score=0.0,
                outcome=Outcome.FAILED if violations else Outcome.PASSED,
                output=gate_message(exercise, violations) if violations else "",
                hidden=False,
            )
        )
    return results


def dispatched_gating(config: AssignmentConfig, dispatched: dict[str, frozenset[str]]) -> dict[str, tuple[Violation, ...]]:
    """Exercises whose code dispatched a banned operation while the tests ran.

    The worker's record is untrusted, so it can only take points away: a
    second line behind the static check, for computations reached in ways no
    reading of the code can follow.
    """
    gating: dict[str, tuple[Violation, ...]] = {}
    for exercise in config.banned_in:
        ops = sorted(op for op in dispatched.get(exercise, ()) if any(fnmatch.fnmatchcase(op, p) for p in config.banned))
        if ops:
            gating[exercise] = tuple(Violation(op, RAN_WHERE, 0, "") for op in ops)
    return gating


def _gate_tests(tests: list[TestResult], gating: dict[str, tuple[Violation, ...]]) -> list[TestResult]:
    return [
        replace(t, score=0.0, outcome=Outcome.FAILED, output=gate_message(t.exercise, gating[t.exercise]))
        if t.exercise in gating and not t.skipped
        else t
        for t in tests
    ]


def _notices(static: StaticReport) -> list[str]:
    return [
        f"{v.describe()} is outside the graded functions, so it costs nothing; "
        "graded functions must not use it" for v in static.ungraded
    ]


def run_seeds(config: AssignmentConfig, dirs: list[TestDir], digest: str) -> Seeds:
    """The seeds of a run of `dirs` on the submission `digest`: the course secret is read
    only where hidden tests run, so a student's public check needs none."""
    if not any(d.hidden for d in dirs):
        return Seeds()
    return Seeds(course_secret(find_course(config.root)), digest)


def grade_source(
    config: AssignmentConfig,
    source: SubmissionSource,
    dirs: list[TestDir],
    reference: ModuleType | None,
    device: torch.device | None = None,
    launcher: Launcher | None = None,
) -> SubmissionResult:
    started = time.monotonic()
    static = StaticChecker(config.banned).check(source.chunks, config.banned_in, source.modules)
    notices = list(source.notices) + _notices(static)
    seeds = run_seeds(config, dirs, submission_digest(source))
    loaded = replace(source, chunks=source.chunks + pinned_definitions(source.chunks, config.exercise_names))
    with RemoteSubmission(loaded, config.module, config.limits, config.exercise_names, launcher=launcher) as submission:
        tests = run_tests(config, submission, dirs, reference, static, device=device, seeds=seeds)
        try:
            report = submission.load_report()
            notices = [f"while loading, {e.describe()}" for e in report.errors] + notices
        except SubmissionError as exc:
            notices.insert(0, str(exc))
        notices += [f"worker event: {event}" for event in submission.events]
        isolation = submission.isolation
    ran = dispatched_gating(config, submission.dispatched)
    if ran:
        tests = _gate_tests(tests, ran)
        static = StaticReport({**ran, **static.gating}, static.ungraded)
    output = submission.output()
    if submission.hidden_output_bytes:
        output += ("\n" if output else "") + HIDDEN_OUTPUT
    return SubmissionResult(
        student=source.student,
        assignment=config.name,
        origin=source.origin,
        tests=tuple(static_results(config, static) + tests),
        exercises=config.exercise_names,
        notices=tuple(notices),
        output=output,
        isolation=isolation,
        seconds=time.monotonic() - started,
    )


def grade_rejected(
    config: AssignmentConfig, entry: Rejected, dirs: list[TestDir], reference: ModuleType | None
) -> SubmissionResult:
    """A result for a submission that could not be read, with every test failed and the reason."""
    reason = f"not graded: {entry.reason}"
    tests = run_tests(config, Unreadable(reason), dirs, reference, None, seeds=run_seeds(config, dirs, REJECTED_DIGEST))
    return SubmissionResult(
        student=entry.student,
        assignment=config.name,
        origin=entry.origin,
        tests=tuple(tests),
        exercises=config.exercise_names,
        notices=(reason,),
        isolation="none (not run)",
    )


def preflight(config: AssignmentConfig, dirs: list[TestDir], reference: ModuleType) -> None:
    """Run every test on the reference solution, in this process, before any student.

    This validates the tests themselves (markers, points, a value compared
    wherever points are given) and proves that the reference earns every
    point, so that a broken test is the instructor's usage error and never a
    class of wrong grades. Hidden tests draw their inputs under one fixed
    digest here; the assignments' own tests check other draws.
    """
    submission = LocalSubmission(vars(reference), config.module)
    results = run_tests(config, submission, dirs, reference, seeds=run_seeds(config, dirs, PREFLIGHT_DIGEST))
    failing = [r for r in results if r.failed]
    if failing:
        lines = [f"  {r.name}: {(r.output.splitlines() or ['failed'])[0]}" for r in failing]
        raise UsageError(
            f"the reference solution fails {len(failing)} test(s) of {config.name}; fix the tests or "
            f"{config.master_module} and run `autograder release {config.name}`:\n" + "\n".join(lines)
        )


def suite_dirs(config: AssignmentConfig, include_hidden: bool) -> list[TestDir]:
    dirs = [TestDir(config.public_tests, hidden=False)]
    if include_hidden and config.hidden_tests.is_dir():
        dirs.append(TestDir(config.hidden_tests, hidden=True))
    return dirs


def reference_path(course: Path, config: AssignmentConfig) -> Path:
    return course / "reference" / config.name / config.module_file
