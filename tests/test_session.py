"""The grading session: how tests, markers and points become results."""

import textwrap

import pytest

from autograder.checks.devices import META
from autograder.checks.static import StaticReport, Violation
from autograder.config import load_config
from autograder.errors import GraderError, UsageError
from autograder.grading.session import HIDDEN_DEATH, GradingPlugin, TestDir, failure_message, run_tests
from autograder.results.model import Outcome
from autograder.runner.errors import WorkerDied
from autograder.runner.local import LocalSubmission

CONFIG = """
module = "m"
[exercises.f]
[points]
test_value = 2
test_shapes = 0.5
"""

TESTS = '''
import pytest
import torch
from autograder.testing import check, graded

@graded("f", "doubles {x}")
@pytest.mark.parametrize("x", [1, 2])
def test_shapes(submission, x):
    check.close(submission.f(torch.tensor(float(x))), 2.0 * x, what="f(x)", rtol=0, atol=1e-9, hint="double it")

@graded("f", "value")
def test_value(submission):
    check.close(submission.f(torch.tensor(3.0)), 6.0, what="f(3)", rtol=0, atol=1e-9)
'''


def make(tmp_path, tests=TESTS, config=CONFIG, hidden=False):
    (tmp_path / "assignment.toml").write_text(config)
    folder = tmp_path / "tests" / ("hidden" if hidden else "public")
    folder.mkdir(parents=True)
    (folder / "test_f.py").write_text(textwrap.dedent(tests))
    return load_config(tmp_path), [TestDir(folder, hidden=hidden)]


def test_results_carry_exercise_formatted_title_and_points(tmp_path):
    config, dirs = make(tmp_path)
    results = run_tests(config, LocalSubmission({"f": lambda x: 2 * x}, "m"), dirs)
    assert [(r.name, r.score, r.max_score, r.passed) for r in results] == [
        ("f: doubles 1", 0.5, 0.5, True),
        ("f: doubles 2", 0.5, 0.5, True),
        ("f: value", 2.0, 2.0, True),
    ]


def test_hidden_failures_do_not_reveal_the_expected_value(tmp_path):
    config, dirs = make(tmp_path, hidden=True)
    results = run_tests(config, LocalSubmission({"f": lambda x: 3 * x}, "m"), dirs)
    assert not any(r.passed for r in results)
    assert all("expected" not in r.output and "got:" in r.output for r in results)
    assert results[0].visibility == "visible" and results[0].hidden


def test_public_failures_show_expected_and_hint(tmp_path):
    config, dirs = make(tmp_path)
    results = run_tests(config, LocalSubmission({"f": lambda x: 3 * x}, "m"), dirs)
    assert "expected: 2 (float)" in results[0].output and "hint:     double it" in results[0].output


def test_skipped_tests_are_skipped_for_no_points_not_passed(tmp_path):
    tests = TESTS.replace('@graded("f", "value")', '@graded("f", "value")\n@pytest.mark.skipif(True, reason="needs CUDA")')
    config, dirs = make(tmp_path, tests=tests)
    results = run_tests(config, LocalSubmission({"f": lambda x: 2 * x}, "m"), dirs)
    skipped = results[-1]
    assert (skipped.name, skipped.score, skipped.max_score, skipped.output) == ("f: value", 0.0, 0.0, "needs CUDA")
    assert skipped.outcome is Outcome.SKIPPED and not skipped.passed and not skipped.failed


def test_a_skip_inside_a_test_is_skipped_for_no_points(tmp_path):
    tests = TESTS.replace("    check.close(submission.f(torch.tensor(3.0)), 6.0", "    pytest.skip('no second device')\n    check.close(submission.f(torch.tensor(3.0)), 6.0")
    config, dirs = make(tmp_path, tests=tests)
    results = run_tests(config, LocalSubmission({"f": lambda x: 2 * x}, "m"), dirs)
    assert [(r.outcome, r.max_score, r.output) for r in results[-1:]] == [(Outcome.SKIPPED, 0.0, "no second device")]


