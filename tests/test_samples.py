"""The tests' own tests: each known mistake loses points on its exercise and only there."""

import pytest

from autograder.config import load_assignment
from autograder.grading.grade import grade_source, suite_dirs
from autograder.intake.discover import read_entry
from autograder.intake.source import SubmissionSource

from conftest import COURSE

SAMPLES = load_assignment(COURSE, "02_classification").samples


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_loses_points_exactly_where_expected(name, classification, reference_module):
    sample = SAMPLES[name]
    source = read_entry(classification.samples_dir / sample.file, classification.module)
    assert isinstance(source, SubmissionSource)
    result = grade_source(classification, source, suite_dirs(classification, include_hidden=True), reference_module)
    scores = {e.exercise: (e.score, e.max_score) for e in result.by_exercise()}
    losing = sorted(e for e, (got, full) in scores.items() if got < full)
    failures = [f"{t.name}: {t.output.splitlines()[0] if t.output else ''}" for t in result.tests if not t.passed]
    assert losing == sorted(sample.loses), f"{name}: {scores}\n" + "\n".join(failures)
    earning = [e for e in sample.scores_zero if scores[e][0] > 0]
    assert not earning, f"{name}: every value is wrong, yet it earns points on {earning}: {scores}"


def test_every_sample_file_is_declared(classification):
    declared = {s.file for s in SAMPLES.values()}
    present = {p.name for p in classification.samples_dir.iterdir() if not p.name.startswith(".")}
    assert present == declared
