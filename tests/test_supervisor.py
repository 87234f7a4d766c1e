"""The supervised pool: every task gets an outcome, whatever its work does to its grader process.

The work functions below stand in for grading one submission; they run in
spawned grader processes, so they live at module level where those can
import them.
"""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from autograder.grading import processes
from autograder.grading.supervisor import Budget, Failed, Incomplete, Pool

ROOMY = Budget(wall_s=60, cpu_s=60, memory_bytes=8 * 2**30)


@dataclass
class Plain:
    """Work that keeps no helper process, and leaves a mark when told to stop, if given where."""

    function: Callable[[tuple[str, str]], str]
    closed: str = ""

    def __call__(self, task: tuple[str, str]) -> str:
        return self.function(task)

    def helpers(self) -> set[int]:
        return set()

    def close(self) -> None:
        if self.closed:
            Path(self.closed).write_text(str(os.getpid()))


def _work(task: tuple[str, str]) -> str:
    kind, arg = task
    if kind == "ok":
        return f"graded {arg}"
    if kind == "raise":
        raise ValueError("a bug in the grader")
    if kind == "exit":
        os._exit(3)
    if kind == "kill-grader":
        os.kill(os.getpid(), signal.SIGKILL)
    if kind == "signals":
        for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1, signal.SIGQUIT):
            os.kill(os.getpid(), number)
        time.sleep(0.2)
        return "survived"
    if kind == "hang":
        time.sleep(3600)
    if kind == "spin":
        while True:
            pass
    if kind == "hog":
        block = bytearray(2**30)
        time.sleep(30)
        return str(len(block))
    if kind == "once":
        marker = Path(arg)
        if not marker.exists():
            marker.write_text("tried")
            raise Incomplete("interrupted")
        return "second try"
    if kind == "leave-daemon":
        if os.fork() == 0:
            os.setsid()
            time.sleep(3600)
            os._exit(0)
        return "left a process behind"
    if kind == "children":
        return str(len(processes.children(os.getpid())))
    raise AssertionError(kind)


def _setup() -> Plain:
    return Plain(_work)


def _marking_setup(closed: str) -> Plain:
    return Plain(_work, closed)


def run(tasks: list[tuple[str, str]], budget: Budget = ROOMY, jobs: int = 2) -> list[str | Failed]:
    outcomes: dict[int, str | Failed] = {}
    for index, outcome in Pool(_setup, jobs, budget).run(tasks):
        assert index not in outcomes
        outcomes[index] = outcome
    assert sorted(outcomes) == list(range(len(tasks)))
    return [outcomes[i] for i in range(len(tasks))]


def test_every_task_gets_its_own_outcome():
    outcomes = run([("ok", "alice"), ("raise", ""), ("ok", "bob"), ("exit", ""), ("ok", "carol")])
    assert outcomes[0] == "graded alice" and outcomes[2] == "graded bob" and outcomes[4] == "graded carol"
    assert isinstance(outcomes[1], Failed) and "ValueError: a bug in the grader" in outcomes[1].reason
    assert isinstance(outcomes[3], Failed) and "died" in outcomes[3].reason and "twice" in outcomes[3].reason


def test_a_grader_killed_once_is_given_a_fresh_process_and_a_second_try(tmp_path):
    outcomes = run([("once", str(tmp_path / "marker")), ("kill-grader", ""), ("ok", "dave")], jobs=1)
    assert outcomes[0] == "second try"
    assert isinstance(outcomes[1], Failed) and "died" in outcomes[1].reason
    assert outcomes[2] == "graded dave"


def test_graders_ignore_the_signals_student_code_could_send():
    assert run([("signals", ""), ("ok", "erin")], jobs=1) == ["survived", "graded erin"]


def test_a_task_over_its_wall_clock_budget_fails_alone():
    budget = Budget(wall_s=3, cpu_s=60, memory_bytes=8 * 2**30)
    outcomes = run([("hang", ""), ("ok", "fred")], budget, jobs=1)
    assert isinstance(outcomes[0], Failed) and "more than 3 s" in outcomes[0].reason
    assert outcomes[1] == "graded fred"


@pytest.mark.skipif(not processes.LINUX, reason="CPU time and memory are measured through /proc")
def test_a_task_over_its_cpu_budget_fails_alone():
    budget = Budget(wall_s=60, cpu_s=2, memory_bytes=8 * 2**30)
    outcomes = run([("spin", ""), ("ok", "gil")], budget, jobs=1)
    assert isinstance(outcomes[0], Failed) and "CPU time" in outcomes[0].reason
    assert outcomes[1] == "graded gil"


