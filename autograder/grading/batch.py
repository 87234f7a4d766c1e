"""Grading a whole class in parallel, one result per student whatever happens.

Submissions are graded in a pool of trusted grader processes (each imports
torch and the reference once and then grades many submissions); each
submission's code runs in its own worker below that. Results are written as
they arrive, so an interrupted run keeps what it graded. A grader process
that dies costs retries, then an error result for that student only.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from types import ModuleType
from typing import Callable

from autograder.config import AssignmentConfig
from autograder.errors import UsageError
from autograder.grading.grade import grade_rejected, grade_source, preflight, reference_path, suite_dirs
from autograder.grading.session import TestDir, load_reference
from autograder.intake.discover import Entry, Rejected, Skipped, discover
from autograder.release.markers import split_solutions
from autograder.results import feedback, gradebook, gradescope
from autograder.results.model import SubmissionResult

_state: dict[str, object] = {}
GRADEBOOK = "gradebook.csv"


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


def student_folders(students: list[str]) -> dict[str, str]:
    """A safe, distinct output folder per student (names come from files students chose)."""
    folders: dict[str, str] = {}
    taken: set[str] = set()
    for student in students:
        base = re.sub(r"[^A-Za-z0-9._@+-]", "_", student).strip(".") or "unnamed"
        folder, n = base, 1
        while folder.lower() in taken:
            n += 1
            folder = f"{base}-{n}"
        taken.add(folder.lower())
        folders[student] = folder
    return folders


def _init(config: AssignmentConfig, reference: Path, dirs: list[TestDir]) -> None:
    _state.update(config=config, reference=load_reference(reference), dirs=dirs)


def _grade(entry: Entry) -> SubmissionResult:
    config = _state["config"]
    reference = _state["reference"]
    dirs = _state["dirs"]
    assert isinstance(config, AssignmentConfig) and isinstance(reference, ModuleType) and isinstance(dirs, list)
    if isinstance(entry, Rejected):
        return grade_rejected(config, entry, dirs, reference)
    return grade_source(config, entry, dirs, reference)


def _failed(config: AssignmentConfig, entry: Entry, dirs: list[TestDir], reference: ModuleType, why: str) -> SubmissionResult:
    rejected = Rejected(entry.student, entry.origin, f"the grader failed on this submission ({why}); ask your instructor")
    return grade_rejected(config, rejected, dirs, reference)


def _write(result: SubmissionResult, folder: Path) -> None:
    gradescope.write(result, folder / "results.json")
    feedback.write(result, folder / "feedback.md")


InitArgs = tuple[AssignmentConfig, Path, list[TestDir]]


def _run_pool(
    entries: list[Entry], jobs: int, init_args: InitArgs, done: Callable[[Entry, SubmissionResult | BaseException], None]
) -> None:
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"), initializer=_init, initargs=init_args) as pool:
        futures: dict[Future[SubmissionResult], Entry] = {pool.submit(_grade, entry): entry for entry in entries}
        for future in as_completed(futures):
            try:
                done(futures[future], future.result())
            except Exception as exc:  # noqa: BLE001  (recorded per student, never fatal)
                done(futures[future], exc)


def _nothing_to_grade(submissions: Path, skipped: list[Skipped]) -> str:
    message = f"{submissions} holds no submission to grade; put one entry per student in it: alice.py, bob.ipynb, carol/ or dave.zip"
    if skipped:
        message += "; skipped: " + "; ".join(f"{s.origin} ({s.reason})" for s in skipped[:10])
        message += f"; and {len(skipped) - 10} more" if len(skipped) > 10 else ""
    return message


def _take(entries: list[Entry]) -> list[Entry]:
    taken = list(entries)
    entries.clear()
    return taken


def grade_class(
    config: AssignmentConfig,
    course: Path,
    submissions: Path,
    out: Path,
    jobs: int | None = None,
    progress: Callable[[SubmissionResult], None] | None = None,
) -> ClassReport:
    if not submissions.is_dir():
        raise UsageError(f"{submissions}: not a folder of submissions (expected alice.py, bob.ipynb, carol/, dave.zip, ...)")
    reference = reference_path(course, config)
    if not reference.is_file():
        raise UsageError(f"{reference} is missing; run `autograder release {config.name}` first")
    master = split_solutions(config.master_module.read_text(encoding="utf-8"), config.master_module)
    if reference.read_text(encoding="utf-8") != master.solution:
        raise UsageError(f"{reference} is older than {config.master_module}; run `autograder release {config.name}`")
    entries, skipped = discover(submissions, config.module, config.exercise_names, exclude=out)
    if not entries:
        raise UsageError(_nothing_to_grade(submissions, skipped))
    folders = student_folders([e.student for e in entries])
    dirs = suite_dirs(config, include_hidden=True)
    reference_module = load_reference(reference)
    preflight(config, dirs, reference_module)

    out.mkdir(parents=True, exist_ok=True)
    results: dict[str, SubmissionResult] = {}
    broken: list[Entry] = []

    def record(entry: Entry, outcome: SubmissionResult | BaseException) -> None:
        if isinstance(outcome, BrokenProcessPool):
            broken.append(entry)
            return
        if isinstance(outcome, BaseException):
            outcome = _failed(config, entry, dirs, reference_module, f"{type(outcome).__name__}: {outcome}")
        results[entry.student] = outcome
        _write(outcome, out / folders[entry.student])
        if progress:
            progress(outcome)

    workers = max(1, min(jobs or os.cpu_count() or 1, len(entries) or 1))
    init_args: InitArgs = (config, reference, dirs)
    try:
        if entries:
            _run_pool(entries, workers, init_args, record)
        # A killed grader process fails every submission that was queued with it.
        # Grade those again together, then one at a time whatever broke again, so
        # that only the submission that kills its grader ends with an error.
        again = _take(broken)
        if again:
            _run_pool(again, min(workers, len(again)), init_args, record)
        for entry in _take(broken):
            _run_pool([entry], 1, init_args, record)
        for entry in broken:
            record(entry, RuntimeError("the grading process died while grading it, twice"))
    finally:
        ordered = tuple(results[e.student] for e in entries if e.student in results)
        gradebook.write(ordered, config.exercise_names, out / GRADEBOOK)
    return ClassReport(ordered, tuple(skipped), out, folders)
