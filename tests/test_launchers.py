"""Launchers: what a worker sees of the machine at each isolation level, and what it cannot keep."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest

from autograder.config import Limits
from autograder.errors import UsageError
from autograder.intake.source import Chunk, ModuleFile, SubmissionSource
from autograder.runner.errors import StudentException, WorkerDied
from autograder.runner.handle import RemoteSubmission
from autograder.runner.launchers import (
    ForkServerLauncher,
    ProcessLauncher,
    _level_name,
    bubblewrap_available,
    bubblewrap_command,
    check_isolation,
)
from autograder_worker.confine import _readable_by_anyone

needs_bubblewrap = pytest.mark.skipif(not bubblewrap_available(), reason="bubblewrap (bwrap) is not installed")
PROBE = textwrap.dedent(
    """
    import os, resource, socket, sys
    MARK = []
    def remember(value):
        MARK.append(value)
        open("left-behind.txt", "w").write(value)
        return len(MARK)
    def recall():
        return [len(MARK), sorted(os.listdir("."))]
    def facts():
        return {
            "uid": os.getuid(),
            "pid": os.getpid(),
            "cwd": os.getcwd(),
            "home": os.environ.get("HOME"),
            "nproc": resource.getrlimit(resource.RLIMIT_NPROC)[0],
            "fsize": resource.getrlimit(resource.RLIMIT_FSIZE)[0],
            "nofile": resource.getrlimit(resource.RLIMIT_NOFILE)[0],
            "nice": os.nice(0),
            "env": sorted(os.environ),
        }
    def can_import(name):
        try:
            __import__(name)
            return True
        except ImportError:
            return False
    def exists(path):
        return os.path.exists(path)
    def connect(port):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            return "connected"
        except OSError as exc:
            return type(exc).__name__
    def write_outside(path):
        try:
            open(path, "w").write("x")
            return "written"
        except OSError as exc:
            return type(exc).__name__
    def flood(megabytes):
        chunk = "x" * (1 << 20)
        for _ in range(megabytes):
            sys.stdout.write(chunk)
        return "done"
    """
)


def _source(code: str = PROBE) -> SubmissionSource:
    return SubmissionSource("s", "m.py", "module", (Chunk("m.py", "m.py", code),))


@pytest.fixture(scope="module")
def sandboxed():
    if not bubblewrap_available():
        pytest.skip("bubblewrap (bwrap) is not installed")
    launcher = ForkServerLauncher(sandbox=True, required=True, hidden=(Path(__file__).resolve().parent.parent,))
    yield launcher
    launcher.close()


@pytest.fixture(scope="module")
def forked():
    launcher = ForkServerLauncher(sandbox=False)
    yield launcher
    launcher.close()


def test_the_isolation_level_names_what_the_worker_achieved():
    held = {"confinement": {"namespaces": True, "private_tmp": True, "read_only": True, "process_limit": True, "uid": os.getuid()}}
    assert _level_name(held, sandboxed=True) == "bubblewrap"
    assert _level_name(held, sandboxed=False) == "namespaces"
    as_root = {"confinement": {**held["confinement"], "process_limit": False}}
    assert _level_name(as_root, sandboxed=True) == "bubblewrap as root"
    assert _level_name(as_root, sandboxed=False) == "namespaces as root"
    writable = {"confinement": {**held["confinement"], "read_only": False}}
    assert _level_name(writable, sandboxed=False) == "process"
    other_user = {"confinement": {"namespaces": False, "uid": os.getuid() + 1}}
    assert _level_name(other_user, sandboxed=True) == "unprivileged user"
    assert _level_name({"confinement": {"namespaces": False, "uid": os.getuid()}}, sandboxed=True) == "process"
    assert _level_name({}, sandboxed=True) == "process"


def test_an_unknown_isolation_is_a_usage_error():
    with pytest.raises(UsageError, match="choose one of auto, bubblewrap, fork, process"):
        check_isolation("docker")


def test_the_sandbox_binds_no_course_file_and_hides_what_a_bound_folder_holds(tmp_path):
    course = Path(__file__).resolve().parent.parent
    command = bubblewrap_command((course, tmp_path))
    bound = [command[i + 1] for i, arg in enumerate(command) if arg in ("--ro-bind", "--bind", "--dev-bind")]
    for source in bound:
        path = Path(source)
        assert not (path == course or path in course.parents and path != Path("/")), source
        assert not (course / "assignments").is_relative_to(path) or path == Path("/usr"), source
    assert "--unshare-net" in command and "--unshare-pid" in command and "--die-with-parent" in command
    assert ["--tmpfs", "/tmp"] == command[command.index("--tmpfs") : command.index("--tmpfs") + 2]


@needs_bubblewrap
def test_a_sandboxed_worker_sees_no_course_and_no_network(sandboxed, tmp_path):
    course = Path(__file__).resolve().parent.parent
    with RemoteSubmission(_source(), "m", Limits(), launcher=sandboxed) as remote:
        assert remote.isolation.startswith("bubblewrap: ")
        assert not remote.can_import("autograder")
        assert remote.can_import("torch")
        assert not remote.exists(str(course / "assignments"))
        assert not remote.exists(str(course / "reference"))
        assert not remote.exists(str(tmp_path))
        assert remote.connect(1) != "connected"
        written = remote.write_outside(str(course / "pwned.txt"))
        # a checkout in /tmp lies in the worker's own private /tmp, where a write lands nowhere else
        assert written in ("OSError", "PermissionError", "FileNotFoundError") or course.is_relative_to("/tmp")
        facts = remote.facts()
    assert not (course / "pwned.txt").exists()
    assert facts["pid"] == 2, "process 1 of the worker's PID namespace is the relay that ends it"
    assert facts["cwd"] == facts["home"] and facts["cwd"].startswith("/tmp/")
    assert facts["nice"] > 0
    assert facts["nproc"] == Limits().worker_processes
    assert facts["fsize"] == Limits().worker_file_bytes
    if os.getuid() == 0:
        assert facts["uid"] != 0


@pytest.mark.parametrize("kind", [pytest.param("sandboxed", marks=needs_bubblewrap), "forked"])
def test_nothing_of_one_worker_reaches_the_next(kind, request):
    launcher = request.getfixturevalue(kind)
    with RemoteSubmission(_source(), "m", Limits(), launcher=launcher) as first:
        assert first.remember("secret of the first student") == 1
        assert first.recall() == [1, ["left-behind.txt"]]
    with RemoteSubmission(_source(), "m", Limits(), launcher=launcher) as second:
        assert second.recall() == [0, []]


@pytest.mark.parametrize("kind", [pytest.param("sandboxed", marks=needs_bubblewrap), "forked"])
def test_a_worker_gets_no_environment_of_the_grader(kind, request, monkeypatch):
    monkeypatch.setenv("AUTOGRADER_SECRET", "do-not-leak")
    launcher = ForkServerLauncher(sandbox=kind == "sandboxed", required=kind == "sandboxed")
    try:
        with RemoteSubmission(_source(), "m", Limits(), launcher=launcher) as remote:
            env = remote.facts()["env"]
    finally:
        launcher.close()
    assert "AUTOGRADER_SECRET" not in env
    assert {"HOME", "TMPDIR"} <= set(env)


def test_output_past_the_cap_is_not_read_and_the_worker_is_told(forked):
    limits = Limits(output_cap_bytes=4 << 20, call_timeout_s=30)
    with RemoteSubmission(_source(), "m", limits, launcher=forked) as remote:
        with pytest.raises(StudentException, match="BrokenPipeError"):
            remote.flood(64)
        assert "printed more than 4194304 bytes" in remote.output()
        assert len(remote.output()) < 200_000


def test_the_process_launcher_records_the_lowest_level():
    launcher = ProcessLauncher()
    with RemoteSubmission(_source(), "m", Limits(), launcher=launcher) as remote:
        assert remote.isolation.startswith("process: ")
        assert remote.recall() == [0, []]


def test_without_namespaces_a_worker_still_gets_limits_and_a_user_of_its_own_where_it_can():
    launcher = ForkServerLauncher(sandbox=False, namespaces=False)
    code = PROBE + textwrap.dedent(
        """
        import signal
        def signal_parent():
            try:
                os.kill(os.getppid(), signal.SIGKILL)
                return "sent"
            except OSError as exc:
                return type(exc).__name__
        """
    )
    own_user = os.getuid() == 0 and _readable_by_anyone([sys.prefix, sys.base_prefix, *sys.path])
    try:
        with RemoteSubmission(_source(code), "m", Limits(), launcher=launcher) as remote:
            facts = remote.facts()
            level = remote.isolation
            outcome = remote.signal_parent() if own_user else None
        server_alive = bool(launcher.helpers())
    finally:
        launcher.close()
    assert facts["fsize"] == Limits().worker_file_bytes and facts["nofile"] == Limits().worker_open_files
    assert facts["pid"] != 1
    if own_user:
        assert level.startswith("unprivileged user: ")
        assert facts["uid"] != 0 and facts["nproc"] == Limits().worker_processes
        assert outcome == "PermissionError" and server_alive
    else:
        assert level.startswith("process: ")
        assert facts["uid"] == os.getuid()


@pytest.mark.parametrize("kind", [pytest.param("sandboxed", marks=needs_bubblewrap), "forked"])
def test_a_module_written_at_run_time_cannot_be_imported_but_submitted_ones_can(kind, request):
    code = textwrap.dedent(
        """
        import os, sys
        def sneaky():
            with open("written_later.py", "w") as handle:
                handle.write("import torch\\nsoftmax = torch.softmax\\n")
            sys.path.insert(0, os.getcwd())
            import written_later
            return "imported"
        def honest():
            import helpers, json, email.mime.text
            return helpers.Y
        """
    )
    source = SubmissionSource("s", "m.py", "module", (Chunk("m.py", "m.py", code),), (ModuleFile("helpers", "helpers.py", "Y = 7\n", False),))
    with RemoteSubmission(source, "m", Limits(), launcher=request.getfixturevalue(kind)) as remote:
        assert remote.honest() == 7
        with pytest.raises(StudentException, match=r"ImportError: `import written_later` would load .*written_later.py, which is not part of your submission"):
            remote.sneaky()


@pytest.mark.parametrize("kind", [pytest.param("sandboxed", marks=needs_bubblewrap), "forked"])
def test_a_worker_killed_by_sigkill_is_reported_so_and_the_next_call_gets_a_fresh_one(kind, request):
    """Its relays pass the death on and end too; none of them may go on as a second worker on its pipes."""
    code = "import os, signal\ndef die():\n    os.killpg(0, signal.SIGKILL)\ndef fine():\n    return os.getpid()\n"
    with RemoteSubmission(_source(code), "m", Limits(), launcher=request.getfixturevalue(kind)) as remote:
        assert remote.fine() == 2
        with pytest.raises(WorkerDied, match="killed by SIGKILL"):
            remote.die()
        assert remote.fine() == 2
        assert remote.isolation.split(":")[0] in ("bubblewrap", "namespaces", "namespaces as root")


def test_writing_past_the_file_size_limit_is_an_error_not_a_death(forked):
    code = "def write(n):\n    with open('big.bin', 'wb') as f:\n        f.write(b'x' * n)\n    return 'written'\ndef after():\n    return 'alive'\n"
    with RemoteSubmission(_source(code), "m", Limits(worker_file_bytes=1 << 20), launcher=forked) as remote:
        assert remote.write(1000) == "written"
        with pytest.raises(StudentException, match="File too large"):
            remote.write(2 << 20)
        assert remote.after() == "alive"
        assert remote.events == ()


def test_the_sandbox_mounts_its_tmp_before_binding_python_so_a_checkout_in_tmp_stays_visible():
    command = bubblewrap_command(())
    binds = [i for i, arg in enumerate(command) if arg == "--ro-bind"]
    assert command.index("--tmpfs") < min(binds)
    assert command[command.index("--tmpfs") + 1] == "/tmp"
