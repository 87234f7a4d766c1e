"""End to end: the real `autograder` command on a class of real and hostile submissions."""

import csv
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
import torch

from conftest import copy_course, run_cli

SAMPLES = Path(__file__).resolve().parent.parent / "assignments" / "02_classification" / "samples"
# Without a GPU the accuracy device test (0.5 points) is skipped: it counts on neither side.
FULL = 36 if torch.cuda.is_available() else 35.5

HOSTILE = {
    "hangs_in_softmax.py": "def softmax(logits, dim=-1):\n    while True:\n        pass\n",
    "exits_on_import.py": "import sys\nsys.exit('I quit')\n",
    "segfaults_in_accuracy.py": "import os, signal\ndef accuracy(outputs, targets):\n    os.kill(os.getpid(), signal.SIGSEGV)\n",
    "floods_output.py": "import sys\nfor _ in range(20000):\n    print('spam ' * 200)\n",
    "kills_the_grader.py": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n" + (SAMPLES / "correct_module.py").read_text(),
}


@pytest.fixture(scope="module")
def fast_course(tmp_path_factory, course):
    """A copy of the course with short time limits, so hangs cost seconds."""
    copy = copy_course(tmp_path_factory.mktemp("course"))
    toml = copy / "assignments" / "02_classification" / "assignment.toml"
    toml.write_text(re.sub(r"call_timeout_s = \d+", "call_timeout_s = 2", toml.read_text()))
    return copy


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory, fast_course):
    submissions = tmp_path_factory.mktemp("submissions")
    shutil.copy(SAMPLES / "correct_module.py", submissions / "alice.py")
    shutil.copy(SAMPLES / "correct_messy_notebook.ipynb", submissions / "bob.ipynb")
    shutil.copy(SAMPLES / "naive_softmax.py", submissions / "carol.py")
    with zipfile.ZipFile(submissions / "dave.zip", "w") as archive:
        archive.write(SAMPLES / "correct_folder" / "classification.py", "dave/classification.py")
    (submissions / "erin.ipynb").write_text("{ this is not a notebook")
    (submissions / "frank.py").write_text("x = 1\n")
    (submissions / "frank.ipynb").write_text("{}")
    (submissions / "README.txt").write_text("not a submission")
    for name, code in HOSTILE.items():
        (submissions / name).write_text(code)
    out = tmp_path_factory.mktemp("out")
    completed = run_cli("grade", "02_classification", str(submissions), "--out", str(out), "--course", str(fast_course))
    return completed, out


def _result(out: Path, student: str) -> dict:
    return json.loads((out / student / "results.json").read_text())


def _exercise(result: dict, exercise: str) -> tuple[float, float]:
    tests = [t for t in result["tests"] if t["name"].startswith(f"{exercise}: ")]
    return sum(t["score"] for t in tests), sum(t["max_score"] for t in tests)


def test_grade_exits_zero_and_says_where_everything_is(graded_class):
    completed, out = graded_class
    assert completed.returncode == 0, completed.stderr
    assert f"Gradebook: {out / 'gradebook.csv'}" in completed.stdout
    assert "skipped README.txt" in completed.stdout


def test_every_student_gets_results_and_feedback(graded_class):
    _, out = graded_class
    students = {"alice", "bob", "carol", "dave", "erin", "frank", *(Path(n).stem for n in HOSTILE)}
    assert {p.name for p in out.iterdir() if p.is_dir()} == students
    for student in students:
        result = _result(out, student)
        assert {"score", "max_score", "tests", "output"} <= set(result)
        assert result["max_score"] == FULL == sum(t["max_score"] for t in result["tests"])
        assert all(re.match(r"^(softmax|cross_entropy|accuracy): ", t["name"]) for t in result["tests"])
        assert all(t["status"] in ("passed", "failed", "skipped") for t in result["tests"])
        assert all(t["max_score"] == 0 for t in result["tests"] if t["status"] == "skipped")
        assert (out / student / "feedback.md").read_text().startswith(f"# Feedback for {student}")


