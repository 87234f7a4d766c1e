"""Golden files: the exact results.json and feedback.md of a known mistake.

Set AUTOGRADER_UPDATE_GOLDEN=1 to rewrite them after an intended change, and
review the diff like any other change. Device tests run on the meta device
here even where a GPU is present, so that the files are the same on every
machine.
"""

import json
import os
from pathlib import Path

import pytest

from autograder.checks.devices import META
from autograder.grading.grade import grade_source, suite_dirs
from autograder.intake.discover import read_entry
from autograder.results import feedback, gradescope

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("AUTOGRADER_UPDATE_GOLDEN") == "1"


GOLDEN_SECRET = "the golden files are drawn under this fixed secret"
"""Hidden inputs depend on the course secret, and a failure message on the inputs: the golden run pins one."""


@pytest.fixture(scope="module")
def naive_softmax(classification, reference_module):
    source = read_entry(classification.samples_dir / "naive_softmax.py", classification.module)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AUTOGRADER_SECRET", GOLDEN_SECRET)
        return grade_source(classification, source, suite_dirs(classification, include_hidden=True), reference_module, device=META)


def _compare(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text)
    assert path.read_text() == text, f"{name} changed; if intended, rerun with AUTOGRADER_UPDATE_GOLDEN=1"


def test_results_json_matches_golden(naive_softmax):
    data = gradescope.to_json(naive_softmax)
    data.pop("execution_time")
    _compare("naive_softmax.results.json", json.dumps(data, indent=2) + "\n")


def test_feedback_matches_golden(naive_softmax):
    _compare("naive_softmax.feedback.md", feedback.render(naive_softmax))
