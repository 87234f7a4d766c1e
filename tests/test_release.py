"""The generated trees: up to date, complete, and free of anything secret."""

import filecmp
import shutil
from pathlib import Path

import nbformat
import pytest
from conftest import run_cli

from autograder.config import load_assignment, load_config
from autograder.errors import UsageError
from autograder.release.build import release
from autograder.release.markers import split_solutions

GENERATED = ("student_template", "reference")


@pytest.fixture(scope="module")
def fresh_release(tmp_path_factory, course):
    copy = tmp_path_factory.mktemp("course")
    shutil.copytree(course / "assignments", copy / "assignments")
    release(copy, [])
    return copy


def _files(root: Path) -> dict[str, Path]:
    return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


@pytest.mark.parametrize("tree", GENERATED)
def test_committed_release_is_up_to_date(fresh_release, course, tree):
    expected, committed = _files(fresh_release / tree), _files(course / tree)
    assert sorted(committed) == sorted(expected), f"{tree}/ is out of date: run `autograder release`"
    stale = [name for name in expected if not filecmp.cmp(expected[name], committed[name], shallow=False)]
    assert not stale, f"out of date: {stale}; run `autograder release`"


def test_release_is_repeatable(fresh_release, tmp_path):
    shutil.copytree(fresh_release / "assignments", tmp_path / "assignments")
    release(tmp_path, [])
    first, second = _files(fresh_release / "student_template"), _files(tmp_path / "student_template")
    assert all(first[n].read_bytes() == second[n].read_bytes() for n in first)


def test_stub_raises_and_keeps_docstrings(course):
    stub = (course / "student_template" / "02_classification" / "classification.py").read_text()
    assert stub.count('raise NotImplementedError("') == 3
    assert "numerically" in stub or "overflows" in stub
    namespace: dict = {}
    exec(compile(stub, "stub", "exec"), namespace)
    with pytest.raises(NotImplementedError, match="softmax: write your solution here"):
        namespace["softmax"](None)


def test_notebook_has_prose_stubs_and_check_cells(course):
    nb = nbformat.read(course / "student_template" / "02_classification" / "classification.ipynb", as_version=4)
    nbformat.validate(nb)
    sources = [c.source for c in nb.cells]
    assert any('grader = otter.Notebook(tests_dir="tests")' in s for s in sources)
    for exercise in ("softmax", "cross_entropy", "accuracy"):
        assert f'grader.check("{exercise}")' in sources
        assert any(s.startswith(f"def {exercise}(") for s in sources)
    assert any("0.5852" in s for s in sources if s.startswith("## Softmax"))


@pytest.mark.parametrize(
    "text, message",
    [
        ("def f():\n    # BEGIN SOLUTION\n    return 1\n", "never closed"),
        ("def f():\n    # END SOLUTION\n", "without a BEGIN"),
        ("def f():\n    # BEGIN SOLUTION\n    # BEGIN SOLUTION\n", "inside the block"),
        ("def f():\n    return 1\n", "no `# BEGIN SOLUTION` blocks"),
    ],
)
def test_marker_mistakes_name_the_line(text, message):
    with pytest.raises(UsageError, match=message):
        split_solutions(text, Path("master.py"))


def test_unknown_assignment_is_a_usage_error(course):
    with pytest.raises(UsageError, match="unknown assignment `99_nothing`; the course at .* has: 01_calculus, 02_classification, 03_gradient_descent, 04_mlp"):
        load_assignment(course, "99_nothing")


TINY_MASTER = '''"""Two tiny exercises."""


def double(x):
    """Twice x."""
    # BEGIN SOLUTION
    return 2 * x
    # END SOLUTION


def triple(x):
    """Three times x."""
    # BEGIN SOLUTION
    return 3 * x
    # END SOLUTION
'''

TINY_CONFIG = """
module = "tiny"
[exercises.double]
[exercises.triple]
[points]
test_double_keywords = 1
test_double_title_keyword = 2
test_triple_module_attribute = 0.5
test_triple_hidden = 4
"""

TINY_PUBLIC_TESTS = '''import pytest

from autograder import testing
from autograder.testing import check, graded


@graded(exercise="double", title="doubles {x}")
@pytest.mark.parametrize("x", [1, 2])
def test_double_keywords(submission, x):
    check.close(submission.double(x), 2 * x, what="double(x)", inputs=f"x = {x}", rtol=0, atol=0)


@graded("double", title="doubles a negative number")
def test_double_title_keyword(submission):
    check.close(submission.double(-3), -6, what="double(-3)", rtol=0, atol=0)


@testing.graded(title="triples 2", exercise="triple")
def test_triple_module_attribute(submission):
    check.close(submission.triple(2), 6, what="triple(2)", rtol=0, atol=0)
'''


def _tiny_course(root: Path, public_tests: str = TINY_PUBLIC_TESTS) -> Path:
    master = root / "assignments" / "01_tiny"
    (master / "tests" / "public").mkdir(parents=True)
    (master / "tiny.py").write_text(TINY_MASTER)
    (master / "assignment.toml").write_text(TINY_CONFIG)
    (master / "tests" / "public" / "test_tiny.py").write_text(public_tests)
    return root


