"""A pool of grader processes, each task one supervised unit of work.

A grader process imports torch and the reference once, then takes one task
(one student's submission) at a time: intake, static analysis and the test
session all run in it. The supervisor watches each task from outside, with
a budget of wall-clock time, CPU time and memory for the grader process; a
task over budget has its grader killed and replaced, and ends with a
failure that names the budget. A grader that dies, or whose test session did
not complete, has its task run once more on a fresh grader process: another
student's leftovers or a passing fault get a second chance, a submission that
kills its grader twice does not get a third. No outcome of one task reaches
another, and the pool always returns an outcome for every task.
"""

from __future__ import annotations

import os
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing import get_all_start_methods
from multiprocessing.context import ForkServerContext, SpawnContext
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any, Callable, Generic, Iterator, Protocol, TypeVar

from autograder.errors import GraderError
from autograder.grading import processes

T = TypeVar("T")
R = TypeVar("R")
T_contra = TypeVar("T_contra", contravariant=True)
R_co = TypeVar("R_co", covariant=True)
STARTUP_TIMEOUT_S = 300.0
STOP_GRACE_S = 10.0
"""How long idle graders get, once told to stop, to clean up (their fork server, their files) before they are killed."""
MAX_START_FAILURES = 3
POLL_S = 0.2


@dataclass(frozen=True)
class Budget:
    """What one task may cost its grader process."""

    wall_s: float
    cpu_s: float
    memory_bytes: int


@dataclass(frozen=True)
class Failed:
    """A task that produced no result; `reason` is for the student and the instructor."""

    reason: str


class Incomplete(Exception):
    """Raised by a task's work when it could not finish for a reason that another try may not share."""


PRELOAD = ["torch", "pytest", "autograder.grading.executors"]


def grader_context() -> ForkServerContext | SpawnContext:
    """Grader processes are forked from multiprocessing's fork server, which imported torch,
    pytest and the grading code once (where the platform has one; else each one is spawned
    and imports them itself). The fork server never runs a test, so each grader starts from
    the same clean state; it starts no threads, so forking it is safe."""
    if "forkserver" not in get_all_start_methods():
        return SpawnContext()
    context = ForkServerContext()
    context.set_forkserver_preload(PRELOAD)
    return context


def _serve(conn: Connection, setup: Callable[[], Work[Any, Any]]) -> None:
    """The grader process: set up once, then do tasks until told to stop.

    It leads a session of its own, so that student code that signals its
    grader's process group reaches no other process. Once its work is
    released it ends at once: tearing down an interpreter that holds torch
    takes most of a second, and nothing of it is needed any more.
    """
    if hasattr(os, "setsid"):
        os.setsid()
    processes.ignore_signals()
    processes.undumpable()
    processes.become_subreaper()
    work = setup()
    conn.send(("ready", None))
    try:
        _tasks(conn, work)
    finally:
        work.close()
    conn.close()
    os._exit(0)


def _tasks(conn: Connection, work: Work[Any, Any]) -> None:
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        try:
            conn.send(("done", work(task)))
        except Incomplete as exc:
            conn.send(("incomplete", str(exc)))
        except Exception as exc:  # noqa: BLE001  (one task's failure is that task's result)
            conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        finally:
            processes.kill_descendants(keep=work.helpers())


class Work(Protocol[T_contra, R_co]):
    """What a grader process does with each task, the helper processes it keeps running
    between tasks (a fork server), which the cleanup after each task must spare, and what
    it releases when told to stop (a grader killed over budget releases nothing)."""

    def __call__(self, task: T_contra) -> R_co: ...

    def helpers(self) -> set[int]: ...

    def close(self) -> None: ...


@dataclass
class _Task(Generic[T]):
    key: int
    payload: T
    attempt: int = 0


@dataclass
class _Grader:
    process: BaseProcess
    conn: Connection
    started: float
    ready: bool = False
    tasks_taken: int = 0
    task: _Task[Any] | None = None
    task_started: float = 0.0
    cpu_at_start: float | None = None

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()


