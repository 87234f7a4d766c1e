"""Honest, correct work in any style a student writes gets full marks: the banned-API check gates none of it.

Every submission of `honest_corpus` is read as intake reads a class's
submissions and checked; a few of them, one of each kind and those that
once were gated, are also graded end to end.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from honest_corpus import Honest, corpus

from autograder.checks.devices import META
from autograder.checks.static import StaticChecker
from autograder.config import AssignmentConfig
from autograder.grading.grade import grade_source, suite_dirs
from autograder.intake.discover import read_entry
from autograder.intake.source import SubmissionSource

CORPUS = {entry.name: entry for entry in corpus()}
GRADED = ["nb_typical", "folder_package", "own_module_classes", "timeit_timer", "nb_colab", "lambdas"]


def read(entry: Honest, folder: Path, config: AssignmentConfig) -> SubmissionSource:
    source = read_entry(entry.write(folder), config.module, config.exercise_names)
    assert isinstance(source, SubmissionSource), source
    return source


def test_the_corpus_holds_every_kind_of_submission():
    kinds = [entry.kind for entry in CORPUS.values()]
    assert len(CORPUS) >= 40 and len(CORPUS) == len(corpus())
    assert {kind: kinds.count(kind) >= 5 for kind in ("py", "ipynb", "folder")} == {"py": True, "ipynb": True, "folder": True}


@pytest.mark.parametrize("name", list(CORPUS))
def test_the_static_check_gates_no_honest_submission(name, classification, tmp_path):
    source = read(CORPUS[name], tmp_path, classification)
    report = StaticChecker(classification.banned).check(source.chunks, classification.banned_in, source.modules)
    assert report.gating == {}, {exercise: [v.describe() for v in uses] for exercise, uses in report.gating.items()}


@pytest.mark.parametrize("name", GRADED)
def test_an_honest_submission_gets_full_marks(name, classification, reference_module, tmp_path):
    source = read(CORPUS[name], tmp_path, classification)
    result = grade_source(classification, source, suite_dirs(classification, True), reference_module, device=META)
    lost = {e.exercise: f"{e.score}/{e.max_score}" for e in result.by_exercise() if e.score < e.max_score}
    assert lost == {}, [f"{t.name}: {t.output[:300]}" for t in result.tests if t.score < t.max_score]
    assert result.score == result.max_score > 0
