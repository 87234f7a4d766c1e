"""Starting a worker process for one submission, and knowing how isolated it really is.

A launcher hands back a `WorkerProcess`: the trusted side's ends of the
worker's three pipes, a way to kill it, its exit status, and the isolation
level that was in force. Two launchers exist:

- `ForkServerLauncher`, the default: a fork server (see
  `autograder_worker.forkserver`) that imported torch once, inside
  bubblewrap where the machine allows it, forks each worker, and each worker
  confines itself further (`autograder_worker.confine`);
- `ProcessLauncher`: a fresh `python -I -m autograder_worker.worker` per
  worker, for platforms without fork and namespaces.

The level recorded in every result is composed from what the worker itself
reports it achieved, never from what was asked.
"""

from __future__ import annotations

import ctypes
import io
import json
import os
import resource
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import autograder_worker
from autograder.config import Limits
from autograder.errors import GraderError, UsageError
from autograder_worker.imports import python_folders

WORKER_PACKAGE = Path(autograder_worker.__file__).resolve().parent
SANDBOX_LIB = "/run/autograder"
STARTUP_TIMEOUT_S = 180.0
PASSED_ENV = ("PATH", "LANG", "LC_ALL", "CUDA_VISIBLE_DEVICES", "LD_LIBRARY_PATH", "SYSTEMROOT")
PR_SET_PDEATHSIG = 1
OOM_SCORE_ADJ = 1000
UNPRIVILEGED_UID_BASE = 1_900_000_000
"""Workers of a grader that runs as root get a uid of their own from here on: no such user
exists, so the uid owns no file, and the kernel counts its processes against the limit."""
LEVELS = {
    "bubblewrap": "bubblewrap: no network, read-only filesystem without course files, own PID namespace, private tmp, rlimits, watchdog",
    "bubblewrap as root": "bubblewrap as root: no network, read-only filesystem without course files, own PID namespace, private tmp, "
    "rlimits but no process count (the worker keeps the grader's root uid, which the kernel exempts), watchdog",
    "namespaces": "namespaces: no network, read-only filesystem without course files, own PID namespace, private tmp, rlimits, watchdog",
    "namespaces as root": "namespaces as root: no network, read-only filesystem without course files, own PID namespace, private tmp, "
    "rlimits but no process count (the worker keeps the grader's root uid, which the kernel exempts), watchdog",
    "unprivileged user": "unprivileged user: separate uid, rlimits, watchdog (no namespaces)",
    "process": "process: rlimits and watchdog only (no namespaces, same user)",
}


class WorkerProcess(Protocol):
    """One running worker, as the trusted side sees it."""

    requests: int
    replies: int
    output: io.BufferedReader

    @property
    def pid(self) -> int:
        """The process to watch from this one (its id as this process's namespace numbers it)."""

    def kill(self) -> None: ...

    def wait(self, timeout: float | None = None) -> int | None:
        """The exit status as `subprocess` gives it (minus the signal number if killed), or None if still running."""

    def close(self) -> None: ...


class Launcher(Protocol):
    def start(self, limits: Limits) -> WorkerProcess: ...

    def helpers(self) -> set[int]:
        """Processes of the launcher's own that live across submissions (a fork server)."""

    def isolation(self, facts: dict[str, Any]) -> str:
        """The level in force for a worker that reported `facts` about its confinement."""

    def close(self) -> None: ...


def _minimal_env() -> dict[str, str]:
    env = {k: os.environ[k] for k in PASSED_ENV if k in os.environ}
    env.update(
        MPLBACKEND="Agg",
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        PYTHONHASHSEED="0",
        PYTHONDONTWRITEBYTECODE="1",
        PYTORCH_NVML_BASED_CUDA_CHECK="1",
    )
    return env