@pytest.fixture(scope="module")
def tiny_release(tmp_path_factory) -> Path:
    course = _tiny_course(tmp_path_factory.mktemp("tiny"))
    release(course, [])
    return course


def test_keyword_style_public_tests_are_released(tiny_release):
    template = tiny_release / "student_template" / "01_tiny"
    assert load_config(template).points == {
        "test_double_keywords": 1,
        "test_double_title_keyword": 2,
        "test_triple_module_attribute": 0.5,
    }
    double, triple = (template / "tests" / "double.py").read_text(), (template / "tests" / "triple.py").read_text()
    assert 'run_public_test(env, "test_tiny.py", "test_double_keywords")' in double
    assert 'run_public_test(env, "test_tiny.py", "test_double_title_keyword")' in double
    assert 'run_public_test(env, "test_tiny.py", "test_triple_module_attribute")' in triple
    assert "test_triple" not in double


def test_check_passes_on_a_release_with_keyword_style_tests(tiny_release, tmp_path):
    folder = tmp_path / "01_tiny"
    shutil.copytree(tiny_release / "student_template" / "01_tiny", folder)
    shutil.copy(tiny_release / "reference" / "01_tiny" / "tiny.py", folder / "tiny.py")
    result = run_cli("check", str(folder), timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "public total  4.5 / 4.5" in result.stdout, "two cases of 1 point, 2 points and 0.5 points"


@pytest.mark.parametrize(
    "decorated, message",
    [
        (
            'EXERCISE = "double"\n\n\n@graded(EXERCISE, "t")\ndef test_double(submission):\n    pass\n',
            r"test_tiny.py:5: `test_double`: write the exercise of @graded as a literal string",
        ),
        (
            '@graded(title="t")\ndef test_double(submission):\n    pass\n',
            r"test_tiny.py:2: `test_double`: write the exercise of @graded as a literal string",
        ),
        (
            'class TestDouble:\n    @graded("double", "t")\n    def test_double(self, submission):\n        pass\n',
            r"test_tiny.py:3: `test_double`: a graded public test must be a module-level `def`",
        ),
    ],
)
def test_graded_test_the_release_cannot_list_is_a_usage_error(tmp_path, decorated, message):
    course = _tiny_course(tmp_path, "from autograder.testing import graded\n" + decorated)
    with pytest.raises(UsageError, match=message):
        release(course, [])


SHARED_CONFTEST = '''import pytest


@pytest.fixture
def numbers():
    return [1, -3, 7]
'''

CONFTEST_TESTS = '''from autograder.testing import check, graded


@graded("double", "doubles a few numbers", points=1)
def test_double_numbers(submission, numbers):
    for x in numbers:
        check.close(submission.double(x), 2 * x, what="double(x)", inputs=f"x = {x}", rtol=0, atol=0)
'''


def test_conftest_helpers_are_released_with_the_public_tests_and_hidden_ones_stay_behind(tmp_path):
    course = _tiny_course(tmp_path, public_tests=CONFTEST_TESTS)
    master = course / "assignments" / "01_tiny"
    (master / "assignment.toml").write_text('module = "tiny"\n[exercises.double]\n[exercises.triple]\n')
    (master / "tests" / "conftest.py").write_text(SHARED_CONFTEST)
    (master / "tests" / "hidden").mkdir()
    (master / "tests" / "hidden" / "conftest.py").write_text("SECRET = 42\n")
    release(course, [])
    template = course / "student_template" / "01_tiny"
    assert (template / "tests" / "conftest.py").read_text() == SHARED_CONFTEST
    assert not (template / "tests" / "hidden").exists()
    shutil.copy(course / "reference" / "01_tiny" / "tiny.py", template / "tiny.py")
    result = run_cli("check", str(template), timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "public total  1 / 1" in result.stdout


def test_a_try_it_cell_follows_the_exercises_check_cell(tmp_path):
    course = _tiny_course(tmp_path)
    config = course / "assignments" / "01_tiny" / "assignment.toml"
    config.write_text(config.read_text().replace("[exercises.double]\n", '[exercises.double]\ntry_it = "print(double(21))"\n'))
    release(course, [])
    for folder, checked in (("student_template", True), ("reference", False)):
        cells = [c.source for c in nbformat.read(course / folder / "01_tiny" / "tiny.ipynb", as_version=4).cells]
        at = cells.index("print(double(21))")
        assert cells[at - 1] == ('grader.check("double")' if checked else cells[at - 1])
        assert cells[at - 1].startswith("def double(") != checked


def test_a_release_without_banned_apis_says_nothing_about_them(tiny_release):
    readme = (tiny_release / "student_template" / "01_tiny" / "README.md").read_text()
    assert "Banned" not in readme and "nothing" not in readme
    assert readme.endswith("not only for the public examples.\n")
