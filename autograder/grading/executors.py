"""Where submissions are graded: the executor seam between a class run and the graders.

`grade_class` lists the students, and writes each result as it comes back;
an executor grades. It is handed the assignment as a bundle (`bundle`), never
as a path of this machine, and the tasks; it yields each task's result, or
the `Failed` reason it has none, in any order. Whatever an executor does, a
task is graded by `grade_task`, on a materialized bundle with a launcher of
workers, so every executor gives the same results.

`LocalExecutor` is the default: a supervised pool of grader processes on
this machine (`supervisor.Pool`), each of which materializes the bundle once
in a private folder and keeps one launcher (a fork server) for all the
students it grades.

A Dask executor, for a class graded on a cluster, is one more class here
and changes nothing else. Its shape:

    @dataclass
    class DaskExecutor:
        client: distributed.Client
        budget: Budget | None = None          # else the bundle's limits, as here
        isolation: str = "auto"

        def run(self, bundle, tasks, hidden=()):
            # the bundle is sent once per machine, not once per task
            shared = self.client.scatter(bundle, broadcast=True)
            futures = {self.client.submit(grade_remote, shared, packed(task), ...): i for i, task in enumerate(tasks)}
            for future in distributed.as_completed(futures):
                yield futures[future], future.result()   # a task error becomes Failed(reason)

        def close(self):
            self.client.close()

where `grade_remote` runs on a Dask worker: it takes the bundle materialized
and the launcher kept per worker process by a `distributed.WorkerPlugin`
(keyed by `bundle.digest`, removed in the plugin's teardown), unpacks the
task's files into a private folder, and runs `grade_task` under the same
per-task budget and retry rules as `Pool` (a one-process `Pool` per Dask
worker does that). A `Candidate` names a folder of this machine, so
`packed` turns it into its files' bytes (size-capped, unparsed: reading the
student's files stays on the grading side); `hidden` names paths of this
machine, which a remote worker has not got.
"""

from __future__ import annotations

import functools
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Generator, Protocol, Sequence

from autograder.config import AssignmentConfig, Limits
from autograder.errors import GraderError
from autograder.grading.bundle import AssignmentBundle
from autograder.grading.grade import grade_rejected, grade_source
from autograder.grading.session import TestDir
from autograder.grading.supervisor import Budget, Failed, Incomplete, Pool, default_jobs
from autograder.intake.discover import Candidate, Rejected, Skipped, read_entry
from autograder.results.model import SubmissionResult
from autograder.runner.launchers import Launcher, check_isolation, choose_launcher

Task = Candidate | Rejected


class Executor(Protocol):
    """Grades the tasks of one assignment somewhere, and says how each one ended."""

    def run(
        self, bundle: AssignmentBundle, tasks: Sequence[Task], hidden: tuple[Path, ...] = ()
    ) -> Generator[tuple[int, SubmissionResult | Failed], None, None]:
        """Yield (index in `tasks`, result or failure) exactly once per task, in any order, as each ends;
        closing the generator early stops the grading.

        `hidden` are paths of this machine that no worker may see (the
        course, the submissions, the output folder); an executor that runs
        workers elsewhere has none of them.
        """
        ...

    def close(self) -> None:
        """Release what the executor keeps between runs (processes, a cluster connection)."""
        ...


def grade_task(config: AssignmentConfig, dirs: list[TestDir], reference: ModuleType, launcher: Launcher, task: Task) -> SubmissionResult:
    """One student's unit of work, wherever it runs: read the submission, then grade it.

    A test session that did not complete is `Incomplete`, which an executor
    may try once more elsewhere.
    """
    entry = read_entry(task.path, config.module, config.exercise_names) if isinstance(task, Candidate) else task
    if isinstance(entry, Skipped):
        entry = Rejected(task.student, entry.origin, entry.reason)
    if isinstance(entry, Rejected):
        return grade_rejected(config, entry, dirs, reference)
    try:
        return grade_source(config, entry, dirs, reference, launcher=launcher)
    except GraderError as exc:
        raise Incomplete(str(exc)) from None


@dataclass
class _Grader:
    """What a grader process keeps between students: the materialized assignment, and the launcher
    of workers whose fork server (a helper process) must outlive each task."""

    config: AssignmentConfig
    dirs: list[TestDir]
    reference: ModuleType
    launcher: Launcher
    folder: Path

    def __call__(self, task: Task) -> SubmissionResult:
        return grade_task(self.config, self.dirs, self.reference, self.launcher, task)

    def helpers(self) -> set[int]:
        return self.launcher.helpers()

    def close(self) -> None:
        self.launcher.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def _setup(bundle: AssignmentBundle, root: Path, isolation: str, hidden: tuple[Path, ...]) -> _Grader:
    """Runs once in each grader process: the bundle is written into a private folder of its own
    below `root`, the reference imported from there, and the launcher's fork server started,
    once for all the students that process grades."""
    folder = Path(tempfile.mkdtemp(prefix="grader-", dir=root))
    config, dirs, reference = bundle.materialize(folder)
    return _Grader(config, dirs, reference, choose_launcher(isolation, hidden), folder)


def budget_of(limits: Limits) -> Budget:
    """What grading one submission may cost its grader process, from the assignment's limits."""
    return Budget(limits.submission_timeout_s, limits.submission_cpu_s, limits.grader_memory_bytes)


@dataclass(frozen=True)
class LocalExecutor:
    """Grades in `jobs` supervised grader processes on this machine (one per core, at most one per task).

    `budget` defaults to the assignment's own limits; `isolation` is that
    of `choose_launcher`. Nothing outlives a run: its graders stop, and the
    folder that holds their copies of the bundle is removed, even where a
    grader was killed before it could remove its own.
    """

    jobs: int | None = None
    budget: Budget | None = None
    isolation: str = "auto"

    def __post_init__(self) -> None:
        check_isolation(self.isolation)

    def run(
        self, bundle: AssignmentBundle, tasks: Sequence[Task], hidden: tuple[Path, ...] = ()
    ) -> Generator[tuple[int, SubmissionResult | Failed], None, None]:
        root = Path(tempfile.mkdtemp(prefix="autograder-bundle-"))
        try:
            setup = functools.partial(_setup, bundle, root, self.isolation, (*hidden, root))
            pool: Pool[Task, SubmissionResult] = Pool(setup, default_jobs(self.jobs, len(tasks)), self.budget or budget_of(bundle.limits))
            yield from pool.run(list(tasks))
        finally:
            shutil.rmtree(root, ignore_errors=True)

    def close(self) -> None:
        """Nothing to release: every run starts and stops its own graders."""
