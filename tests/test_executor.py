"""The executor seam: an assignment travels as a bundle, and any executor grades a class alike.

The class graded here is a copy of 02_classification's course files whose
points differ from the course's own in one test, so that a grade read from
anywhere but the bundle shows.
"""

from __future__ import annotations

import dataclasses
import pickle
import shutil
import stat
import tempfile
import threading
from pathlib import Path
from typing import Generator, Sequence

import pytest

from autograder.config import load_assignment
from autograder.errors import GraderError, UsageError
from autograder.grading.batch import ClassReport, grade_class
from autograder.grading.bundle import AssignmentBundle
from autograder.grading.executors import Executor, LocalExecutor, Task, grade_task
from autograder.grading.secret import SECRET_ENV, SECRET_FILE
from autograder.grading.supervisor import Failed, Incomplete
from autograder.results.model import SubmissionResult
from autograder.runner.launchers import choose_launcher

from conftest import COURSE

NAME = "02_classification"
CHANGED_TEST = "test_softmax_lecture_example"
CHANGED_POINTS = 3.0


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


@pytest.fixture(scope="module")
def course_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The assignment and its released reference in a course of their own, one test's points changed."""
    course = tmp_path_factory.mktemp("course")
    shutil.copytree(COURSE / "assignments" / NAME, course / "assignments" / NAME, ignore=shutil.ignore_patterns("__pycache__", "samples"))
    shutil.copytree(COURSE / "reference" / NAME, course / "reference" / NAME, ignore=shutil.ignore_patterns("__pycache__"))
    config = course / "assignments" / NAME / "assignment.toml"
    text = config.read_text(encoding="utf-8")
    assert f"\n{CHANGED_TEST} = 1\n" in text
    config.write_text(text.replace(f"\n{CHANGED_TEST} = 1\n", f"\n{CHANGED_TEST} = {CHANGED_POINTS:g}\n"), encoding="utf-8")
    return course


@pytest.fixture(scope="module")
def submissions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A class of three: full marks, some marks, none."""
    folder = tmp_path_factory.mktemp("class")
    shutil.copy(COURSE / "reference" / NAME / "classification.py", folder / "ada.py")
    shutil.copy(COURSE / "assignments" / NAME / "samples" / "naive_softmax.py", folder / "bo.py")
    shutil.copy(COURSE / "student_template" / NAME / "classification.py", folder / "cy.py")
    return folder


@pytest.fixture(scope="module")
def default_run(course_copy: Path, submissions: Path, tmp_path_factory: pytest.TempPathFactory) -> ClassReport:
    config = load_assignment(course_copy, NAME)
    return grade_class(config, course_copy, submissions, tmp_path_factory.mktemp("out") / "default")


def _scores(report: ClassReport) -> dict[str, list[tuple[str, float, float, str]]]:
    return {r.student: [(t.name, t.score, t.max_score, t.outcome.value) for t in r.tests] for r in report.results}


# --- the bundle


def test_a_bundle_is_small_plain_data_that_round_trips_into_a_private_folder(tmp_path, classification):
    bundle = AssignmentBundle.build(classification, COURSE)
    sent = pickle.dumps(bundle)
    assert pickle.loads(sent) == bundle and len(sent) < 200_000

    config, dirs, reference = bundle.materialize(tmp_path / "bundle")
    folder = tmp_path / "bundle"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert _files(folder) == dict(bundle.files)
    assert all(stat.S_IMODE((folder / name).stat().st_mode) == 0o600 for name, _ in bundle.files)
    assert dataclasses.replace(config, root=classification.root) == classification
    assert config.root == (folder / "assignments" / NAME).resolve()
    assert [(d.path.relative_to(config.root), d.hidden) for d in dirs] == [(Path("tests/public"), False), (Path("tests/hidden"), True)]
    for d in dirs:
        assert _files(d.path) == _files(classification.root / d.path.relative_to(config.root))
    loaded = Path(str(reference.__file__))
    assert loaded.is_relative_to(folder.resolve())
    assert loaded.read_bytes() == (COURSE / "reference" / NAME / "classification.py").read_bytes()


def test_the_bundle_holds_everything_beside_the_tests(course):
    mlp = load_assignment(course, "04_mlp")
    names = {name for name, _ in AssignmentBundle.build(mlp, course).files}
    assert {"assignments/04_mlp/tests/conftest.py", "assignments/04_mlp/tests/hidden/conftest.py"} <= names
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in names)
    assert not any("/samples/" in name for name in names) and "assignments/04_mlp/mlp.py" not in names


@pytest.mark.parametrize(
    "name",
    [
        "../escaped.py",
        "/tmp/escaped.py",
        f"assignments/{NAME}/../../escaped.py",
        f"assignments/{NAME}/tests/../../../escaped.py",
        f"reference/{NAME}\\..\\..\\escaped.py",
        f"assignments/{NAME}/./tests/x.py",
        f"assignments/{NAME}//x.py",
        "assignments/01_calculus/tests/x.py",
        "escaped.py",
        f"assignments/{NAME}",
        "",
    ],
)
def test_a_name_outside_the_assignment_is_refused_before_anything_is_written(tmp_path, classification, name):
    bundle = AssignmentBundle.build(classification, COURSE)
    hostile = dataclasses.replace(bundle, files=bundle.files + ((name, b"print('escaped')"),))
    with pytest.raises(GraderError, match="outside its assignment"):
        hostile.materialize(tmp_path / "a" / "b")
    assert list(tmp_path.iterdir()) == []


def test_a_bundle_naming_a_file_twice_or_an_odd_assignment_is_refused(tmp_path, classification):
    bundle = AssignmentBundle.build(classification, COURSE)
    twice = dataclasses.replace(bundle, files=bundle.files + (bundle.files[-1],))
    with pytest.raises(GraderError, match="twice"):
        twice.materialize(tmp_path / "b")
    for name in ("..", "a/b", ""):
        with pytest.raises(GraderError, match="plain folder name"):
            dataclasses.replace(bundle, name=name).materialize(tmp_path / "b")
    assert list(tmp_path.iterdir()) == []


def test_a_bundle_is_written_into_an_empty_folder_only(tmp_path, classification):
    (tmp_path / "stale.py").write_text("")
    with pytest.raises(GraderError, match="empty folder"):
        AssignmentBundle.build(classification, COURSE).materialize(tmp_path)


def test_hidden_inputs_are_never_drawn_under_another_secret(tmp_path, monkeypatch, classification):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    bundle = AssignmentBundle.build(classification, COURSE)
    without = dataclasses.replace(bundle, files=tuple(f for f in bundle.files if f[0] != SECRET_FILE))
    with pytest.raises(GraderError, match="course secret"):
        without.materialize(tmp_path / "b")


# --- executors


@dataclasses.dataclass
class CourseMovedAway:
    """Moves the course out of reach while `inner` grades, then puts it back.

    The main process checks the tests on the reference (the preflight) while
    the graders start; the course moves once that check is over, since it is
    the graders that must need nothing of it.
    """

    inner: Executor
    course: Path
    yielded: int = 0

    def run(self, bundle: AssignmentBundle, tasks: Sequence[Task], hidden: tuple[Path, ...] = ()) -> Generator[tuple[int, SubmissionResult | Failed], None, None]:
        away = self.course.with_name(self.course.name + "-away")
        for thread in threading.enumerate():
            if thread.name == "preflight":
                thread.join()
        self.course.rename(away)
        try:
            for outcome in self.inner.run(bundle, tasks, hidden):
                assert not self.course.exists()
                self.yielded += 1
                yield outcome
        finally:
            away.rename(self.course)

    def close(self) -> None:
        self.inner.close()


@dataclasses.dataclass
class InProcess:
    """An executor of the test's own: every task in turn, in this process, from the bundle alone."""

    graded: int = 0
    closed: bool = False

    def run(self, bundle: AssignmentBundle, tasks: Sequence[Task], hidden: tuple[Path, ...] = ()) -> Generator[tuple[int, SubmissionResult | Failed], None, None]:
        folder = Path(tempfile.mkdtemp(prefix="in-process-"))
        config, dirs, reference = bundle.materialize(folder / "bundle")
        launcher = choose_launcher("auto", (*hidden, folder))
        try:
            for index, task in enumerate(tasks):
                self.graded += 1
                try:
                    yield index, grade_task(config, dirs, reference, launcher, task)
                except Incomplete as exc:
                    yield index, Failed(str(exc))
        finally:
            launcher.close()
            shutil.rmtree(folder)

    def close(self) -> None:
        self.closed = True