def test_correct_work_in_every_form_gets_full_marks(graded_class):
    _, out = graded_class
    for student in ("alice", "bob", "dave"):
        assert _result(out, student)["score"] == FULL, student


@pytest.mark.skipif(torch.cuda.is_available(), reason="with a GPU the device tests run for real")
def test_a_device_test_that_cannot_run_here_is_skipped_not_passed(graded_class):
    completed, out = graded_class
    assert "not counted for 11 of 11: accuracy: works on the input's device (skipped: needs a GPU" in completed.stdout
    tests = {t["name"]: t for t in _result(out, "alice")["tests"]}
    skipped = tests["accuracy: works on the input's device"]
    assert (skipped["status"], skipped["score"], skipped["max_score"]) == ("skipped", 0, 0)
    assert "needs a GPU, and this grader has none" in skipped["output"]
    assert "- [SKIP] works on the input's device (not counted)" in (out / "alice" / "feedback.md").read_text()
    assert tests["softmax: stays on the input's device"]["status"] == "passed"


def test_no_message_repeats_its_prefix(graded_class):
    _, out = graded_class
    texts = []
    for results in out.glob("*/results.json"):
        data = json.loads(results.read_text())
        texts += [data["output"], *(t["output"] for t in data["tests"])]
    texts += [feedback.read_text() for feedback in out.glob("*/feedback.md")]
    doubled = [m.group(0) for text in texts for m in re.finditer(r"\b([a-z][a-z ]*:) \1", text)]
    assert not doubled


def test_gradebook_has_a_row_per_student_and_a_column_per_exercise(graded_class):
    _, out = graded_class
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert list(rows[0]) == ["student", "softmax", "cross_entropy", "accuracy", "total", "max_score", "skipped_tests"]
    by_student = {r["student"]: r for r in rows}
    assert by_student["carol"]["softmax"] == "10" and float(by_student["carol"]["total"]) == FULL - 3
    assert by_student["erin"]["total"] == "0"
    assert {r["max_score"] for r in rows} == {f"{FULL:g}"}
    assert by_student["alice"]["skipped_tests"] == ("0" if torch.cuda.is_available() else "1")


def test_unreadable_and_ambiguous_submissions_get_a_clear_zero(graded_class):
    _, out = graded_class
    assert "not a valid notebook" in _result(out, "erin")["output"]
    assert "several submissions for frank" in _result(out, "frank")["output"]


def test_a_hang_costs_only_the_hanging_exercise(graded_class):
    _, out = graded_class
    result = _result(out, "hangs_in_softmax")
    assert _exercise(result, "softmax")[0] == 0
    messages = [t["output"] for t in result["tests"] if t["name"].startswith("softmax: lecture")]
    assert "did not finish within 2 s" in messages[0]
    missing = [t["output"] for t in result["tests"] if t["name"].startswith("cross_entropy: lecture")]
    assert "no plain definition of `cross_entropy`" in missing[0]


def test_exit_on_import_and_segfault_are_explained(graded_class):
    _, out = graded_class
    exits = _result(out, "exits_on_import")
    assert exits["score"] == 0 and "called sys.exit('I quit')" in exits["output"]
    crash = _result(out, "segfaults_in_accuracy")
    outputs = [t["output"] for t in crash["tests"] if t["name"].startswith("accuracy: two of three")]
    assert "SIGSEGV" in outputs[0]


def test_output_floods_are_cut(graded_class):
    _, out = graded_class
    feedback = (out / "floods_output" / "feedback.md").read_text()
    assert "earlier bytes not kept" in feedback
    assert len(feedback) < 200_000


def test_a_submission_cannot_kill_its_grader_process(graded_class):
    """Its parent is the relay that starts its PID namespace: no grader process can be named from there."""
    _, out = graded_class
    assert _result(out, "kills_the_grader")["score"] == FULL
    assert "the grading process died" not in json.dumps(_result(out, "kills_the_grader"))
    assert _result(out, "alice")["score"] == FULL