@pytest.mark.skipif(not processes.LINUX, reason="CPU time and memory are measured through /proc")
def test_a_task_over_its_memory_budget_fails_alone():
    budget = Budget(wall_s=60, cpu_s=60, memory_bytes=512 * 2**20)
    outcomes = run([("hog", ""), ("ok", "hal")], budget, jobs=1)
    assert isinstance(outcomes[0], Failed) and "memory" in outcomes[0].reason
    assert outcomes[1] == "graded hal"


def test_graders_told_to_stop_release_what_they_hold(tmp_path):
    closed = tmp_path / "closed"
    outcomes = list(Pool(functools.partial(_marking_setup, str(closed)), 1, ROOMY).run([("ok", "ivy")]))
    assert outcomes == [(0, "graded ivy")]
    assert closed.read_text().isdigit() and int(closed.read_text()) != os.getpid()


@pytest.mark.skipif(not processes.LINUX, reason="orphans are adopted by a child subreaper on Linux only")
def test_processes_left_behind_are_killed_before_the_next_task():
    assert run([("leave-daemon", ""), ("children", "")], jobs=1) == ["left a process behind", "0"]



SHIELDED_RUN = """
import os, signal, sys, time
from autograder.grading import processes
from autograder.grading.supervisor import Budget, Pool
import test_supervisor

with processes.shielded():
    outcomes = list(Pool(test_supervisor._signal_parent_setup, 1, test_supervisor.ROOMY).run([("x", "")]))
    print(outcomes, flush=True)
    try:
        for _ in range(600):
            time.sleep(0.1)
    except KeyboardInterrupt:
        print("interrupted by the user", flush=True)
"""


def _signal_parent(task: tuple[str, str]) -> str:
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1):
        os.kill(os.getppid(), number)
    time.sleep(0.5)
    return "sent"


def _signal_parent_setup() -> Plain:
    return Plain(_signal_parent)


@pytest.mark.skipif(not processes.LINUX, reason="the sender of a signal is known on Linux only")
def test_the_supervising_process_ignores_signals_from_below_but_not_from_the_user():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]))
    process = subprocess.Popen([sys.executable, "-c", SHIELDED_RUN], stdout=subprocess.PIPE, text=True, env=env)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "[(0, 'sent')]"
    process.send_signal(signal.SIGTERM)
    assert process.stdout.readline().strip() == "interrupted by the user"
    assert process.wait(timeout=30) == 0


@pytest.mark.skipif(not processes.LINUX, reason="child subreapers exist on Linux only")
def test_the_shield_leaves_the_process_as_it_found_it():
    assert processes.become_subreaper(False) is False
    with processes.shielded():
        assert processes.become_subreaper() is True
    assert processes.become_subreaper(False) is False
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) & processes.SHIELDED_SIGNALS == set()


GROUP_KILL_RUN = """
import os, signal, sys, time
from autograder.grading import processes
from autograder.grading.supervisor import Pool
import test_supervisor

if __name__ == "__main__":
    with processes.shielded():
        outcomes = list(Pool(test_supervisor._{setup}, 1, test_supervisor.ROOMY).run([("x", sys.argv[1])]))
    print(type(outcomes[0][1]).__name__, flush=True)
    time.sleep(0.5)
    print(os.path.exists(f"/proc/{{open(sys.argv[1]).read()}}") if {check_pid} else "", flush=True)
"""


def _kill_own_group(task: tuple[str, str]) -> str:
    os.killpg(os.getpgid(os.getpid()), signal.SIGKILL)
    return "unreachable"


def _kill_own_group_setup() -> Plain:
    return Plain(_kill_own_group)


def _orphan_then_die(task: tuple[str, str]) -> str:
    daemon = os.fork()
    if daemon == 0:
        os.setsid()
        time.sleep(60)
        os._exit(0)
    Path(task[1]).write_text(str(daemon))
    os.kill(os.getpid(), signal.SIGKILL)
    return "unreachable"


def _orphan_then_die_setup() -> Plain:
    return Plain(_orphan_then_die)


def _run_shielded(tmp_path: Path, setup: str, check_pid: bool) -> list[str]:
    script = tmp_path / "run.py"
    script.write_text(GROUP_KILL_RUN.format(setup=setup, check_pid=check_pid))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "pid")], capture_output=True, text=True, env=env, timeout=120, start_new_session=True
    )
    return done.stdout.split("\n")[:2]


@pytest.mark.skipif(not processes.LINUX, reason="process groups and subreapers as on Linux")
def test_killing_the_graders_process_group_reaches_no_other_process(tmp_path):
    assert _run_shielded(tmp_path, "kill_own_group_setup", False) == ["Failed", ""]


@pytest.mark.skipif(not processes.LINUX, reason="process groups and subreapers as on Linux")
def test_what_a_dead_grader_left_behind_is_killed(tmp_path):
    assert _run_shielded(tmp_path, "orphan_then_die_setup", True) == ["Failed", "False"]