def test_a_crashing_test_reports_what_it_could_not_use(tmp_path):
    tests = TESTS.replace("check.close(submission.f(torch.tensor(3.0)), 6.0", "check.close(submission.f(torch.tensor(3.0)).shape[0], 6.0")
    config, dirs = make(tmp_path, tests=tests)
    results = run_tests(config, LocalSubmission({"f": lambda x: 2 * x}, "m"), dirs)
    assert "the test could not use what your code returned (IndexError" in results[-1].output


@pytest.mark.parametrize(
    "tests, config, message",
    [
        (TESTS.replace('"value")', '"doubles 1")').replace('"doubles {x}"', '"doubles {x}"'), CONFIG, None),
        (TESTS, CONFIG.replace("test_value = 2\n", ""), "no points for test `test_value`"),
        (TESTS.replace('@graded("f", "value")', '@graded("g", "value")'), CONFIG, "unknown exercise `g`"),
        (TESTS.replace('@graded("f", "value")\n', ""), CONFIG, "has no @graded"),
        (TESTS.replace('"doubles {x}"', '"doubles {y}"'), CONFIG, "unknown parameter 'y'"),
        (TESTS + "\ndef broken(:\n", CONFIG, "cannot collect"),
        (
            TESTS.replace('check.close(submission.f(torch.tensor(3.0)), 6.0, what="f(3)", rtol=0, atol=1e-9)', 'check.dtype(submission.f(torch.tensor(3.0)), torch.float32, what="f(3)")'),
            CONFIG,
            "test_value gave points without comparing a value",
        ),
    ],
)
def test_test_suite_mistakes_are_usage_errors(tmp_path, tests, config, message):
    config_obj, dirs = make(tmp_path, tests=tests, config=config)
    message = message or "two tests are named `f: doubles 1`"
    with pytest.raises(UsageError, match=message):
        run_tests(config_obj, LocalSubmission({"f": lambda x: 2 * x}, "m"), dirs)


def test_a_test_that_stops_the_session_is_an_error_not_a_shorter_result(tmp_path):
    tests = TESTS.replace('def test_value(submission):\n', 'def test_value(submission):\n    pytest.exit("stopped")\n')
    config, dirs = make(tmp_path, tests=tests)
    with pytest.raises(GraderError, match="was interrupted"):
        run_tests(config, LocalSubmission({"f": lambda x: 2 * x}, "m"), dirs)


def test_an_internal_error_of_pytest_is_reported(tmp_path, monkeypatch):
    def broken_hook(self, item, call):
        raise RuntimeError("a bug in a hook")
        yield

    monkeypatch.setattr(GradingPlugin, "pytest_runtest_makereport", pytest.hookimpl(wrapper=True)(broken_hook))
    config, dirs = make(tmp_path)
    with pytest.raises(GraderError, match=r"hit an internal error:(.|\n)*a bug in a hook"):
        run_tests(config, LocalSubmission({"f": lambda x: 2 * x}, "m"), dirs)


def test_tests_that_ran_without_a_result_make_the_session_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr(GradingPlugin, "_record", lambda self, item, outcome, output: None)
    config, dirs = make(tmp_path)
    with pytest.raises(GraderError, match="recorded 0 results for 3 tests"):
        run_tests(config, LocalSubmission({"f": lambda x: 2 * x}, "m"), dirs)


GPU_TEST = TESTS + '''

@graded("f", "on the GPU")
def test_gpu(submission, gpu):
    check.on_device(gpu, submission.f, (torch.tensor(3.0),), 6.0, what="f(3)", rtol=0, atol=1e-9)
'''


@pytest.mark.parametrize("gated", [False, True])
def test_a_test_that_needs_a_gpu_is_skipped_without_one_for_every_student(tmp_path, gated):
    config, dirs = make(tmp_path, tests=GPU_TEST, config=CONFIG + "test_gpu = 0.5\n")
    static = StaticReport({"f": (Violation("torch.softmax", "m.py", 2, "torch.softmax(x)"),)} if gated else {}, ())
    results = run_tests(config, LocalSubmission({"f": lambda x: 2 * x}, "m"), dirs, static=static, device=META)
    gpu = [r for r in results if r.title == "on the GPU"]
    assert [(r.outcome, r.max_score) for r in gpu] == [(Outcome.SKIPPED, 0.0)]
    assert "needs a GPU, and this grader has none" in gpu[0].output
    assert sum(r.max_score for r in results) == 3.0


