"""The grading session: how tests, markers and points become results."""

import textwrap

import pytest

from autograder.config import load_config
from autograder.errors import UsageError
from autograder.grading.session import TestDir, run_tests
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


def test_skipped_tests_are_reported_for_no_points(tmp_path):
    tests = TESTS.replace('@graded("f", "value")', '@graded("f", "value")\n@pytest.mark.skipif(True, reason="needs CUDA")')
    config, dirs = make(tmp_path, tests=tests)
    results = run_tests(config, LocalSubmission({"f": lambda x: 2 * x}, "m"), dirs)
    assert (results[-1].name, results[-1].max_score, results[-1].output) == ("f: value", 0.0, "skipped, for no points: needs CUDA")


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
    ],
)
def test_test_suite_mistakes_are_usage_errors(tmp_path, tests, config, message):
    config_obj, dirs = make(tmp_path, tests=tests, config=config)
    message = message or "two tests are named `f: doubles 1`"
    with pytest.raises(UsageError, match=message):
        run_tests(config_obj, LocalSubmission({"f": lambda x: 2 * x}, "m"), dirs)
