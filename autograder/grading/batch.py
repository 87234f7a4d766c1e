"""Grading a whole class in parallel, one result per student whatever happens.

Listing the students is cheap and happens here; everything a submission
controls (reading its files, parsing a notebook, choosing the graded file,
the static check and the tests) happens in an executor (see `executors`):
by default a pool of grader processes, one supervised unit of work per
student (see `supervisor`). The executor is given the assignment as a
bundle read once here, never the course folder. Each student's results are
written atomically as they arrive, into a folder named after that student
alone, so an interrupted run keeps everything it graded.
"""

from __future__ import annotations

import functools
import itertools
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from autograder.config import AssignmentConfig
from autograder.errors import UsageError
from autograder.grading.bundle import AssignmentBundle
from autograder.grading.executors import Executor, LocalExecutor
from autograder.grading.grade import grade_rejected, preflight, reference_path, suite_dirs
from autograder.grading.session import load_reference
from autograder.grading.supervisor import Failed
from autograder.intake.discover import Rejected, Skipped, scan
from autograder.intake.students import folder_for
from autograder.release.markers import split_solutions
from autograder.results import feedback, gradebook, gradescope
from autograder.results.model import SubmissionResult
from autograder.runner.launchers import check_isolation

GRADEBOOK = "gradebook.csv"
SOURCE_TREE = Path(__file__).resolve().parents[2]
"""The folder holding the `autograder` package: a checkout of this project, which may hold a course
too; hidden from workers like the course (Python's own folders below it stay visible)."""
GRADEBOOK_EVERY_S = 2.0


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


def _write(result: SubmissionResult, folder: Path) -> None:
    gradescope.write(result, folder / "results.json")
    feedback.write(result, folder / "feedback.md")


def _nothing_to_grade(submissions: Path, skipped: list[Skipped]) -> str:
    message = f"{submissions} holds no submission to grade; put one entry per student in it: alice.py, bob.ipynb, carol/ or dave.zip"
    if skipped:
        message += "; skipped: " + "; ".join(f"{s.origin} ({s.reason})" for s in skipped[:10])
        message += f"; and {len(skipped) - 10} more" if len(skipped) > 10 else ""
    return message


class _Background:
    """A call run in a thread: the preflight runs while the graders start, and its verdict is
    awaited before any result is written, so a broken test suite still grades nobody."""

    def __init__(self, call: Callable[[], None]) -> None:
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(call,), name="preflight", daemon=True)
        self._thread.start()

    def _run(self, call: Callable[[], None]) -> None:
        try:
            call()
        except BaseException as exc:  # noqa: BLE001  (raised again in the waiting thread)
            self._error = exc

    def wait(self) -> None:
        self._thread.join()
        if self._error is not None:
            raise self._error


def grade_class(
    config: AssignmentConfig,
    course: Path,
    submissions: Path,
    out: Path,
    jobs: int | None = None,
    progress: Callable[[SubmissionResult], None] | None = None,
    isolation: str = "auto",
    executor: Executor | None = None,
) -> ClassReport:
    """Grade every submission in `submissions`.

    `executor` grades them (by default a `LocalExecutor` of `jobs` grader
    processes, which this run closes; one passed in is the caller's to
    close). `isolation`, for the default executor, is `auto` (the best the
    machine allows), `bubblewrap` (that or an error), `fork` (a fork server
    without a sandbox) or `process` (a fresh interpreter per worker); an
    executor passed in brings its own.
    """
    check_isolation(isolation)
    if executor is not None and (isolation != "auto" or jobs is not None):
        raise UsageError("grade_class: give the isolation and the number of jobs to the executor, not beside it")
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
    bundle = AssignmentBundle.build(config, course)
    hidden = (course.resolve(), submissions.resolve(), out.resolve(), SOURCE_TREE)
    runner = executor or LocalExecutor(jobs, isolation=isolation)
    checked = _Background(functools.partial(preflight, config, dirs, reference_module))
    outcomes = runner.run(bundle, tasks, hidden)
    try:
        first = next(outcomes, None)
        checked.wait()
    except BaseException:
        outcomes.close()
        if executor is None:
            runner.close()
        raise

    out.mkdir(parents=True, exist_ok=True)
    results: dict[str, SubmissionResult] = {}
    written = time.monotonic()

    def write_gradebook() -> None:
        ordered = [results[t.student] for t in tasks if t.student in results]
        gradebook.write(ordered, config.exercise_names, out / GRADEBOOK)

    try:
        for index, outcome in itertools.chain([first] if first is not None else [], outcomes):
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
        if executor is None:
            runner.close()
    ordered = tuple(results[t.student] for t in tasks if t.student in results)
    return ClassReport(ordered, tuple(skipped), out, folders)
