"""Every assignment of the course, checked the same way: the tests' own tests.

The reference earns every point, the untouched stub none, the release hides
every solution line and hidden test, and each known mistake in `samples/`
loses points on the exercises it names and keeps full marks on all others.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.config import AssignmentConfig, assignment_names, load_assignment
from autograder.grading.grade import grade_source, suite_dirs
from autograder.grading.session import load_reference
from autograder.intake.discover import read_entry
from autograder.intake.source import SubmissionSource
from autograder.release.markers import split_solutions
from autograder.results.model import SubmissionResult

from conftest import COURSE

ASSIGNMENTS = assignment_names(COURSE)
CASES = [(a, s) for a in ASSIGNMENTS for s in sorted(load_assignment(COURSE, a).samples)]


def _grade(config: AssignmentConfig, path: Path) -> SubmissionResult:
    source = read_entry(path, config.module)
    assert isinstance(source, SubmissionSource), source
    reference = load_reference(COURSE / "reference" / config.name / config.module_file)
    return grade_source(config, source, suite_dirs(config, include_hidden=True), reference)


def _failures(result: SubmissionResult) -> str:
    return "\n".join(f"{t.name}: {t.output.splitlines()[0] if t.output else ''}" for t in result.tests if not t.passed)


@pytest.mark.parametrize("assignment, name", CASES)
def test_sample_loses_points_exactly_where_expected(assignment, name):
    config = load_assignment(COURSE, assignment)
    sample = config.samples[name]
    result = _grade(config, config.samples_dir / sample.file)
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
    config = load_assignment(COURSE, assignment)
    result = _grade(config, COURSE / "reference" / assignment / f"{config.module}.{kind}")
    assert result.score == result.max_score > 0, _failures(result)
    assert [t.name for t in result.tests if t.failed] == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
@pytest.mark.parametrize("kind", ["py", "ipynb"])
def test_student_stub_scores_nothing(assignment, kind):
    config = load_assignment(COURSE, assignment)
    result = _grade(config, COURSE / "student_template" / assignment / f"{config.module}.{kind}")
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
