"""The course secret and the seeds of test inputs: what a hidden test draws is worth nothing to the next submission.

A hidden test's seed is derived from the secret, the submitted code and the
test's id, so the same submission always draws the same inputs, and any other
submission, or the same one under another secret, other inputs. A public test's
seed depends on its id alone: students draw what the grader draws.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import textwrap
from pathlib import Path

import pytest
import torch

from autograder.checks.devices import META
from autograder.config import load_assignment
from autograder.errors import UsageError
from autograder.grading.grade import grade_source, preflight, suite_dirs
from autograder.grading.secret import (
    SECRET_ENV,
    PREFLIGHT_DIGEST,
    SECRET_FILE,
    Seeds,
    course_secret,
    hidden_seed,
    public_seed,
    submission_digest,
)
from autograder.grading.session import TestDir, load_reference, run_tests
from autograder.intake.discover import read_entry
from autograder.intake.source import Chunk, ModuleFile, SubmissionSource
from autograder.release.build import release
from autograder.runner.local import LocalSubmission

from conftest import COURSE, module_source

SECRETS = ("first course secret, long enough", "second course secret, long enough", "third course secret, long enough")
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv(SECRET_ENV, raising=False)


# The secret ----------------------------------------------------------------------


def test_the_secret_file_is_made_on_first_use_for_its_owner_only_and_then_kept(tmp_path, no_env):
    secret = course_secret(tmp_path)
    path = tmp_path / SECRET_FILE
    assert len(secret) == 32 and path.read_text() == secret.hex() + "\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert course_secret(tmp_path) == secret
    assert [p.name for p in tmp_path.iterdir()] == [SECRET_FILE]
    other = tmp_path / "other"
    other.mkdir()
    assert course_secret(other) != secret


def test_the_environment_variable_wins_and_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setenv(SECRET_ENV, SECRETS[0])
    assert course_secret(tmp_path) == SECRETS[0].encode()
    assert not (tmp_path / SECRET_FILE).exists()
    (tmp_path / SECRET_FILE).write_text("ab" * 32)
    assert course_secret(tmp_path) == SECRETS[0].encode()


def test_a_short_environment_secret_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.setenv(SECRET_ENV, "1234")
    with pytest.raises(UsageError, match=f"{SECRET_ENV} is set but shorter than 16 characters"):
        course_secret(tmp_path)


def test_an_existing_secret_file_is_read_as_it_is(tmp_path, no_env):
    (tmp_path / SECRET_FILE).write_text("0f" * 32 + "\n")
    assert course_secret(tmp_path) == bytes.fromhex("0f" * 32)


@pytest.mark.parametrize("text", ["", "not hex at all", "ab" * 31, "ab" * 33, "zz" * 32, "ab" * 16 + "\n" + "ab" * 16])
def test_a_malformed_secret_file_is_a_usage_error_and_is_left_alone(tmp_path, no_env, text):
    path = tmp_path / SECRET_FILE
    path.write_text(text)
    with pytest.raises(UsageError, match=f"{path} is not a course secret \\(64 hex digits\\)"):
        course_secret(tmp_path)
    assert path.read_text() == text


def test_a_secret_path_that_is_no_file_is_a_usage_error(tmp_path, no_env):
    (tmp_path / SECRET_FILE).mkdir()
    with pytest.raises(UsageError, match="cannot read the course secret"):
        course_secret(tmp_path)


def test_a_dangling_link_is_not_replaced_by_a_new_secret(tmp_path, no_env):
    (tmp_path / SECRET_FILE).symlink_to(tmp_path / "elsewhere")
    with pytest.raises(UsageError, match="cannot read the course secret"):
        course_secret(tmp_path)
    assert not (tmp_path / "elsewhere").exists()


@pytest.mark.skipif(AS_ROOT, reason="root reads and writes any file")
def test_an_unreadable_secret_file_is_a_usage_error(tmp_path, no_env):
    path = tmp_path / SECRET_FILE
    path.write_text("ab" * 32)
    path.chmod(0)
    try:
        with pytest.raises(UsageError, match=f"cannot read the course secret {path}"):
            course_secret(tmp_path)
    finally:
        path.chmod(0o600)


@pytest.mark.skipif(AS_ROOT, reason="root reads and writes any file")
def test_a_course_folder_that_cannot_hold_the_secret_is_a_usage_error(tmp_path, no_env):
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(UsageError, match=f"cannot create the course secret .*set {SECRET_ENV}"):
            course_secret(tmp_path)
    finally:
        tmp_path.chmod(0o700)


def test_the_student_release_holds_no_secret(tmp_path, no_env):
    course = tmp_path / "course"
    shutil.copytree(COURSE / "assignments" / "02_classification", course / "assignments" / "02_classification")
    secret = course_secret(course).hex()
    for folder in (course / "assignments" / "02_classification", course / "assignments" / "02_classification" / "tests"):
        shutil.copy(course / SECRET_FILE, folder / SECRET_FILE)
    written = release(course, [])
    released = [p for tree in ("student_template", "reference") for p in (course / tree).rglob("*") if p.is_file()]
    assert written and released
    assert [p for p in released if SECRET_FILE in p.name] == []
    assert [p for p in released if secret in p.read_text(errors="replace")] == []


def test_workers_never_see_the_secret_in_their_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(SECRET_ENV, SECRETS[0])
    config = _fixture_assignment(tmp_path, monkeypatch)
    code = "import os\nprint('secret:', os.environ.get('AUTOGRADER_SECRET'))\n" + STUDENT
    result = grade_source(config, module_source(code, "m.py"), suite_dirs(config, True), None, device=META)
    assert "secret: None" in result.output and SECRETS[0] not in result.output


# The derivation ------------------------------------------------------------------


def _source(code: str, student: str = "alice", origin: str = "alice.py") -> SubmissionSource:
    return SubmissionSource(student, origin, "module", (Chunk("m.py", "m.py", code),))


def test_the_digest_is_the_code_whoever_submits_it_and_however():
    code = "def f(x):\n    return 2 * x\n"
    assert submission_digest(_source(code)) == submission_digest(_source(code, "bob", "bob.zip"))
    assert submission_digest(_source(code)) != submission_digest(_source(code.replace("2", "3")))
    assert submission_digest(_source(code)) != submission_digest(_source(code + " "))


def test_the_digest_sees_every_part_and_where_one_ends():
    one = SubmissionSource("a", "a.ipynb", "notebook", (Chunk("cell 1", "cell 1", "x = 1\ny = 2\n"),))
    two = SubmissionSource("a", "a.ipynb", "notebook", (Chunk("cell 1", "cell 1", "x = 1\n"), Chunk("cell 1", "cell 1", "y = 2\n")))
    helper = ModuleFile("helpers", "helpers.py", "K = 1\n", False)
    with_helper = SubmissionSource("a", "a", "module", one.chunks, (helper,))
    other_helper = SubmissionSource("a", "a", "module", one.chunks, (ModuleFile("helpers", "helpers.py", "K = 2\n", False),))
    digests = [submission_digest(s) for s in (one, two, with_helper, other_helper)]
    assert len(set(digests)) == 4


def test_a_hidden_seed_changes_with_the_secret_the_submission_and_the_test():
    seed = hidden_seed(b"secret", "digest", "tests/hidden/test_a.py::test_b")
    assert seed == hidden_seed(b"secret", "digest", "tests/hidden/test_a.py::test_b")
    others = {
        hidden_seed(b"secret2", "digest", "tests/hidden/test_a.py::test_b"),
        hidden_seed(b"secret", "digest2", "tests/hidden/test_a.py::test_b"),
        hidden_seed(b"secret", "digest", "tests/hidden/test_a.py::test_b[1]"),
    }
    assert seed not in others and len(others) == 3
    assert all(0 <= s < 2**63 for s in others | {seed})


def test_a_public_seed_is_the_documented_hash_of_the_test_id_alone():
    key = "tests/public/test_softmax.py::test_rows[shape0]"
    assert public_seed(key) == int.from_bytes(hashlib.sha256(b"autograder public test\n" + key.encode()).digest()[:8], "big") >> 1
    assert {Seeds(s.encode(), d).seed(key, hidden=False) for s in SECRETS for d in ("a", "b")} == {public_seed(key)}
    assert Seeds().seed(key, hidden=False) == public_seed(key)


def test_a_hidden_seed_without_a_secret_is_a_usage_error():
    with pytest.raises(UsageError, match="no course secret"):
        Seeds().seed("tests/hidden/test_a.py::test_b", hidden=True)
    assert "very secret" not in repr(Seeds(b"very secret bytes", "digest"))


# The fixtures, in a small assignment whose tests log what they drew ----------------

CONFIG = 'module = "m"\n[exercises.f]\n'
DRAWS = '''
import os

import pytest
import torch

from autograder.testing import check, graded


@graded("f", "@KIND@ test doubles random x, case {case}", points=1)
@pytest.mark.parametrize("case", [1, 2])
def test_doubles(submission, seed, rng, case):
    x = torch.randn(3, generator=rng, dtype=torch.float64)
    with open(os.environ["DRAWS_LOG"], "a") as log:
        log.write(f"@KIND@ {case} {seed} {x.tolist()}\\n")
    check.close(submission.f(x), 2 * x, what="f(x)", rtol=0, atol=1e-12)
'''
STUDENT = "def f(x):\n    return 2 * x\n"


def _fixture_assignment(root: Path, monkeypatch) -> object:
    """course/assignments/99_draws: one public and one hidden test file whose tests log their seeds and inputs."""
    folder = root / "course" / "assignments" / "99_draws"
    for kind in ("public", "hidden"):
        (folder / "tests" / kind).mkdir(parents=True, exist_ok=True)
        (folder / "tests" / kind / "test_draws.py").write_text(textwrap.dedent(DRAWS).replace("@KIND@", kind))
    (folder / "assignment.toml").write_text(CONFIG)
    monkeypatch.setenv("DRAWS_LOG", str(root / "draws.log"))
    return load_assignment(root / "course", "99_draws")


def _draws(root: Path, submission: object, config, seeds: Seeds) -> dict[tuple[str, str], tuple[int, str]]:
    """What each test drew in one run: (kind, case) -> (seed, x)."""
    log = root / "draws.log"
    log.unlink(missing_ok=True)
    results = run_tests(config, submission, suite_dirs(config, True), seeds=seeds)
    assert all(r.passed for r in results) and len(results) == 4
    lines = [line.split(" ", 3) for line in log.read_text().splitlines()]
    return {(kind, case): (int(seed), x) for kind, case, seed, x in lines}


def test_hidden_draws_follow_the_secret_and_the_submission_public_draws_neither(tmp_path, monkeypatch):
    config = _fixture_assignment(tmp_path, monkeypatch)
    submission = LocalSubmission({"f": lambda x: 2 * x}, "m")
    digest = submission_digest(_source(STUDENT))
    runs = {(s, d): _draws(tmp_path, submission, config, Seeds(s.encode(), d)) for s in SECRETS for d in (digest, "another submission")}
    assert _draws(tmp_path, submission, config, Seeds(SECRETS[0].encode(), digest)) == runs[SECRETS[0], digest]
    for case in ("1", "2"):
        public = {run[("public", case)] for run in runs.values()}
        hidden = [run[("hidden", case)] for run in runs.values()]
        assert len(public) == 1 and len(set(hidden)) == len(runs)
        assert len({x for _, x in hidden}) == len(runs)
    key = "tests/public/test_draws.py::test_doubles[1]"
    seed, x = runs[SECRETS[0], digest][("public", "1")]
    assert seed == public_seed(key)
    assert x == str(torch.randn(3, generator=torch.Generator().manual_seed(public_seed(key)), dtype=torch.float64).tolist())
    assert runs[SECRETS[0], digest][("hidden", "1")][0] == hidden_seed(SECRETS[0].encode(), digest, "tests/hidden/test_draws.py::test_doubles[1]")


def test_public_draws_do_not_depend_on_where_the_tests_live(tmp_path, monkeypatch):
    config = _fixture_assignment(tmp_path / "here", monkeypatch)
    moved = tmp_path / "there" / "students" / "copy"
    shutil.copytree(config.root, moved)
    public = [TestDir(config.public_tests, hidden=False)]
    submission = LocalSubmission({"f": lambda x: 2 * x}, "m")
    log = tmp_path / "here" / "draws.log"
    run_tests(config, submission, public)
    run_tests(load_assignment(tmp_path, str(moved)), submission, [TestDir(moved / "tests" / "public", hidden=False)])
    first, second = log.read_text().splitlines()[:2], log.read_text().splitlines()[2:]
    assert first == second and len(first) == 2


def test_a_hidden_test_that_asks_for_a_seed_without_a_secret_is_the_instructors_error(tmp_path, monkeypatch):
    config = _fixture_assignment(tmp_path, monkeypatch)
    with pytest.raises(UsageError, match="no course secret"):
        run_tests(config, LocalSubmission({"f": lambda x: 2 * x}, "m"), suite_dirs(config, True))


def test_grading_makes_the_secret_on_first_use_and_a_public_check_needs_none(tmp_path, monkeypatch, no_env):
    config = _fixture_assignment(tmp_path, monkeypatch)
    course = tmp_path / "course"
    public = grade_source(config, module_source(STUDENT, "m.py"), suite_dirs(config, False), None, device=META)
    assert public.score == public.max_score == 2 and not (course / SECRET_FILE).exists()
    graded = grade_source(config, module_source(STUDENT, "m.py"), suite_dirs(config, True), None, device=META)
    assert graded.score == graded.max_score == 4 and (course / SECRET_FILE).is_file()


def test_the_same_submission_draws_the_same_hidden_inputs_and_a_byte_more_or_another_secret_other_ones(tmp_path, monkeypatch):
    monkeypatch.setenv(SECRET_ENV, SECRETS[0])
    config = _fixture_assignment(tmp_path, monkeypatch)
    log = tmp_path / "draws.log"

    def hidden_draws(code: str) -> list[str]:
        log.unlink(missing_ok=True)
        result = grade_source(config, module_source(code, "m.py"), suite_dirs(config, True), None, device=META)
        assert result.score == result.max_score == 4
        return [line for line in log.read_text().splitlines() if line.startswith("hidden")]

    first = hidden_draws(STUDENT)
    assert len(first) == 2 and hidden_draws(STUDENT) == first
    assert set(hidden_draws(STUDENT + "\n")).isdisjoint(first)
    monkeypatch.setenv(SECRET_ENV, SECRETS[1])
    assert set(hidden_draws(STUDENT)).isdisjoint(first)


def test_preflight_draws_under_its_own_fixed_digest(tmp_path, monkeypatch):
    monkeypatch.setenv(SECRET_ENV, SECRETS[0])
    config = _fixture_assignment(tmp_path, monkeypatch)
    reference = tmp_path / "m.py"
    reference.write_text(STUDENT)
    preflight(config, suite_dirs(config, True), load_reference(reference))
    drawn = [line.split(" ", 3) for line in (tmp_path / "draws.log").read_text().splitlines() if line.startswith("hidden")]
    key = "tests/hidden/test_draws.py::test_doubles[{}]"
    assert [(case, int(seed)) for _, case, seed, _ in drawn] == [(c, hidden_seed(SECRETS[0].encode(), PREFLIGHT_DIGEST, key.format(c))) for c in "12"]


# A real assignment under several secrets -----------------------------------------


@pytest.mark.parametrize("sample", ["correct_module", "backward_without_mean_factor"])
def test_grades_do_not_depend_on_the_secret(monkeypatch, sample):
    """Correct work earns every point under every secret, and a mistake loses points on the same exercises."""
    config = load_assignment(COURSE, "01_calculus")
    reference = load_reference(COURSE / "reference" / config.name / config.module_file)
    source = read_entry(config.samples_dir / config.samples[sample].file, config.module, config.exercise_names)
    scores = []
    for secret in SECRETS:
        monkeypatch.setenv(SECRET_ENV, secret)
        result = grade_source(config, source, suite_dirs(config, True), reference, device=META)
        scores.append({e.exercise: (e.score, e.max_score) for e in result.by_exercise()})
    losing = [sorted(e for e, (got, full) in s.items() if got < full) for s in scores]
    assert losing == [sorted(config.samples[sample].loses)] * len(SECRETS), scores
    if not config.samples[sample].loses:
        assert scores[0] == scores[1] == scores[2]
