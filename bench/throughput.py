"""Benchmark: grading throughput and worker memory, against `import torch` and otter-grader.

    .venv/bin/python bench/throughput.py [--students 40] [--jobs 2] [--otter-students 6]
    .venv/bin/python bench/throughput.py --drift --students 1000 --otter-students 0

One run measures, for 02_classification with the reference solution as every
student's file (so every test runs to the end, the slowest path):

1. wall time per submission of `grade_class` with `--jobs` grader processes;
2. one fresh `python -c "import torch"` (median of 3): the unit the targets
   are stated in, because a grader that paid it per submission would be slow;
3. seconds per submission of otter-grader (`otter run`, two processes at a
   time) on the same work as notebooks; otter runs only the public tests,
   which favours it;
4. peak memory (PSS, else RSS) of any worker process and of any grader
   process, sampled from /proc every 50 ms while grading.

`--drift` also prints seconds per submission and the graders' RSS for each
block of `--block` submissions, to show that a long run neither slows down nor
leaks. Only the public API (`grade_class`) and the `otter` CLI are used, so
the script keeps working while the grader's internals change. Run by hand;
the numbers depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Literal

from autograder.config import load_assignment
from autograder.grading.batch import grade_class
from autograder.results.model import SubmissionResult

COURSE = Path(__file__).resolve().parent.parent
ASSIGNMENT = "02_classification"
REFERENCE = COURSE / "reference" / ASSIGNMENT
TEMPLATE = COURSE / "student_template" / ASSIGNMENT
TEMPLATE_NOTEBOOK = next(TEMPLATE.glob("*.ipynb"))
OTTER = [sys.executable, "-m", "otter"]
MIB = 1024 * 1024
SAMPLE_EVERY_S = 0.05
PSS_EVERY_S = 0.25
PSS_STEADY_S = 5.0
PSS_GROWTH = 8 * 1024 * 1024
PAGE = os.sysconf("SC_PAGE_SIZE")
OTTER_TIMEOUT_S = 600.0
TARGET_RATIO, AIM_RATIO = 0.25, 0.1
TARGET_SPEEDUP, AIM_SPEEDUP = 10.0, 30.0
TARGET_WORKER_MIB = 400

Role = Literal["main", "grader", "server", "worker"]
ROLES: tuple[Role, ...] = ("main", "grader", "server", "worker")


def role(command: list[str], parent_command: list[str]) -> Role:
    """What a descendant of this process (`main`, which runs `grade_class`) does, by its command line.

    - grader: the pool's processes, started by multiprocessing (their command
      names it, as does its resource tracker, a small helper counted with them);
    - worker: a process forked from a fork server (it keeps its parent's
      command line), or one started to run student code on its own
      (`python -I -m autograder_worker.worker`);
    - server: what hosts workers without running student code: the fork
      server (`autograder_worker.forkserver`) and the `bwrap` around it.
    Adapt this function when the process layout changes.
    """
    if any("multiprocessing" in part for part in command):
        return "grader"
    if command == parent_command:
        return "worker"
    if Path(command[0]).name == "bwrap" or any("forkserver" in part for part in command):
        return "server"
    return "worker"


def children(pid: int) -> list[int]:
    """The children of every thread of `pid` (a thread that starts a process is its parent)."""
    found: list[int] = []
    try:
        for task in os.scandir(f"/proc/{pid}/task"):
            found.extend(int(c) for c in Path(task.path, "children").read_text().split())
    except OSError:
        pass
    return found


def descendants(root: int) -> list[tuple[int, int]]:
    """(pid, parent pid) of every process below `root`."""
    found: list[tuple[int, int]] = []
    todo = [root]
    while todo:
        parent = todo.pop()
        kids = children(parent)
        found.extend((kid, parent) for kid in kids)
        todo.extend(kids)
    return found


def roles(root: int) -> list[tuple[int, Role, list[str]]]:
    """Every live process below `root` with its role and command line (zombies have none)."""
    commands = {root: cmdline(root)}
    found = []
    for pid, parent in descendants(root):
        commands[pid] = cmdline(pid)
        if commands[pid]:
            found.append((pid, role(commands[pid], commands.get(parent) or []), commands[pid]))
    return found


def cmdline(pid: int) -> list[str]:
    try:
        return [p.decode(errors="replace") for p in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if p]
    except OSError:
        return []


def rss_bytes(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return None


def pss_bytes(pid: int) -> int | None:
    """PSS, which splits a shared page among the processes that map it (the fair figure for
    workers forked from one parent); RSS where the kernel has no smaps_rollup."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return rss_bytes(pid)