def _die_with_parent() -> None:
    """Runs in a child before exec: no core files, death with its grader, first in line for the OOM killer."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        try:
            with open("/proc/self/oom_score_adj", "w") as adjust:
                adjust.write(str(OOM_SCORE_ADJ))
        except OSError:
            pass


def _level_name(facts: dict[str, Any], sandboxed: bool) -> str:
    found = facts.get("confinement")
    confinement: dict[str, Any] = found if isinstance(found, dict) else {}
    if confinement.get("namespaces") and confinement.get("private_tmp"):
        if sandboxed:
            return "bubblewrap" if confinement.get("process_limit") else "bubblewrap as root"
        if confinement.get("read_only"):
            return "namespaces" if confinement.get("process_limit") else "namespaces as root"
    uid = confinement.get("uid")
    if type(uid) is int and uid != os.getuid():
        return "unprivileged user"
    return "process"


def describe_level(name: str) -> str:
    return LEVELS[name]


@dataclass
class _Popened:
    process: subprocess.Popen[bytes]
    requests: int
    replies: int
    output: io.BufferedReader
    root: str

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.process.kill()

    def wait(self, timeout: float | None = None) -> int | None:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def close(self) -> None:
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class ProcessLauncher:
    """A fresh interpreter per worker: slow (it imports torch each time), but needs nothing of the OS."""

    python: str = sys.executable

    def start(self, limits: Limits) -> WorkerProcess:
        """The worker's `work/` is the student's (home, temp, current folder), its `cache/` torch's,
        which writes a cache folder on first entering a dispatch mode."""
        root = tempfile.mkdtemp(prefix="autograder-worker-")
        workdir = os.path.join(root, "work")
        os.mkdir(workdir)
        env = _minimal_env()
        env.update(HOME=workdir, TMPDIR=workdir, TORCHINDUCTOR_CACHE_DIR=os.path.join(root, "cache"))
        process = subprocess.Popen(
            [self.python, "-I", "-m", "autograder_worker.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=workdir,
            env=env,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        assert process.stdin is not None and process.stdout is not None and process.stderr is not None
        return _Popened(process, process.stdin.fileno(), process.stdout.fileno(), io.BufferedReader(process.stderr), root)  # type: ignore[arg-type]

    def isolation(self, facts: dict[str, Any]) -> str:
        return describe_level("process")

    def helpers(self) -> set[int]:
        return set()

    def close(self) -> None:
        pass


@dataclass
class _Forked:
    launcher: "ForkServerLauncher"
    server_pid: int
    pidfd: int
    requests: int
    replies: int
    output: io.BufferedReader
    workdir: str | None
    status: int | None = None

    @property
    def pid(self) -> int:
        """Read from the pidfd: the server numbers its children in its own PID namespace."""
        with open(f"/proc/self/fdinfo/{self.pidfd}") as info:
            for line in info:
                if line.startswith("Pid:"):
                    return int(line.split()[1])
        return -1

    def kill(self) -> None:
        if self.status is None:
            try:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def wait(self, timeout: float | None = None) -> int | None:
        if self.status is None:
            raw = self.launcher.exit_status(self.server_pid, None if timeout is None else time.monotonic() + timeout)
            if raw is not None:
                self.status = -os.WTERMSIG(raw) if os.WIFSIGNALED(raw) else os.WEXITSTATUS(raw)
        return self.status

    def close(self) -> None:
        for fd in (self.requests, self.replies, self.pidfd):
            try:
                os.close(fd)
            except OSError:
                pass
        self.output.close()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)


@dataclass
class ForkServerLauncher:
    """Workers forked from one warm server; in bubblewrap when `sandbox`, and that failing, without.

    `hidden` are paths no worker may see even where a bound folder holds
    them (the course, the submissions, the output folder).
    """

    sandbox: bool = True
    hidden: tuple[Path, ...] = ()
    required: bool = False
    namespaces: bool = True
    """Whether workers enter namespaces of their own; off, a worker gets what a machine
    without them would give (the fallback levels), which tests use to check those."""
    python: str = sys.executable
    _server: subprocess.Popen[bytes] | None = None
    _socket: socket.socket | None = None
    _sandboxed: bool = False
    _statuses: dict[int, int] = field(default_factory=dict)
    _uid: int | None = None
    _pending: tuple[subprocess.Popen[bytes], socket.socket, bool] | None = None

    def _command(self, fd: int, sandboxed: bool) -> list[str]:
        code = f"import sys; sys.path.insert(0, {SANDBOX_LIB if sandboxed else str(WORKER_PACKAGE.parent)!r}); " \
            f"from autograder_worker.forkserver import main; main({fd})"
        command = [self.python, "-I", "-c", code]
        return bubblewrap_command(self.hidden) + command if sandboxed else command

    def _attempts(self) -> list[bool]:
        return [True] if self.required else [True, False] if self.sandbox and bubblewrap_available() else [False]

    def _spawn(self, sandboxed: bool) -> tuple[subprocess.Popen[bytes], socket.socket, bool]:
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        server = subprocess.Popen(
            self._command(child.fileno(), sandboxed),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            pass_fds=(child.fileno(),),
            env=_minimal_env(),
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        child.close()
        return server, parent, sandboxed

    def prepare(self) -> None:
        """Start the server now, without waiting for it: it imports torch while the caller does other work."""
        if self._pending is None and self._server is None:
            self._pending = self._spawn(self._attempts()[0])

    def _start_server(self) -> None:
        failures = []
        for index, sandboxed in enumerate(self._attempts()):
            pending, self._pending = self._pending, None
            server, parent, sandboxed = pending if pending is not None and index == 0 else self._spawn(sandboxed)
            ready = select.select([parent], [], [], STARTUP_TIMEOUT_S)[0]
            data = parent.recv(4096) if ready else b""
            if data.startswith(b'{"ready"'):
                self._server, self._socket, self._sandboxed = server, parent, sandboxed
                if os.getuid() == 0:
                    self._uid = UNPRIVILEGED_UID_BASE + os.getpid() % 100_000_000
                return
            server.kill()
            _, err = server.communicate()
            parent.close()
            failures.append((err.decode("utf-8", "replace").strip().splitlines() or ["no output"])[-1])
        raise GraderError(f"the fork server for workers did not start: {'; '.join(failures)}")

    def start(self, limits: Limits) -> WorkerProcess:
        if self._server is None or self._server.poll() is not None:
            self._start_server()
        assert self._socket is not None
        workdir = None if self._sandboxed else tempfile.mkdtemp(prefix="autograder-worker-")
        requests_r, requests_w = os.pipe()
        replies_r, replies_w = os.pipe()
        output_r, output_w = os.pipe()
        plan = {
            "uid": self._uid,
            "namespaces": self.namespaces,
            "workdir": workdir or f"/tmp/worker-{secrets.token_hex(8)}",
            "tmp_bytes": limits.worker_tmp_bytes,
            "memory_bytes": None if gpu_device_files() else limits.worker_memory_bytes,
            "cpu_s": int(limits.submission_cpu_s),
            "processes": limits.worker_processes,
            "file_bytes": limits.worker_file_bytes,
            "open_files": limits.worker_open_files,
            "env": _minimal_env(),
            "hidden": [str(path) for path in self.hidden],
        }
        try:
            socket.send_fds(self._socket, [json.dumps(plan).encode()], [requests_r, replies_w, output_w])
        finally:
            for fd in (requests_r, replies_w, output_w):
                os.close(fd)
        pid, pidfd = self._await_pid()
        return _Forked(self, pid, pidfd, requests_w, replies_r, io.BufferedReader(io.FileIO(output_r, "rb")), workdir)

    def _await_pid(self) -> tuple[int, int]:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            message, fds = self._receive(deadline)
            if message is None:
                raise GraderError("the fork server for workers stopped answering")
            if "pid" in message and len(fds) == 1:
                return int(message["pid"]), fds[0]
            for fd in fds:
                os.close(fd)

    def _receive(self, deadline: float | None) -> tuple[dict[str, Any] | None, list[int]]:
        """One message from the server (recording exit statuses on the way); None when it is gone or time is up."""
        assert self._socket is not None
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        if not select.select([self._socket], [], [], left)[0]:
            return None, []
        try:
            data, fds, _, _ = socket.recv_fds(self._socket, 65536, 1)
        except OSError:
            return None, []
        if not data:
            return None, []
        message = json.loads(data)
        if "exited" in message:
            self._statuses[int(message["exited"])] = int(message["status"])
        return message, fds

    def exit_status(self, pid: int, deadline: float | None) -> int | None:
        """The raw wait status of a worker, once the server has reaped it."""
        while pid not in self._statuses:
            if self._server is not None and self._server.poll() is not None:
                return signal.SIGKILL
            message, fds = self._receive(deadline)
            for fd in fds:
                os.close(fd)
            if message is None:
                return None if deadline is not None else signal.SIGKILL
        return self._statuses.pop(pid)

    def isolation(self, facts: dict[str, Any]) -> str:
        return describe_level(_level_name(facts, self._sandboxed))

    def helpers(self) -> set[int]:
        return {self._server.pid} if self._server is not None and self._server.poll() is None else set()

    def close(self) -> None:
        if self._pending is not None:
            self._pending[0].kill()
            self._pending[0].wait()
            self._pending[1].close()
            self._pending = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        if self._server is not None:
            self._server.kill()
            self._server.wait()
            self._server = None


def bubblewrap_available() -> bool:
    return sys.platform.startswith("linux") and shutil.which("bwrap") is not None


def gpu_device_files() -> list[str]:
    """The NVIDIA device nodes, which a sandbox must bind for CUDA to work (and whose
    driver reserves more address space than any memory limit would allow)."""
    dev = Path("/dev")
    return sorted(str(p) for p in dev.glob("nvidia*")) if dev.is_dir() else []


def _bound_paths() -> list[Path]:
    """What Python and torch need to run: the interpreter's prefixes and site-packages, by their real paths too."""
    paths: set[Path] = set()
    for candidate in python_folders():
        path = Path(candidate)
        if path.exists():
            paths.update({path.absolute(), path.resolve()})
    executable = Path(sys.executable)
    paths.add(executable.resolve().parent)
    return sorted(p for p in paths if not any(o != p and o in p.parents for o in paths))


