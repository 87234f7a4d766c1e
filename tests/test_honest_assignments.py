"""Honest, correct work on 01_calculus, 03_gradient_descent and 04_mlp gets full marks.

Every submission of `honest_corpus_assignments` is read as intake reads a
class's submissions and checked: the banned-API check must gate none of
them. A few, one of each kind (module, notebook, folder) per assignment, are
also graded end to end and must earn every point.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from honest_corpus import Honest
from honest_corpus_assignments import CORPORA

from autograder.checks.devices import META
from autograder.checks.static import StaticChecker
from autograder.config import AssignmentConfig, load_assignment
from autograder.grading.grade import grade_source, suite_dirs
from autograder.grading.session import load_reference
from autograder.intake.discover import read_entry
from autograder.intake.source import SubmissionSource

from conftest import COURSE

CASES = [(assignment, entry.name) for assignment, entries in CORPORA.items() for entry in entries]
GRADED = {
    "01_calculus": ["typed_constants_main", "nb_redefined_and_raising", "folder_backprop_package"],
    "03_gradient_descent": ["own_optimizer_class", "nb_typical", "folder_own_optimizer"],
    "04_mlp": ["typed_dataloader", "nb_redefined", "folder_notebook_imports_model"],
}
GATED: dict[tuple[str, str], str] = {}
"""Honest submissions that the static check still gates: each is a false positive of autograder.checks."""


def _config(assignment: str) -> AssignmentConfig:
    return load_assignment(COURSE, assignment)


def _entry(assignment: str, name: str) -> Honest:
    return next(entry for entry in CORPORA[assignment] if entry.name == name)


def _read(entry: Honest, folder: Path, config: AssignmentConfig) -> SubmissionSource:
    source = read_entry(entry.write(folder), config.module, config.exercise_names)
    assert isinstance(source, SubmissionSource), source
    return source


def _static_cases() -> list[object]:
    marks = {key: pytest.mark.xfail(reason=reason, strict=True) for key, reason in GATED.items()}
    return [pytest.param(*case, marks=marks[case]) if case in marks else case for case in CASES]


def test_every_assignment_has_every_kind_of_honest_submission() -> None:
    for assignment, entries in CORPORA.items():
        kinds = [entry.kind for entry in entries]
        assert len(entries) >= 12, assignment
        assert len({entry.name for entry in entries}) == len(entries), assignment
        assert {kind: kinds.count(kind) >= 2 for kind in ("py", "ipynb", "folder")} == {"py": True, "ipynb": True, "folder": True}
        assert {_entry(assignment, name).kind for name in GRADED[assignment]} == {"py", "ipynb", "folder"}


@pytest.mark.parametrize("assignment, name", _static_cases())
def test_the_static_check_gates_no_honest_submission(assignment: str, name: str, tmp_path: Path) -> None:
    config = _config(assignment)
    source = _read(_entry(assignment, name), tmp_path, config)
    report = StaticChecker(config.banned).check(source.chunks, config.banned_in, source.modules)
    assert report.gating == {}, {exercise: [v.describe() for v in uses] for exercise, uses in report.gating.items()}


@pytest.mark.parametrize("assignment, name", [(a, n) for a, names in GRADED.items() for n in names])
def test_an_honest_submission_gets_full_marks(assignment: str, name: str, tmp_path: Path) -> None:
    config = _config(assignment)
    source = _read(_entry(assignment, name), tmp_path, config)
    reference = load_reference(COURSE / "reference" / assignment / config.module_file)
    result = grade_source(config, source, suite_dirs(config, True), reference, device=META)
    lost = {e.exercise: f"{e.score}/{e.max_score}" for e in result.by_exercise() if e.score < e.max_score}
    assert lost == {}, [f"{t.name}: {t.output[:300]}" for t in result.tests if t.score < t.max_score]
    assert result.score == result.max_score > 0