def test_a_device_test_that_misuses_the_meta_device_is_the_instructors_problem(tmp_path):
    config, dirs = make(tmp_path, tests=GPU_TEST.replace("submission, gpu", "submission, device").replace("(gpu,", "(device,"), config=CONFIG + "test_gpu = 0.5\n")
    with pytest.raises(UsageError, match="test_gpu: check.on_device cannot check f.3. on the meta device"):
        run_tests(config, LocalSubmission({"f": lambda x: 2 * x}, "m"), dirs, device=META)


def test_a_hidden_test_does_not_show_how_the_worker_died():
    died = WorkerDied("your code ended the worker process (exit status 217), e.g. with os._exit() or os.kill()")
    assert failure_message(died, hidden=True) == HIDDEN_DEATH
    assert "217" in failure_message(died, hidden=False)


DECORATED = '''
import torch
from autograder.testing import check, graded

@graded("f", "doubles", points=1.5)
def test_doubles(submission):
    check.close(submission.f(torch.tensor(2.0)), 4.0, what="f(2)", rtol=0, atol=1e-9)
'''


def test_points_declared_in_the_marker(tmp_path):
    config, dirs = make(tmp_path, tests=DECORATED, config='module = "m"\n[exercises.f]\n')
    results = run_tests(config, LocalSubmission({"f": lambda x: 2 * x}, "m"), dirs)
    assert [(r.name, r.score, r.max_score) for r in results] == [("f: doubles", 1.5, 1.5)]


@pytest.mark.parametrize(
    "config, tests, message",
    [
        ('module = "m"\n[exercises.f]\n[points]\ntest_doubles = 1\n', DECORATED, "declared both in @graded"),
        ('module = "m"\n[exercises.f]\n', DECORATED.replace(", points=1.5", ""), "no points for test `test_doubles`"),
        ('module = "m"\n[exercises.f]\n', DECORATED.replace("points=1.5", "points=-1"), "must be a number >= 0"),
        ('module = "m"\n[exercises.f]\n[points]\ntest_dobles = 1\n', DECORATED, "`test_dobles` names no test"),
        ('module = "m"\n[exercises.f]\n', DECORATED.replace("points=1.5", "points=1, timeout=0"), "timeout=0"),
    ],
)
def test_points_are_declared_once_and_limits_are_checked(tmp_path, config, tests, message):
    config, dirs = make(tmp_path, tests=tests, config=config)
    with pytest.raises(UsageError, match=message):
        run_tests(config, LocalSubmission({"f": lambda x: 2 * x}, "m"), dirs)


def test_a_tests_own_time_limit_applies_to_its_calls_only(tmp_path):
    import time

    from autograder.runner.handle import RemoteSubmission

    from conftest import module_source

    tests = DECORATED + '''

@graded("f", "gives up quickly", points=1, timeout=1)
def test_hangs(submission):
    check.close(submission.hang(), 0.0, what="hang()", rtol=0, atol=0)
'''
    config, dirs = make(tmp_path, tests=tests, config='module = "m"\n[exercises.f]\n[limits]\ncall_timeout_s = 30\n')
    code = "import time\ndef f(x):\n    return 2 * x\ndef hang():\n    while True:\n        time.sleep(0.01)\n"
    started = time.monotonic()
    with RemoteSubmission(module_source(code, "m.py"), "m", config.limits) as submission:
        results = run_tests(config, submission, dirs)
    assert [r.passed for r in results] == [True, False]
    assert "did not finish within 1 s" in results[1].output
    assert time.monotonic() - started < 20


def test_a_conftest_above_the_assignment_is_not_loaded(tmp_path):
    """Only the assignment's own tests configure its session: a conftest.py beside the course,
    or wherever a grader's copy of it lies, must not run (nor make pytest list the folders above)."""
    (tmp_path / "conftest.py").write_text("raise RuntimeError('a conftest above the assignment ran')\n")
    (tmp_path / "assignment").mkdir()
    config, dirs = make(tmp_path / "assignment")
    results = run_tests(config, LocalSubmission({"f": lambda x: 2 * x}, "m"), dirs)
    assert [r.passed for r in results] == [True, True, True]