@dataclass
class Peak:
    bytes: int = 0
    command: str = ""

    def offer(self, size: int, command: list[str]) -> None:
        if size > self.bytes:
            self.bytes, self.command = size, " ".join(command)[:80]


class MemorySampler(threading.Thread):
    """Largest PSS of a process of each role, sampled while grading.

    Reading smaps_rollup walks a process's page tables (milliseconds for a
    process that imported torch), so every 50 ms only the cheap RSS is read,
    and PSS only where it could set a new peak (PSS <= RSS, so a process
    whose RSS is below its role's peak PSS cannot beat it), at most every
    `PSS_EVERY_S` per process while its RSS grows (by `PSS_GROWTH`) and
    every `PSS_STEADY_S` while it does not (its PSS still moves as the
    processes sharing its pages come and go). The sampler's own CPU time is
    kept, to show what sampling cost the run.
    """

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peaks: dict[Role, Peak] = {r: Peak() for r in ROLES}
        self.samples = 0
        self.cpu_s = 0.0
        self._finished = threading.Event()
        self._read: dict[int, tuple[float, int]] = {}

    def run(self) -> None:
        me = os.getpid()
        while not self._finished.wait(SAMPLE_EVERY_S):
            self._sample(me, "main", cmdline(me))
            for pid, kind, command in roles(me):
                self._sample(pid, kind, command)
            self.samples += 1
        self.cpu_s = time.thread_time()

    def _sample(self, pid: int, kind: Role, command: list[str]) -> None:
        rss, now = rss_bytes(pid), time.monotonic()
        peak = self.peaks[kind]
        if rss is None or rss <= peak.bytes:
            return
        last_at, last_rss = self._read.get(pid, (-PSS_STEADY_S, 0))
        wait = PSS_EVERY_S if rss >= last_rss + PSS_GROWTH else PSS_STEADY_S
        if now - last_at < wait:
            return
        self._read[pid] = (now, rss)
        size = pss_bytes(pid)
        if size is not None:
            peak.offer(size, command)

    def stop(self) -> None:
        self._finished.set()
        self.join()


def rss_by_role() -> dict[Role, list[int]]:
    """RSS of this process and of each of its descendants, by role, for the drift report."""
    found: dict[Role, list[int]] = {r: [] for r in ROLES}
    for pid, kind, _ in [(os.getpid(), "main", []), *roles(os.getpid())]:
        size = rss_bytes(pid)
        if size is not None:
            found[kind].append(size)
    return found


class DriftReport:
    """Seconds per submission and grader RSS for each block of submissions."""

    def __init__(self, block: int) -> None:
        self.block, self.done, self.last = block, 0, time.perf_counter()

    def __call__(self, result: SubmissionResult) -> None:
        self.done += 1
        if self.done % self.block:
            return
        now = time.perf_counter()
        per, self.last = (now - self.last) / self.block, now
        rss = rss_by_role()
        shown = " | ".join(f"{kind} " + ", ".join(f"{size / MIB:.0f}" for size in sorted(rss[kind])) for kind in ROLES[:3])
        first = self.done - self.block + 1
        print(f"  submissions {first:>5}-{self.done:<5} {per:6.3f} s each   RSS MiB: {shown}", flush=True)


def import_torch_seconds() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], check=True)
    return time.perf_counter() - started


@dataclass(frozen=True)
class ClassRun:
    seconds: float
    results: tuple[SubmissionResult, ...]
    peaks: dict[Role, Peak]
    samples: int
    sampler_cpu_s: float


def grade_copies(students: int, jobs: int, tmp: Path, progress: Callable[[SubmissionResult], None] | None) -> ClassRun:
    """Grade `students` copies of the reference module with the public API."""
    config = load_assignment(COURSE, ASSIGNMENT)
    solution = REFERENCE / f"{config.module}.py"
    submissions, out = tmp / "class", tmp / "out"
    submissions.mkdir()
    for i in range(students):
        shutil.copy(solution, submissions / f"student{i:04d}.py")
    sampler = MemorySampler()
    sampler.start()
    started = time.perf_counter()
    try:
        report = grade_class(config, COURSE, submissions, out, jobs=jobs, progress=progress)
    finally:
        elapsed = time.perf_counter() - started
        sampler.stop()
    return ClassRun(elapsed, report.results, sampler.peaks, sampler.samples, sampler.cpu_s)


