"""Every assignment of the course, checked the same way: the tests' own tests.

The reference earns every point, the untouched stub none, the release hides
every solution line and hidden test, and each known mistake in `samples/`
loses points on the exercises it names and keeps full marks on all others.
"""

from __future__ import annotations

import functools
import shutil
import tempfile
from pathlib import Path

import pytest

from autograder.config import assignment_names, load_assignment
from autograder.grading.batch import grade_class
from autograder.release.markers import split_solutions
from autograder.results.model import SubmissionResult

from conftest import COURSE

ASSIGNMENTS = assignment_names(COURSE)
CASES = [(a, s) for a in ASSIGNMENTS for s in sorted(load_assignment(COURSE, a).samples)]


STANDARD = {"reference_py": "reference", "reference_ipynb": "reference", "stub_py": "student_template", "stub_ipynb": "student_template"}
"""Besides the samples, every class graded here holds the reference and the stub, as a module and as a notebook."""


@functools.lru_cache(maxsize=None)
def _graded(assignment: str) -> dict[str, SubmissionResult]:
    """Every sample, the reference and the stub of `assignment`, graded once as one class.

    Graded the way `autograder grade` grades a class, with two graders side
    by side: one grading at a time would take most of the suite's time.
    """
    config = load_assignment(COURSE, assignment)
    folder = Path(tempfile.mkdtemp(prefix=f"{assignment}-"))
    submissions = folder / "class"
    submissions.mkdir()
    for name, sample in config.samples.items():
        source = config.samples_dir / sample.file
        target = submissions / (name + (source.suffix if source.is_file() else ""))
        (shutil.copytree if source.is_dir() else shutil.copy)(source, target)
    for name, tree in STANDARD.items():
        kind = name.rsplit("_", 1)[1]
        shutil.copy(COURSE / tree / assignment / f"{config.module}.{kind}", submissions / f"{name}.{kind}")
    report = grade_class(config, COURSE, submissions, folder / "out", jobs=2)
    shutil.rmtree(folder, ignore_errors=True)
    return {result.student: result for result in report.results}


def _failures(result: SubmissionResult) -> str:
    return "\n".join(f"{t.name}: {t.output.splitlines()[0] if t.output else ''}" for t in result.tests if not t.passed)


@pytest.mark.parametrize("assignment, name", CASES)
def test_sample_loses_points_exactly_where_expected(assignment, name):
    config = load_assignment(COURSE, assignment)
    sample = config.samples[name]
    result = _graded(assignment)[name]
    scores = {e.exercise: (e.score, e.max_score) for e in result.by_exercise()}
    losing = sorted(e for e, (got, full) in scores.items() if got < full)
    assert losing == sorted(sample.loses), f"{assignment}/{name}: {scores}\n{_failures(result)}"
    earning = [e for e in sample.scores_zero if scores[e][0] > 0]
    assert not earning, f"{assignment}/{name}: every value is wrong, yet it earns points on {earning}: {scores}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_sample_file_is_declared(assignment):
    config = load_assignment(COURSE, assignment)
    declared = {s.file for s in config.samples.values()}
    present = {p.name for p in config.samples_dir.iterdir() if not p.name.startswith(".")}
    assert present == declared


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
@pytest.mark.parametrize("kind", ["py", "ipynb"])
def test_reference_earns_every_point(assignment, kind):
    result = _graded(assignment)[f"reference_{kind}"]
    assert result.score == result.max_score > 0, _failures(result)
    assert [t.name for t in result.tests if t.failed] == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
@pytest.mark.parametrize("kind", ["py", "ipynb"])
def test_student_stub_scores_nothing(assignment, kind):
    result = _graded(assignment)[f"stub_{kind}"]
    assert result.score == 0 and result.max_score > 0


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_student_release_holds_no_solution_and_nothing_hidden(assignment):
    config = load_assignment(COURSE, assignment)
    split = split_solutions(config.master_module.read_text(), config.master_module)
    hidden = list(config.hidden_tests.rglob("*.py")) if config.hidden_tests.is_dir() else []
    hidden_functions = {
        line.split("(")[0].removeprefix("def ").strip()
        for p in hidden
        for line in p.read_text().splitlines()
        if line.startswith("def test_")
    }
    for path in (COURSE / "student_template" / assignment).rglob("*"):
        if not path.is_file():
            continue
        text = path.read_text()
        leaked = [line for line in split.secret_lines if len(line) > 12 and line in text]
        assert not leaked, f"{path} contains solution code: {leaked[:3]}"
        assert path.stem not in {p.stem for p in hidden if p.stem != "conftest"}
        named = [f for f in hidden_functions if f in text]
        assert not named, f"{path} names hidden tests: {named}"
