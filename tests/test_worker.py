"""The worker boundary: whatever student code does, the trusted side gets a clear error."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import nbformat
import pytest
import torch

from autograder.config import Limits
from autograder.intake.notebook import notebook_chunks
from autograder.intake.source import Chunk, SubmissionSource
from autograder.runner.errors import BadResult, CallTimeout, MissingName, StudentException, WorkerDied, WorkerStartFailed
from autograder.runner.handle import RemoteSubmission
from autograder.runner.launchers import ForkServerLauncher, ProcessLauncher, bubblewrap_available

from conftest import module_source

LIMITS = Limits(call_timeout_s=3, load_timeout_s=30, output_limit_bytes=2000)

STUDENT = textwrap.dedent(
    """
    import os, sys, time, torch
    print("loading")
    def double(x):
        return x * 2
    def shout():
        os.write(1, b"not a protocol frame")
        print("hello " * 10000)
        return "done"
    def spin():
        while True:
            pass
    def leave():
        os._exit(3)
    def quit_():
        sys.exit("bye")
    def crash():
        import ctypes
        ctypes.string_at(0)
    def explode():
        return [1, 2][5]
    def huge():
        return torch.zeros(20_000_000)
    class Box:
        def __init__(self, v):
            self.v = v
        def get(self):
            return self.v
    """
)


@pytest.fixture(scope="module")
def remote():
    with RemoteSubmission(module_source(STUDENT), "classification", LIMITS) as submission:
        yield submission


def test_calls_return_plain_data(remote):
    assert torch.equal(remote.double(torch.tensor([1.0, 2.0])), torch.tensor([2.0, 4.0]))
    assert remote.double(21) == 42


def test_printing_cannot_corrupt_the_protocol():
    with RemoteSubmission(module_source(STUDENT), "classification", LIMITS) as remote:
        assert remote.shout() == "done"
    output = remote.output()
    assert output.rstrip().endswith("hello")
    assert "earlier bytes not kept" in output and len(output) < 2200


def test_student_exceptions_carry_type_and_line(remote):
    with pytest.raises(StudentException) as info:
        remote.explode()
    assert info.value.is_a(IndexError)
    assert "classification.py, line 21, in explode: return [1, 2][5]" in str(info.value)


def test_sys_exit_is_an_exception_not_a_death(remote):
    with pytest.raises(StudentException, match=r"called sys.exit\('bye'\)"):
        remote.quit_()
    assert remote.double(1) == 2


def test_missing_names_are_reported(remote):
    with pytest.raises(MissingName, match="does not define `softmax`"):
        remote.softmax(torch.zeros(1))


def test_objects_stay_in_the_worker(remote):
    box = remote.Box(torch.ones(2))
    assert box.type_name == "Box"
    assert torch.equal(box.get(), torch.ones(2))


def test_hangs_time_out_and_the_next_call_gets_a_fresh_worker(remote):
    with pytest.raises(CallTimeout, match="did not finish within 3 s"):
        remote.spin()
    assert remote.double(2) == 4


def test_exit_and_segfault_cost_one_call(remote):
    with pytest.raises(WorkerDied, match="exit status 3"):
        remote.leave()
    with pytest.raises(WorkerDied, match="SIGSEGV"):
        remote.crash()
    assert remote.double(3) == 6
    assert any("SIGSEGV" in event for event in remote.events)


def test_oversized_results_are_refused(remote, monkeypatch):
    monkeypatch.setattr("autograder.runner.handle.MAX_FRAME_BYTES", 1_000_000)
    with pytest.raises(BadResult, match="more data than allowed"):
        remote.huge()


def test_a_function_that_keeps_crashing_is_not_run_again_but_others_are():
    limits = Limits(call_timeout_s=3, max_failures_per_function=1)
    code = "import os\ndef f():\n    os._exit(1)\ndef g():\n    return 7\n"
    with RemoteSubmission(module_source(code), "m", limits) as remote:
        with pytest.raises(WorkerDied, match="exit status 1"):
            remote.f()
        with pytest.raises(WorkerDied, match=r"not run: f\(\) already crashed, timed out or sent an unreadable reply 1 times"):
            remote.f()
        assert remote.g() == 7


def test_a_failing_top_level_statement_costs_only_what_depends_on_it():
    code = "import not_installed_anywhere\ndef a():\n    return 1\nraise RuntimeError('top-level bug')\ndef b():\n    return 2\n"
    with RemoteSubmission(module_source(code), "m", LIMITS) as remote:
        assert remote.a() == 1 and remote.b() == 2
        errors = remote.load_report().errors
    assert [e.type_name for e in errors] == ["ModuleNotFoundError", "RuntimeError"]
    assert "line 4" in errors[1].where


def test_a_module_with_a_syntax_error_defines_nothing():
    with RemoteSubmission(module_source("def a():\n    return 1\ndef b(:\n"), "m", LIMITS) as remote:
        with pytest.raises(MissingName, match="SyntaxError"):
            remote.a()


def test_top_level_code_that_kills_the_worker_is_left_out_on_a_second_load():
    code = "import os\ndef f():\n    return 1\nos._exit(0)\n"
    with RemoteSubmission(module_source(code), "m", LIMITS) as remote:
        assert remote.f() == 1
    assert any("exit status 0" in e and "only your imports and definitions were loaded" in e for e in remote.events)


def test_slow_top_level_code_is_left_out_after_the_load_timeout():
    code = "def f():\n    return 2\nfor epoch in range(10**12):\n    pass\ndef g():\n    return 1 / 0\n"
    with RemoteSubmission(module_source(code), "m", Limits(load_timeout_s=2)) as remote:
        assert remote.f() == 2
        with pytest.raises(StudentException, match=r"line 6, in g: return 1 / 0"):
            remote.g()
    assert any("did not finish loading within 2 s" in e for e in remote.events)


def test_definitions_that_hang_fail_every_call_with_the_reason():
    code = "class Slow:\n    while True:\n        pass\n"
    with RemoteSubmission(module_source(code), "m", Limits(load_timeout_s=2)) as remote:
        with pytest.raises(CallTimeout, match="did not finish loading within 2 s"):
            remote.f()
        with pytest.raises(CallTimeout, match="not run: your code did not finish loading"):
            remote.g()


def test_notebook_cells_run_on_after_a_failing_cell():
    cells = (
        "!rm -rf /\nimport otter\ngrader = otter.Notebook()",
        "1 / 0",
        "def f():\n    return 'defined after a failing cell'\ngrader.check('f')",
        "%%time\ndef g():\n    return 5",
        "%%writefile helpers.py\ndef h():\n    return 6",
        "%%bash\nrm -rf ~",
        "print(__name__)",
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    source = SubmissionSource("student", "nb.ipynb", "notebook", notebook_chunks(nbformat.writes(nb), "nb.ipynb"))
    with RemoteSubmission(source, "m", LIMITS) as remote:
        assert remote.f() == "defined after a failing cell"
        assert remote.g() == 5
        assert remote.h() == 6
        report = remote.load_report()
    assert [(e.label, e.type_name) for e in report.errors] == [("nb.ipynb cell 2", "ZeroDivisionError")]
    assert remote.output().strip() == "__main__"


LAUNCHERS = {
    "fork server": lambda python: ForkServerLauncher(sandbox=False, python=python),
    "bubblewrap": lambda python: ForkServerLauncher(sandbox=True, required=True, python=python),
    "process": lambda python: ProcessLauncher(python=python),
}
needs_bubblewrap = pytest.mark.skipif(not bubblewrap_available(), reason="bubblewrap (bwrap) is not installed")


def launcher_params():
    return [pytest.param(name, marks=needs_bubblewrap if name == "bubblewrap" else ()) for name in LAUNCHERS]


@pytest.mark.parametrize("launcher", launcher_params())
def test_a_worker_dies_with_its_grader_process(tmp_path, launcher):
    script = tmp_path / "grader.py"
    script.write_text(textwrap.dedent(
        f"""
        import sys, threading, time
        from autograder.config import Limits
        from autograder.intake.source import Chunk, SubmissionSource
        from autograder.runner.handle import RemoteSubmission
        from autograder.runner.launchers import ForkServerLauncher, ProcessLauncher
        code = "import os, subprocess\\ndef spin():\\n    subprocess.Popen(['sleep', '600'], start_new_session=True)\\n    while True:\\n        pass\\n"
        launcher = {LAUNCHERS_SOURCE[launcher]}
        remote = RemoteSubmission(SubmissionSource("s", "m.py", "module", (Chunk("m.py", "m.py", code),)), "m", Limits(call_timeout_s=60), launcher=launcher)
        threading.Thread(target=remote.spin, daemon=True).start()
        while remote._worker is None:
            time.sleep(0.05)
        time.sleep(1.0)
        print(remote._worker.process.pid, *launcher.helpers(), flush=True)
        import os
        os._exit(0)
        """
    ))
    completed = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    pids = [int(pid) for pid in completed.stdout.split()]
    assert pids, completed.stderr
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        alive = [pid for pid in pids if _alive(pid)]
        if not alive:
            return
        time.sleep(0.1)
    for pid in alive:
        os.kill(pid, 9)
    pytest.fail(f"processes outlived their grader process: {alive}")


LAUNCHERS_SOURCE = {
    "fork server": "ForkServerLauncher(sandbox=False)",
    "bubblewrap": "ForkServerLauncher(sandbox=True, required=True)",
    "process": "ProcessLauncher()",
}


def _alive(pid: int) -> bool:
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("launcher", ["fork server", "process"])
def test_the_load_limit_does_not_count_the_workers_start_up(tmp_path, launcher):
    slow_python = tmp_path / "slow-python"
    slow_python.write_text(f"#!/bin/sh\nsleep 3\nexec {sys.executable} \"$@\"\n")
    slow_python.chmod(0o755)
    with RemoteSubmission(module_source("def f():\n    return 2\n"), "m", Limits(load_timeout_s=1, call_timeout_s=1), launcher=LAUNCHERS[launcher](str(slow_python))) as remote:
        assert remote.f() == 2
    assert remote.events == ()


@pytest.mark.parametrize("launcher", ["fork server", "process"])
def test_a_worker_that_cannot_start_fails_calls_with_a_grader_side_reason(tmp_path, launcher):
    broken_python = tmp_path / "broken-python"
    broken_python.write_text("#!/bin/sh\necho 'ImportError: torch is not installed' >&2\nexit 1\n")
    broken_python.chmod(0o755)
    with RemoteSubmission(module_source("def f():\n    return 2\n"), "m", LIMITS, launcher=LAUNCHERS[launcher](str(broken_python))) as remote:
        with pytest.raises(WorkerStartFailed, match=r"could not start a worker process for your code \(.*ImportError: torch is not installed\)"):
            remote.f()
        with pytest.raises(WorkerStartFailed, match="not run: the grader could not start"):
            remote.g()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the OOM score is a Linux setting")
def test_the_worker_is_the_first_the_kernel_kills_when_memory_runs_out(classification):
    source = module_source("def score():\n    return int(open('/proc/self/oom_score_adj').read())\n")
    with RemoteSubmission(source, classification.module, classification.limits) as submission:
        assert submission.score() == 1000


def test_the_worker_records_the_aten_operations_of_each_exercise(classification):
    code = textwrap.dedent(
        """
        import torch
        import torch.nn.functional as F

        def softmax(z, dim=-1):
            return F.softmin(-z, dim)

        def cross_entropy(logits, targets):
            return -(softmax(logits, 1).log() * targets).sum() / len(logits)
        """
    )
    with RemoteSubmission(module_source(code), classification.module, classification.limits, ("softmax", "cross_entropy")) as submission:
        submission.cross_entropy(torch.randn(3, 4), torch.eye(4)[:3])
        dispatched = submission.dispatched
    assert "torch.ops.aten._softmax.default" in dispatched["softmax"]
    assert "torch.ops.aten._softmax.default" not in dispatched["cross_entropy"]
    assert "torch.ops.aten.log.default" in dispatched["cross_entropy"]


def test_the_worker_does_not_inherit_the_signals_its_grader_ignores(classification):
    source = module_source("import signal\ndef terminate_is_default():\n    return signal.getsignal(signal.SIGTERM) == signal.SIG_DFL\n")
    previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        with RemoteSubmission(source, classification.module, classification.limits) as submission:
            assert submission.terminate_is_default() is True
    finally:
        signal.signal(signal.SIGTERM, previous)