def _defined_names(source: str) -> list[str]:
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return []
    return [n.name for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]


def solved_notebook() -> dict[str, Any]:
    """The student notebook with each stub cell replaced by the reference cell that defines the
    same function, so that otter grades real, correct work through the student's own checks."""
    reference = json.loads((REFERENCE / TEMPLATE_NOTEBOOK.name).read_text(encoding="utf-8"))
    solutions = {
        name: cell["source"]
        for cell in reference["cells"]
        if cell["cell_type"] == "code"
        for name in _defined_names("".join(cell["source"]))
    }
    notebook: dict[str, Any] = json.loads(TEMPLATE_NOTEBOOK.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and "NotImplementedError" in source:
            names = _defined_names(source)
            if not names or names[0] not in solutions:
                raise RuntimeError(f"no reference cell defines the stub {names or source[:40]!r}")
            cell["source"] = solutions[names[0]]
    return notebook


def otter_zip(folder: Path) -> Path:
    """An otter autograder zip made by `otter generate`, that installs nothing.

    The generated test files (`tests/*.py`) call the public pytest tests in
    `tests/public/` from the notebook's folder, which must hold
    `assignment.toml`: the config goes in as a support file (copied next to
    the notebook), and the rest of `tests/` is added to the zip's `tests/`
    because otter replaces the submission's `tests/` with it. `otter run`
    runs no setup.sh and installs nothing; the requirements are emptied
    (`--overwrite-requirements`) and no PDF is made, so nothing in the zip
    asks for the network. The kernel finds `otter` and `autograder` in this
    environment.
    """
    folder.mkdir()
    shutil.copytree(TEMPLATE / "tests", folder / "tests")
    shutil.copy(TEMPLATE / "assignment.toml", folder / "assignment.toml")
    (folder / "requirements.txt").write_text("")
    (folder / "otter_config.json").write_text(json.dumps({"pdf": False}))
    command = [*OTTER, "generate", "-t", "tests", "-o", "autograder.zip", "-c", "otter_config.json",
               "-r", "requirements.txt", "--overwrite-requirements", "--no-environment", "assignment.toml"]
    subprocess.run(command, cwd=folder, check=True, capture_output=True, text=True)
    path = folder / "autograder.zip"
    with zipfile.ZipFile(path, "a") as archive:
        present = set(archive.namelist())
        for file in sorted((folder / "tests").rglob("*")):
            name = file.relative_to(folder).as_posix()
            if file.is_file() and name not in present and "__pycache__" not in name:
                archive.write(file, name)
    return path


@dataclass(frozen=True)
class OtterRun:
    seconds: float
    graded: int
    error: str = ""


def _otter_env() -> dict[str, str]:
    """This checkout importable by the notebook's kernel (the test files import `autograder`),
    one math thread per process like the grader's workers, so two at a time share the cores fairly."""
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(COURSE), os.environ.get("PYTHONPATH", "")) if p)
    return env


