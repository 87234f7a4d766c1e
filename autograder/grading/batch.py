"""Grading a whole class in parallel, one result per student whatever happens.

Listing the students is cheap and happens here; everything a submission
controls (reading its files, parsing a notebook, choosing the graded file,
the static check and the tests) happens in a pool of grader processes, one
supervised unit of work per student (see `supervisor`). Each student's
results are written atomically as they arrive, into a folder named after
that student alone, so an interrupted run keeps everything it graded.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Callable

from autograder.config import AssignmentConfig
from autograder.errors import GraderError, UsageError
from autograder.grading.grade import grade_rejected, grade_source, preflight, reference_path, suite_dirs
from autograder.grading.session import TestDir, load_reference
from autograder.grading.supervisor import Budget, Failed, Incomplete, Pool, default_jobs
from autograder.intake.discover import Candidate, Rejected, Skipped, read_entry, scan
from autograder.intake.students import folder_for
from autograder.release.markers import split_solutions
from autograder.results import feedback, gradebook, gradescope
from autograder.results.model import SubmissionResult
from autograder.runner.launchers import Launcher, check_isolation, choose_launcher

GRADEBOOK = "gradebook.csv"
GRADEBOOK_EVERY_S = 2.0
Task = Candidate | Rejected


@dataclass(frozen=True)
class ClassReport:
    """What a class run produced and where it put it."""

    results: tuple[SubmissionResult, ...]
    skipped: tuple[Skipped, ...]
    out: Path
    folders: dict[str, str]

    @property
    def gradebook(self) -> Path:
        return self.out / GRADEBOOK


@dataclass
class _Grader:
    """What a grader process keeps between students: the reference, and the launcher of workers
    whose fork server (a helper process) must outlive each task."""

    config: AssignmentConfig
    dirs: list[TestDir]
    reference: ModuleType
    launcher: Launcher

    def __call__(self, task: Task) -> SubmissionResult:
        return _grade_task(self.config, self.dirs, self.reference, self.launcher, task)

    def helpers(self) -> set[int]:
        return self.launcher.helpers()


def _grade_task(config: AssignmentConfig, dirs: list[TestDir], reference: ModuleType, launcher: Launcher, task: Task) -> SubmissionResult:
    """One student's unit of work, in a grader process."""
    entry = read_entry(task.path, config.module, config.exercise_names) if isinstance(task, Candidate) else task
    if isinstance(entry, Skipped):
        entry = Rejected(task.student, entry.origin, entry.reason)
    if isinstance(entry, Rejected):
        return grade_rejected(config, entry, dirs, reference)
    try:
        return grade_source(config, entry, dirs, reference, launcher=launcher)
    except GraderError as exc:
        raise Incomplete(str(exc)) from None


def _setup(config: AssignmentConfig, reference: Path, dirs: list[TestDir], isolation: str, hidden: tuple[Path, ...]) -> _Grader:
    """Runs once in each grader process: the reference is imported there, not sent, and the
    launcher's fork server starts there, once for all the students that process grades."""
    return _Grader(config, dirs, load_reference(reference), choose_launcher(isolation, hidden))


def _write(result: SubmissionResult, folder: Path) -> None:
    gradescope.write(result, folder / "results.json")
    feedback.write(result, folder / "feedback.md")


def _nothing_to_grade(submissions: Path, skipped: list[Skipped]) -> str:
    message = f"{submissions} holds no submission to grade; put one entry per student in it: alice.py, bob.ipynb, carol/ or dave.zip"
    if skipped:
        message += "; skipped: " + "; ".join(f"{s.origin} ({s.reason})" for s in skipped[:10])
        message += f"; and {len(skipped) - 10} more" if len(skipped) > 10 else ""
    return message


def grade_class(
    config: AssignmentConfig,
    course: Path,
    submissions: Path,
    out: Path,
    jobs: int | None = None,
    progress: Callable[[SubmissionResult], None] | None = None,
    isolation: str = "auto",
) -> ClassReport:
    """Grade every submission in `submissions`; `isolation` is `auto` (the best the machine
    allows), `bubblewrap` (that or an error), `fork` (a fork server without a sandbox) or
    `process` (a fresh interpreter per worker)."""
    check_isolation(isolation)
    if not submissions.is_dir():
        raise UsageError(f"{submissions}: not a folder of submissions (expected alice.py, bob.ipynb, carol/, dave.zip, ...)")
    reference = reference_path(course, config)
    if not reference.is_file():
        raise UsageError(f"{reference} is missing; run `autograder release {config.name}` first")
    master = split_solutions(config.master_module.read_text(encoding="utf-8"), config.master_module)
    if reference.read_text(encoding="utf-8") != master.solution:
        raise UsageError(f"{reference} is older than {config.master_module}; run `autograder release {config.name}`")
    tasks, skipped = scan(submissions, exclude=out)
    if not tasks:
        raise UsageError(_nothing_to_grade(submissions, skipped))
    folders = {task.student: folder_for(task.student) for task in tasks}
    dirs = suite_dirs(config, include_hidden=True)
    reference_module = load_reference(reference)
    preflight(config, dirs, reference_module)

    out.mkdir(parents=True, exist_ok=True)
    results: dict[str, SubmissionResult] = {}
    written = time.monotonic()

    def write_gradebook() -> None:
        ordered = [results[t.student] for t in tasks if t.student in results]
        gradebook.write(ordered, config.exercise_names, out / GRADEBOOK)

    limits = config.limits
    budget = Budget(limits.submission_timeout_s, limits.submission_cpu_s, limits.grader_memory_bytes)
    pool: Pool[Task, SubmissionResult] = Pool(functools.partial(_setup, config, reference, dirs, isolation, (course.resolve(), submissions.resolve(), out.resolve())), default_jobs(jobs, len(tasks)), budget)
    try:
        for index, outcome in pool.run(tasks):
            task = tasks[index]
            if isinstance(outcome, Failed):
                rejected = Rejected(task.student, task.origin, f"{outcome.reason}; ask your instructor")
                outcome = grade_rejected(config, rejected, dirs, reference_module)
            results[task.student] = outcome
            _write(outcome, out / folders[task.student])
            if progress:
                progress(outcome)
            if time.monotonic() - written > GRADEBOOK_EVERY_S:
                write_gradebook()
                written = time.monotonic()
    finally:
        write_gradebook()
    ordered = tuple(results[t.student] for t in tasks if t.student in results)
    return ClassReport(ordered, tuple(skipped), out, folders)