@pytest.mark.slow
def test_the_default_run_grades_the_bundle_it_was_given(default_run):
    scores = _scores(default_run)
    assert sorted(scores) == ["ada", "bo", "cy"]
    changed = [t for t in scores["ada"] if t[2] == CHANGED_POINTS]
    assert len(changed) == 1 and changed[0][0].startswith("softmax: lecture example") and changed[0][3] == "passed"
    by_student = {r.student: r for r in default_run.results}
    assert by_student["ada"].score == by_student["ada"].max_score
    assert 0 < by_student["bo"].score < by_student["bo"].max_score
    assert by_student["cy"].score == 0


@pytest.mark.slow
def test_an_explicit_local_executor_grades_with_the_course_out_of_reach_as_the_default_does(
    course_copy, submissions, default_run, tmp_path, monkeypatch
):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    config = load_assignment(course_copy, NAME)
    executor = CourseMovedAway(LocalExecutor(jobs=1), course_copy)
    report = grade_class(config, course_copy, submissions, tmp_path / "out", executor=executor)
    assert executor.yielded == 3
    assert _scores(report) == _scores(default_run)
    assert (tmp_path / "out" / "gradebook.csv").read_text() == default_run.gradebook.read_text()
    assert list((tmp_path / "tmp").iterdir()) == []


@pytest.mark.slow
def test_any_executor_of_the_protocol_yields_the_same_gradebook(course_copy, submissions, default_run, tmp_path):
    config = load_assignment(course_copy, NAME)
    executor = InProcess()
    report = grade_class(config, course_copy, submissions, tmp_path / "out", executor=executor)
    assert executor.graded == 3
    assert _scores(report) == _scores(default_run)
    assert report.gradebook.read_text() == default_run.gradebook.read_text()
    assert (tmp_path / "out" / "ada" / "results.json").is_file()
    assert not executor.closed, "an executor passed in is its owner's to close"


def test_an_executor_brings_its_own_isolation_and_jobs(course_copy, submissions, tmp_path):
    config = load_assignment(course_copy, NAME)
    for extra in ({"isolation": "fork"}, {"jobs": 2}):
        with pytest.raises(UsageError, match="to the executor"):
            grade_class(config, course_copy, submissions, tmp_path / "out", executor=InProcess(), **extra)
    assert not (tmp_path / "out").exists()