def _otter_one(archive: Path, notebook: Path) -> str:
    """Grade one notebook with `otter run`; '' when every otter test passed, else why not."""
    out = notebook.parent / "results"
    out.mkdir()
    try:
        done = subprocess.run([*OTTER, "run", "--no-logo", "-a", str(archive), "-o", str(out), str(notebook)],
                              env=_otter_env(), capture_output=True, text=True, timeout=OTTER_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return f"`otter run` took more than {OTTER_TIMEOUT_S:.0f} s"
    results = out / "results.json"
    if not results.is_file():
        return f"`otter run` exited {done.returncode} without results: {(done.stderr or done.stdout)[-300:].strip()}"
    tests = json.loads(results.read_text()).get("tests", [])
    scored = [t for t in tests if "max_score" in t]
    failed = [t for t in tests if t.get("status") == "failed" or t.get("score") != t.get("max_score", t.get("score"))]
    if not scored or failed:
        first = failed[0] if failed else {"name": "no scored tests", "output": ""}
        return f"otter did not pass {first.get('name')}: {str(first.get('output', ''))[:300].strip()}"
    return ""


def grade_with_otter(students: int, tmp: Path) -> OtterRun:
    """`students` solved notebooks graded by `otter run`, two processes at a time."""
    try:
        archive = otter_zip(tmp / "otter-build")
        notebook = json.dumps(solved_notebook())
    except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
        detail = exc.stderr[-300:] if isinstance(exc, subprocess.CalledProcessError) else str(exc)
        return OtterRun(0.0, 0, f"could not build the otter autograder: {detail}")
    paths = []
    for i in range(students):
        folder = tmp / "otter" / f"student{i:04d}"
        folder.mkdir(parents=True)
        (folder / f"student{i:04d}.ipynb").write_text(notebook, encoding="utf-8")
        paths.append(folder / f"student{i:04d}.ipynb")
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        errors = [e for e in pool.map(lambda p: _otter_one(archive, p), paths) if e]
    elapsed = time.perf_counter() - started
    return OtterRun(elapsed, students - len(errors), errors[0] if errors else "")


def _row(label: str, value: str, note: str = "") -> None:
    print(f"{label:<40} {value:>10}  {note}".rstrip())


def _target(ok: bool, target: str) -> str:
    return f"{target}  {'ok' if ok else 'MISSED'}"


def report(run: ClassRun, baseline: float, otter: OtterRun | None, otter_students: int) -> None:
    """The table: each figure next to its target and aim."""
    per = run.seconds / len(run.results)
    full = sum(r.score == r.max_score > 0 for r in run.results)
    print(f"\ngraded {len(run.results)} submissions in {run.seconds:.1f} s, {full} with full marks")
    if full < len(run.results):
        print("WARNING: not every copy of the reference got full marks; the figures time failures")
    print(f"isolation: {'; '.join(sorted({r.isolation for r in run.results}))}")
    print(f"memory samples: {run.samples} over {run.seconds:.1f} s, costing {run.sampler_cpu_s:.1f} s of CPU\n")
    _row("measure", "value", "target / aim")
    _row("seconds per submission", f"{per:.3f}")
    _row("one fresh `import torch` (median of 3)", f"{baseline:.3f}")
    ratio = per / baseline
    _row("per submission / import torch", f"{ratio:.3f}", _target(ratio <= TARGET_RATIO, f"<= {TARGET_RATIO} / {AIM_RATIO}"))
    if otter is None:
        _row("otter, two at a time", "skipped")
    elif otter.graded == 0:
        _row("otter, two at a time", "failed", f"otter could not grade offline: {otter.error}")
    else:
        otter_per = otter.seconds / otter_students
        speedup = otter_per / per
        _row("otter seconds per submission", f"{otter_per:.2f}", f"{otter.graded}/{otter_students} notebooks, 2 at a time, public tests only")
        _row("speed-up over otter", f"{speedup:.1f}", _target(speedup >= TARGET_SPEEDUP, f">= {TARGET_SPEEDUP:.0f} / {AIM_SPEEDUP:.0f}"))
        if otter.error:
            print(f"  otter failed on {otter_students - otter.graded} notebook(s): {otter.error}")
    labels: dict[Role, str] = {"worker": "worker", "server": "fork server", "grader": "grader (pool)", "main": "main"}
    commands = []
    for kind in reversed(ROLES):
        peak = run.peaks[kind]
        note = _target(0 < peak.bytes < TARGET_WORKER_MIB * MIB, f"< {TARGET_WORKER_MIB}") if kind == "worker" else ""
        _row(f"peak {labels[kind]} memory, MiB (PSS)", f"{peak.bytes / MIB:.0f}" if peak.bytes else "not seen", note)
        if kind in ("worker", "server") and peak.command:
            commands.append(f"  largest {labels[kind]}: {peak.command}")
    print("\n".join(commands))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40, help="copies of the reference solution to grade")
    parser.add_argument("--jobs", type=int, default=2, help="grader processes")
    parser.add_argument("--otter-students", type=int, default=6, help="notebooks otter grades (0: skip otter)")
    parser.add_argument("--drift", action="store_true", help="report each block of submissions")
    parser.add_argument("--block", type=int, default=100, help="submissions per drift block")
    args = parser.parse_args()

    print(f"{ASSIGNMENT}: {args.students} copies of the reference solution, {args.jobs} grader processes, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="throughput-") as name:
        tmp = Path(name)
        baseline = statistics.median(import_torch_seconds() for _ in range(3))
        if args.drift:
            print(f"drift, per block of {args.block} (the first block includes starting the graders):", flush=True)
        run = grade_copies(args.students, args.jobs, tmp, DriftReport(args.block) if args.drift else None)
        otter = grade_with_otter(args.otter_students, tmp) if args.otter_students > 0 else None
    report(run, baseline, otter, args.otter_students)


if __name__ == "__main__":
    main()