def bubblewrap_command(hidden: tuple[Path, ...]) -> list[str]:
    """The `bwrap` arguments for the fork server: everything unshared, only the system and Python bound, read-only."""
    root = os.getuid() == 0
    command = ["bwrap", "--die-with-parent", "--new-session", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    if root:
        command += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        command += ["--unshare-user"]
    command += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for top in ("usr", "etc", "bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / top
        if path.is_symlink():
            command += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            command += ["--ro-bind", str(path), str(path)]
    python = _bound_paths()
    devices = gpu_device_files()
    bound = [(path, path) for path in python] + [(WORKER_PACKAGE, Path(SANDBOX_LIB) / "autograder_worker")]
    made: set[Path] = set()
    for source, target in bound:
        for parent in reversed(target.parents):
            if parent != Path("/") and parent not in made and not (Path("/") / parent.parts[1]).is_symlink():
                made.add(parent)
                command += ["--perms", "0755", "--dir", str(parent)]
        command += ["--ro-bind", str(source), str(target)]
    for device in devices:
        command += ["--dev-bind", device, device]
    if devices:
        command += ["--ro-bind", "/sys", "/sys"]
    for path in hidden:
        inside_bound = any(b in path.parents for b in python)
        holds_bound = any(path == b or path in b.parents for b in python) or path in WORKER_PACKAGE.parents
        if path.is_dir() and inside_bound and not holds_bound:
            command += ["--tmpfs", str(path)]
    command += ["--chdir", "/tmp"]
    return command


ISOLATIONS = ("auto", "bubblewrap", "fork", "process")


def check_isolation(isolation: str) -> None:
    """A usage error, before any grading, for a level that is unknown or cannot be had here."""
    if isolation not in ISOLATIONS:
        raise UsageError(f"unknown isolation {isolation!r}; choose one of {', '.join(ISOLATIONS)}")
    if isolation == "bubblewrap" and not bubblewrap_available():
        raise UsageError("--isolation bubblewrap: bwrap is not installed; install it (apt-get install bubblewrap) or use --isolation auto")


def choose_launcher(isolation: str, hidden: tuple[Path, ...] = ()) -> Launcher:
    """`auto` forks workers in bubblewrap where it runs and falls back quietly (the level
    recorded in each result says so); `bubblewrap` insists on it; `fork` forks without a
    sandbox; `process` starts a plain interpreter per worker."""
    check_isolation(isolation)
    if isolation == "process":
        return ProcessLauncher()
    launcher = ForkServerLauncher(sandbox=isolation != "fork", hidden=hidden, required=isolation == "bubblewrap")
    launcher.prepare()
    return launcher