@dataclass
class Pool(Generic[T, R]):
    """Runs `setup()`'s work function on each task in `jobs` grader processes."""

    setup: Callable[[], Work[T, R]]
    jobs: int
    budget: Budget
    _graders: list[_Grader] = field(default_factory=list)
    _start_failures: int = 0

    def _start(self) -> _Grader:
        context = grader_context()
        parent, child = context.Pipe()
        process = context.Process(target=_serve, args=(child, self.setup), daemon=True)
        process.start()
        child.close()
        grader = _Grader(process, parent, time.monotonic())
        self._graders.append(grader)
        return grader

    def _retire(self, grader: _Grader) -> None:
        """Stop a grader, and whatever it left behind that this process adopted."""
        grader.stop()
        self._graders.remove(grader)
        processes.kill_strays({g.process.pid for g in self._graders if g.process.pid is not None})

    def run(self, tasks: list[T]) -> Iterator[tuple[int, R | Failed]]:
        """Yield (index of the task, its result or failure) as each task finishes, in any order."""
        queue: deque[_Task[T]] = deque(_Task(i, t) for i, t in enumerate(tasks))
        retries: deque[_Task[T]] = deque()
        left = len(tasks)
        try:
            for _ in range(min(self.jobs, left)):
                self._start()
            while left:
                self._assign(queue, retries)
                ready = wait([g.conn for g in self._graders] + [g.process.sentinel for g in self._graders], POLL_S)
                for grader in list(self._graders):
                    for outcome in self._check(grader, ready, retries):
                        left -= 1
                        yield outcome
                while len(self._graders) < min(self.jobs, left):
                    self._start()
        finally:
            self._stop_all()

    def _stop_all(self) -> None:
        """Tell idle graders to stop and give them a moment to clean up; kill the others, and the late."""
        for grader in self._graders:
            if grader.process.is_alive() and grader.task is None and grader.ready:
                try:
                    grader.conn.send(None)
                except OSError:
                    pass
        deadline = time.monotonic() + STOP_GRACE_S
        for grader in list(self._graders):
            if grader.task is None and grader.ready:
                grader.process.join(max(0.0, deadline - time.monotonic()))
            self._retire(grader)

    def _assign(self, queue: deque[_Task[T]], retries: deque[_Task[T]]) -> None:
        """Give work to idle graders; a task tried before goes only to a grader that has not graded yet."""
        for grader in list(self._graders):
            if not grader.ready or grader.task is not None:
                continue
            if retries and grader.tasks_taken and not any(g.tasks_taken == 0 for g in self._graders):
                self._retire(grader)
                continue
            source = retries if retries and grader.tasks_taken == 0 else queue
            if not source:
                continue
            task = source.popleft()
            grader.task, grader.task_started = task, time.monotonic()
            grader.cpu_at_start = processes.cpu_seconds(grader.process.pid or 0)
            grader.tasks_taken += 1
            grader.conn.send(task.payload)

    def _check(self, grader: _Grader, ready: list[Any], retries: deque[_Task[T]]) -> Iterator[tuple[int, R | Failed]]:
        """Read what a grader said, then see whether it died or went over budget.

        Death is checked by waiting on the process, not only on its pipes:
        a process forked below the grader may hold copies of them open.
        """
        if grader.conn in ready:
            try:
                while grader.conn.poll():
                    kind, value = grader.conn.recv()
                    yield from self._message(grader, kind, value, retries)
            except (EOFError, OSError):
                pass
        if grader not in self._graders:
            return
        if not grader.process.is_alive():
            yield from self._died(grader, retries)
            return
        over = self._over_budget(grader)
        if over:
            task = grader.task
            self._retire(grader)
            assert task is not None
            yield task.key, Failed(over)

    def _message(self, grader: _Grader, kind: str, value: Any, retries: deque[_Task[T]]) -> Iterator[tuple[int, R | Failed]]:
        if kind == "ready":
            grader.ready = True
            self._start_failures = 0
            return
        task = grader.task
        assert task is not None
        grader.task = None
        if kind == "done":
            yield task.key, value
        elif kind == "failed":
            yield task.key, Failed(f"the grader failed on this submission ({value})")
        else:
            self._retire(grader)
            yield from self._again(task, f"its test session did not complete ({value})", retries)

    def _died(self, grader: _Grader, retries: deque[_Task[T]]) -> Iterator[tuple[int, R | Failed]]:
        task = grader.task
        code = grader.process.exitcode
        self._retire(grader)
        if task is None:
            self._start_failures += 0 if grader.ready else 1
            if self._start_failures >= MAX_START_FAILURES:
                raise GraderError(f"grader processes keep dying before they are ready (exit status {code})")
            return
        yield from self._again(task, f"the grading process died (exit status {code})", retries)

    def _again(self, task: _Task[T], why: str, retries: deque[_Task[T]]) -> Iterator[tuple[int, R | Failed]]:
        if task.attempt == 0:
            retries.append(_Task(task.key, task.payload, 1))
            return
        yield task.key, Failed(f"{why}, twice")

    def _over_budget(self, grader: _Grader) -> str | None:
        now = time.monotonic()
        if grader.task is None:
            if not grader.ready and now - grader.started > STARTUP_TIMEOUT_S:
                self._retire(grader)
                raise GraderError(f"a grader process did not start within {STARTUP_TIMEOUT_S:g} s")
            return None
        pid = grader.process.pid or 0
        if now - grader.task_started > self.budget.wall_s:
            return f"grading it took more than {self.budget.wall_s:g} s, the limit for one submission"
        cpu = processes.cpu_seconds(pid)
        if cpu is not None and grader.cpu_at_start is not None and cpu - grader.cpu_at_start > self.budget.cpu_s:
            return f"grading it took more than {self.budget.cpu_s:g} s of the grader's CPU time, the limit for one submission"
        rss = processes.rss_bytes(pid)
        if rss is not None and rss > self.budget.memory_bytes:
            return f"grading it made the grader use more than {self.budget.memory_bytes / 2**30:g} GiB of memory"
        return None


def default_jobs(jobs: int | None, tasks: int) -> int:
    return max(1, min(jobs or os.cpu_count() or 1, tasks or 1))
