"""A class of hostile submissions, graded beside an honest one through the real CLI.

Each attack must get exactly the grade honest code of the same quality
earns (see `hostile_corpus`), the honest student must keep full marks, the
batch must finish with exit status 0 and a result for everyone, and nothing
a student wrote may render as anything but text.
"""

from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from hostile_corpus import ALL, attacks
from conftest import COURSE, copy_course, run_cli

from autograder.intake.students import printable

ASSIGNMENT = "02_classification"
FAST_LIMITS = "[limits]\ncall_timeout_s = 5\nload_timeout_s = 8\nsubmission_timeout_s = 300\n"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict], str]:
    tmp_path = tmp_path_factory.mktemp("hostile")
    course = copy_course(tmp_path / "course", ASSIGNMENT, FAST_LIMITS)
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    for attack in attacks():
        attack.write(submissions)
    out = tmp_path / "out"
    run = run_cli("grade", ASSIGNMENT, str(submissions), "--out", str(out), "--course", str(course), "--jobs", "2")
    assert run.returncode == 0, run.stderr[-3000:]
    results = {}
    for path in out.glob("*/results.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        results[data["extra_data"]["graded_file"]] = data
    return out, results, run.stdout + run.stderr


def _result(results: dict[str, dict], name: str | bytes) -> dict:
    """The result of the attack handed in as `name` (a file, or a folder holding the graded file)."""
    origin = printable(os.fsdecode(name))
    matches = [r for graded_file, r in results.items() if graded_file == origin or graded_file.startswith(origin + "/")]
    assert len(matches) == 1, f"{origin!r}: {sorted(results)}"
    return matches[0]


def _public_titles() -> set[str]:
    public = COURSE / "assignments" / ASSIGNMENT / "tests" / "public" / "test_classification.py"
    return {f"{e}: {t}" for e, t in re.findall(r'@graded\("(\w+)", "([^"]+)"\)', public.read_text(encoding="utf-8"))}


def _scores(result: dict) -> dict[str, tuple[float, float]]:
    return {e: (v["score"], v["max_score"]) for e, v in result["extra_data"]["exercises"].items()}


def test_every_submission_has_a_result(graded):
    _, results, _ = graded
    assert len(results) == len(attacks())


@pytest.mark.parametrize("attack", attacks(), ids=lambda a: os.fsdecode(a.name) if isinstance(a.name, bytes) else a.name)
def test_each_attack_gets_the_grade_it_earns(graded, attack):
    _, results, _ = graded
    scores = _scores(_result(results, attack.name))
    zero = ALL if attack.zero is None else attack.zero
    for exercise, (score, max_score) in scores.items():
        if exercise in zero:
            assert score == 0, f"{exercise}: {score}/{max_score}"
        else:
            assert score == max_score > 0, f"{exercise}: {score}/{max_score}"


def test_nothing_a_student_wrote_renders(graded):
    out, results, terminal = graded
    for path in out.glob("*/feedback.md"):
        text = path.read_text(encoding="utf-8")
        html = MarkdownIt("commonmark").render(text)
        outside_code = re.sub(r"<pre><code[^>]*>[\s\S]*?</code></pre>|<code>[\s\S]*?</code>", "", html)
        assert outside_code.count("<strong>Total:") == 1, path
        assert "<img" not in outside_code and "onerror" not in outside_code, path
        assert "\x1b" not in text and "\u202e" not in text
        assert len(text) < 300_000
    forged = MarkdownIt("commonmark").render((out / "forged_feedback" / "feedback.md").read_text(encoding="utf-8"))
    passed = sum(t["status"] == "passed" for t in _result(results, "forged_feedback.py")["tests"])
    assert re.sub(r"<pre>[\s\S]*?</pre>", "", forged).count("[PASS]") == passed
    assert "\x1b" not in terminal
    for result in results.values():
        assert len(json.dumps(result)) < 300_000


def test_the_gradebook_holds_no_formula_and_no_control_characters(graded):
    out, _, _ = graded
    with (out / "gradebook.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == len(attacks()) + 1
    for row in rows[1:]:
        assert not row[0].startswith(("=", "+", "-", "@", "\t", "\r"))
        assert not any(ord(c) < 32 for c in row[0])


def test_hidden_inputs_do_not_come_back(graded):
    _, results, _ = graded
    leaks = _result(results, "leaks_inputs.py")
    public = _public_titles()
    hidden = [t for t in leaks["tests"] if t["name"] not in public and t["name"].startswith("softmax")]
    assert hidden and not any("LEAK" in t["output"] for t in hidden)
    assert any("LEAK" in t["output"] for t in leaks["tests"] if t["name"] in public)