def test_check_passes_on_a_correct_module_and_fails_with_hints(tmp_path, course):
    folder = tmp_path / "02_classification"
    shutil.copytree(course / "student_template" / "02_classification", folder)
    stub = run_cli("check", str(folder))
    assert stub.returncode == 1
    assert "softmax() is not written yet: it still raises NotImplementedError" in stub.stdout
    shutil.copy(SAMPLES / "cross_entropy_sum.py", folder / "classification.py")
    wrong = run_cli("check", str(folder / "classification.py"))
    assert wrong.returncode == 1
    assert "ok  softmax" in wrong.stdout and "fix cross_entropy" in wrong.stdout
    assert "hint:     average -log softmax" in wrong.stdout and "expected:" in wrong.stdout
    shutil.copy(SAMPLES / "correct_module.py", folder / "classification.py")
    right = run_cli("check", "--file", "classification.py", cwd=folder)
    assert right.returncode == 0, right.stdout
    assert "All public tests pass" in right.stdout


def test_grading_with_a_stale_reference_is_refused(tmp_path, fast_course):
    course = tmp_path / "course"
    shutil.copytree(fast_course, course)
    master = course / "assignments" / "02_classification" / "classification.py"
    master.write_text(master.read_text().replace("return exps / exps.sum(dim=dim, keepdim=True)", "return exps / exps.sum(dim, keepdim=True)"))
    (tmp_path / "class").mkdir()
    completed = run_cli("grade", "02_classification", str(tmp_path / "class"), "--out", str(tmp_path / "out"), "--course", str(course))
    assert completed.returncode == 2
    assert "is older than" in completed.stderr and "run `autograder release 02_classification`" in completed.stderr


def test_grading_nothing_is_a_usage_error_naming_the_folder(tmp_path, course):
    empty = tmp_path / "empty"
    empty.mkdir()
    completed = run_cli("grade", "02_classification", str(empty), "--out", str(tmp_path / "out"))
    assert completed.returncode == 2
    assert f"autograder: error: {empty} holds no submission to grade" in completed.stderr
    (empty / "notes.txt").write_text("hello")
    (empty / "data.csv").write_text("1,2")
    completed = run_cli("grade", "02_classification", str(empty), "--out", str(tmp_path / "out"))
    assert completed.returncode == 2
    assert "skipped: data.csv (not a submission" in completed.stderr and "notes.txt (not a submission" in completed.stderr
    assert not (tmp_path / "out" / "gradebook.csv").exists()


def test_grading_with_tests_the_reference_fails_is_refused(tmp_path, fast_course):
    course = tmp_path / "course"
    shutil.copytree(fast_course, course)
    tests = course / "assignments" / "02_classification" / "tests" / "hidden" / "test_softmax.py"
    tests.write_text(tests.read_text().replace("torch.full((2, 4), 0.25)", "torch.full((2, 4), 0.3)"))
    (tmp_path / "class").mkdir()
    shutil.copy(SAMPLES / "correct_module.py", tmp_path / "class" / "alice.py")
    completed = run_cli("grade", "02_classification", str(tmp_path / "class"), "--out", str(tmp_path / "out"), "--course", str(course))
    assert completed.returncode == 2, completed.stdout
    assert "the reference solution fails 1 test(s) of 02_classification" in completed.stderr
    assert "softmax: equal logits give equal probabilities: softmax(logits) is wrong" in completed.stderr
    assert not (tmp_path / "out").exists()


def test_usage_errors_are_one_clear_line(tmp_path, course):
    unknown = run_cli("grade", "99_nothing", str(tmp_path), "--out", str(tmp_path / "out"))
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("autograder: error: unknown assignment `99_nothing`")
    assert "Traceback" not in unknown.stderr
    missing = run_cli("grade", "02_classification", str(tmp_path / "nope"), "--out", str(tmp_path / "out"))
    assert missing.returncode == 2 and "not a folder of submissions" in missing.stderr
    not_assignment = run_cli("check", str(tmp_path))
    assert not_assignment.returncode == 2 and "not an assignment folder" in not_assignment.stderr
