"""Student code cannot get out of its worker: a class of sandbox attacks graded through the real CLI.

The corpus (`hostile_sandbox_corpus`) is graded beside an honest student
(the reference solution, with a canary line) at the default level, which
is bubblewrap where `bwrap` is installed, and at the fallback
`--isolation fork`. Around each run the test sets up the targets: a copy
of the course with small limits, a canary folder in the host's /tmp, a
token in the grader's environment, and a listener on TCP, UDP, a Unix
socket and an abstract socket. Afterwards it checks, for what the level
recorded in the results promises (`PROMISES`), that no attack earned a
point, nothing leaked into the results, the canaries are unchanged, no
connection arrived and nothing the submissions started is still running.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import select
import shutil
import socket
import stat
import sys
import sysconfig
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import COURSE, run_cli
from hostile_sandbox_corpus import EXERCISES, PROCESS_COUNT, PROMISES, READ_ONLY, STATE, NETWORK, HIDDEN, SandboxAttack, Scene, attacks

from autograder.grading.secret import course_secret
from autograder.runner.launchers import bubblewrap_available

ASSIGNMENT = "02_classification"
WORKER_PROCESSES = 32
CALL_TIMEOUT_S = 3
LIMITS = f"""[limits]
call_timeout_s = {CALL_TIMEOUT_S}
load_timeout_s = 8
submission_timeout_s = 150
worker_memory_bytes = {2**30}
worker_processes = {WORKER_PROCESSES}
worker_file_bytes = {16 * 2**20}
worker_tmp_bytes = {32 * 2**20}
"""
FORK_LEVEL_CLASS = ("escapes", "misbehaves", "hogs")
"""At `--isolation fork` the filesystem is readable and, where permissions allow, writable: the
attacks on hidden files and on files outside the temp folder are expected to reach their targets
there, so they are not graded at that level (nothing it promises would be checked)."""
STATE_PLACES = (Path("/dev/shm"), Path("/var/tmp"), Path("/run/lock"), Path("/tmp"))
SHARED_STATE_HOLE = (
    "at the namespaces level a worker writes the host's world-writable /dev/shm, /var/tmp and /run/lock, "
    "and the next worker reads what it left there: only /tmp is private"
)

pytestmark = pytest.mark.slow


def _course(root: Path) -> Path:
    """A copy of the course whose assignment has small limits, so that hanging and hogging attacks cost little."""
    course = root / "course"
    shutil.copytree(COURSE / "assignments" / ASSIGNMENT, course / "assignments" / ASSIGNMENT, ignore=shutil.ignore_patterns("samples"))
    shutil.copytree(COURSE / "reference" / ASSIGNMENT, course / "reference" / ASSIGNMENT)
    config = course / "assignments" / ASSIGNMENT / "assignment.toml"
    text = config.read_text(encoding="utf-8")
    text = re.sub(r"\[limits\][^\[]*", LIMITS + "\n", text)
    text = re.sub(r"\n\[samples\.[\s\S]*", "\n", text)
    config.write_text(text, encoding="utf-8")
    course_secret(course)
    return course


class Listener:
    """Whatever reaches the host by TCP, UDP, a Unix socket in its /tmp or an abstract socket."""

    def __init__(self, unix_path: Path, abstract_name: str) -> None:
        self.events: list[str] = []
        self._stop = threading.Event()
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(16)
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind(str(unix_path))
        os.chmod(unix_path, 0o777)
        self.unix.listen(16)
        self.abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.abstract.bind("\0" + abstract_name)
        self.abstract.listen(16)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        streams = {self.tcp: "tcp", self.unix: "unix socket", self.abstract: "abstract socket"}
        while not self._stop.is_set():
            ready, _, _ = select.select([*streams, self.udp], [], [], 0.1)
            for sock in ready:
                if sock is self.udp:
                    data, _ = self.udp.recvfrom(4096)
                    self.events.append(f"udp: {data[:60]!r}")
                else:
                    connection, _ = sock.accept()
                    connection.close()
                    self.events.append(streams[sock])

    @property
    def tcp_port(self) -> int:
        return int(self.tcp.getsockname()[1])

    @property
    def udp_port(self) -> int:
        return int(self.udp.getsockname()[1])

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        for sock in (self.tcp, self.udp, self.unix, self.abstract):
            sock.close()


def _tree_digest(*roots: Path) -> str:
    """Names, modes and contents of everything under `roots`: any change made by a student shows."""
    digest = hashlib.sha256()
    for root in roots:
        for folder, dirs, files in os.walk(root):
            dirs.sort()
            for name in sorted(dirs) + sorted(files):
                path = Path(folder) / name
                info = path.lstat()
                digest.update(f"{path.relative_to(root)}\0{stat.filemode(info.st_mode)}\0".encode())
                if stat.S_ISREG(info.st_mode):
                    digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _running(needles: tuple[str, ...]) -> list[str]:
    """Command lines of the processes, anywhere on the host, that hold one of `needles`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if any(needle in cmdline for needle in needles):
            found.append(f"{entry.name}: {cmdline[:200]}")
    return found


def _state_files(scene: Scene) -> list[Path]:
    return [place / scene.state_name for place in (*STATE_PLACES, scene.home) if (place / scene.state_name).exists()]


def _leak_strings(scene: Scene, course: Path, honest_canary: str) -> dict[str, str]:
    """Text that only a leak can bring into a result: the secret, the token, another student's canary,
    lines of the hidden tests and of the reference that no message quotes."""
    hidden = course / "assignments" / ASSIGNMENT / "tests" / "hidden"
    strings = {
        "course secret": (course / ".autograder-secret").read_text(encoding="ascii").strip(),
        "grader's token": scene.token,
        "another student's canary": honest_canary,
        "a hidden test's helper": "def _valid_call_first(",
        "the reference's code": "log_sum_exp = row_max + torch.log(",
    }
    for path in sorted(hidden.glob("test_*.py")):
        strings[f"{path.name}'s docstring"] = path.read_text(encoding="utf-8").splitlines()[0].strip('"')
    return strings


@dataclass
class Graded:
    """One graded class and everything observed around it."""

    level: str
    recorded: str
    scene: Scene
    course: Path
    run: object
    results: dict[str, dict]
    feedback: dict[str, str]
    corpus: dict[str, SandboxAttack]
    digests: tuple[str, str]
    home_canary: bool
    leftovers: list[str]
    heartbeat_moved: bool
    state_files: list[Path]
    connections: list[str]
    leaks: dict[str, str] = field(default_factory=dict)

    @property
    def promises(self) -> frozenset[str]:
        return PROMISES[self.recorded.split(":")[0]]


def _grade(root: Path, level: str) -> Graded:
    token = secrets.token_hex(16)
    course = _course(root)
    submissions = root / "submissions"
    submissions.mkdir()
    out = root / "out"
    canary_dir = Path(tempfile.mkdtemp(prefix="sandbox-canary-", dir="/tmp"))
    try:
        os.chmod(canary_dir, 0o1777)
        for name in ("canary.txt", "heartbeat"):
            (canary_dir / name).write_text("canary\n", encoding="utf-8")
            os.chmod(canary_dir / name, 0o666)
        listener = Listener(canary_dir / "listener.sock", f"sandbox-listener-{token}")
        scene = Scene(
            course=course,
            submissions=submissions,
            out=out,
            canary_dir=canary_dir,
            home=Path.home(),
            token=token,
            tcp_port=listener.tcp_port,
            udp_port=listener.udp_port,
            unix_socket=canary_dir / "listener.sock",
            abstract_socket=f"sandbox-listener-{token}",
            host_uid=os.getuid(),
            host_pid_namespace=os.readlink("/proc/self/ns/pid"),
            repository=COURSE,
        )
        out.mkdir()
        (out / scene.out_canary).write_text("canary\n", encoding="utf-8")
        (scene.home / scene.home_canary).write_text("canary\n", encoding="utf-8")
        corpus = {a.name: a for a in attacks(scene) if level != "fork" or a.name in FORK_LEVEL_CLASS}
        for attack in corpus.values():
            attack.write(submissions)
        honest_canary = f"honest-canary-{token}"
        reference = (course / "reference" / ASSIGNMENT / "classification.py").read_text(encoding="utf-8")
        (submissions / "honest.py").write_text(f"{reference}\n# {honest_canary}\n", encoding="utf-8")
        before = _tree_digest(course, submissions, canary_dir)
        heartbeat = (canary_dir / "heartbeat").stat().st_mtime_ns
        arguments = ["grade", ASSIGNMENT, str(submissions), "--out", str(out), "--course", str(course), "--jobs", "2", "--quiet"]
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("SANDBOX_TOKEN", token)
            run = run_cli(*arguments, *(["--isolation", "fork"] if level == "fork" else []))
        leftovers = _running((scene.marker, f"sleep {scene.sleep_seconds}"))
        time.sleep(0.5)
        leftovers += _running((scene.marker, f"sleep {scene.sleep_seconds}"))
        moved = (canary_dir / "heartbeat").stat().st_mtime_ns != heartbeat
        listener.close()
        after = _tree_digest(course, submissions, canary_dir)
        home_canary = (scene.home / f".{scene.marker}").exists()
        found_state = _state_files(scene)
    finally:
        _clean_host(canary_dir, token)
    results, feedback = {}, {}
    for path in out.glob("*/results.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        name = Path(data["extra_data"]["graded_file"]).stem
        results[name] = data
        feedback[name] = (path.parent / "feedback.md").read_text(encoding="utf-8")
    recorded = next(iter(results.values()))["extra_data"]["isolation"] if results else ""
    return Graded(
        level, recorded, scene, course, run, results, feedback, corpus, (before, after), home_canary,
        leftovers, moved, found_state, list(listener.events), _leak_strings(scene, course, honest_canary),
    )


def _clean_host(canary_dir: Path, token: str) -> None:
    """Remove the canaries, and whatever the attacks managed to leave on the host."""
    shutil.rmtree(canary_dir, ignore_errors=True)
    for place in (*STATE_PLACES, Path.home()):
        for pattern in (f"sandbox-state-{token}", f".sandbox-marker-{token}", f".sandbox-home-canary-{token}"):
            (place / pattern).unlink(missing_ok=True)


@pytest.fixture(scope="module", params=["default", "fork"])
def graded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Graded:
    if not bubblewrap_available():
        if request.param == "default":
            pytest.skip("bwrap is not installed: the default level here is not bubblewrap, so its promises cannot be checked")
    return _grade(tmp_path_factory.mktemp(f"sandbox-{request.param}"), request.param)


def _scores(result: dict) -> dict[str, tuple[float, float]]:
    return {e: (v["score"], v["max_score"]) for e, v in result["extra_data"]["exercises"].items()}


def _expect_hole(request: pytest.FixtureRequest, reason: str) -> None:
    request.applymarker(pytest.mark.xfail(reason=reason, strict=True))


def test_the_batch_completes_with_a_result_for_everyone(graded):
    assert graded.run.returncode == 0, graded.run.stderr[-3000:]
    assert set(graded.results) == {*graded.corpus, "honest"}


def test_every_result_records_the_level_in_force(graded):
    expected = "bubblewrap" if graded.level == "default" else None
    levels = {r["extra_data"]["isolation"] for r in graded.results.values()}
    assert levels == {graded.recorded}, levels
    name = graded.recorded.split(":")[0]
    assert name in PROMISES
    if expected:
        assert name == expected
    else:
        assert name != "bubblewrap", "--isolation fork must not claim bubblewrap"
    assert f"Isolation: {graded.recorded}" in graded.run.stdout


def test_the_honest_student_gets_full_marks(graded):
    for exercise, (score, max_score) in _scores(graded.results["honest"]).items():
        assert score == max_score > 0, f"{exercise}: {score}/{max_score}"


PATCHED_DISPATCH_HOLE = (
    "a module the submission writes at run time and imports by name is never read by the static check, and it "
    "disables the worker's dispatch record (OpRecord) through gc: softmax built on torch.softmax earns full points"
)
ATTACKED = [("snoops", e) for e in EXERCISES] + [("escapes", e) for e in EXERCISES] + [("misbehaves", e) for e in EXERCISES]
ATTACKED += [("hogs", "softmax"), ("hogs", "cross_entropy")]


@pytest.mark.parametrize(("name", "exercise"), ATTACKED, ids=[f"{n}-{e}" for n, e in ATTACKED])
def test_an_attack_earns_nothing(graded, name, exercise, request):
    if name not in graded.corpus:
        pytest.skip(f"not graded at {graded.recorded.split(':')[0]}: its files are expected to be reachable there")
    unpromised = [g for g in graded.corpus[name].guards[exercise] if g not in graded.promises]
    if unpromised:
        pytest.skip(f"{graded.recorded.split(':')[0]} does not promise {unpromised}: this attack is expected to get through")
    if (name, exercise) == ("escapes", "softmax"):
        _expect_hole(request, PATCHED_DISPATCH_HOLE)
    if (name, exercise) == ("escapes", "cross_entropy") and not graded.recorded.startswith("bubblewrap"):
        _expect_hole(request, SHARED_STATE_HOLE)
    score, max_score = _scores(graded.results[name])[exercise]
    assert score == 0, f"{name} earned {score}/{max_score} on {exercise} through its attack"


def test_a_call_that_hangs_costs_only_its_own_test(graded):
    tests = [t for t in graded.results["hogs"]["tests"] if t["name"].startswith("accuracy:")]
    failed = [t for t in tests if t["status"] == "failed"]
    assert [t["name"] for t in failed] == ["accuracy: raw scores with class-index targets, N=7"], failed
    assert f"did not finish within {CALL_TIMEOUT_S} s" in failed[0]["output"]
    assert all(t["status"] in ("passed", "skipped") for t in tests if t not in failed)
    score, max_score = _scores(graded.results["hogs"])["accuracy"]
    assert score == max_score - graded.corpus["hogs"].hangs["accuracy"]


def test_every_attack_ran(graded):
    """An attack that broke before it tried anything would pass every other test here."""
    for name, attack in graded.corpus.items():
        result = graded.results[name]
        for exercise, fragments in attack.ran.items():
            if not set(attack.guards.get(exercise, ())) <= graded.promises:
                continue
            if exercise == "load":
                text = result["output"]
            else:
                text = "\n".join(t["output"] for t in result["tests"] if t["name"].startswith(f"{exercise}:"))
            missing = [f for f in fragments if not re.search(f, text)]
            assert not missing, f"{name} {exercise}: {missing} not in {text[:3000]}"


def _children(graded: Graded) -> list[int]:
    """How many children the fork bomb started, as its attack reported in each worker."""
    outputs = "\n".join(t["output"] for t in graded.results["hogs"]["tests"] if t["name"].startswith("cross_entropy:"))
    return [int(n) for n in re.findall(r"children: (\d+) of 5000", outputs)]


def test_output_floods_stay_out_of_the_results(graded):
    for name in ("hogs", "misbehaves"):
        assert len(json.dumps(graded.results[name])) < 300_000
        assert len(graded.feedback[name]) < 300_000


def test_nothing_leaks_into_the_results(graded):
    if HIDDEN not in graded.promises:
        pytest.skip(f"{graded.recorded.split(':')[0]} does not hide the course: a submission may read and print it")
    for name, result in graded.results.items():
        if name == "honest":
            continue
        text = json.dumps(result) + graded.feedback[name]
        leaked = [what for what, needle in graded.leaks.items() if needle in text]
        assert not leaked, f"{name}'s results show {leaked}"
    assert "STOLEN" not in graded.feedback["snoops"]


def test_files_outside_the_sandbox_are_unchanged(graded):
    if READ_ONLY not in graded.promises:
        pytest.skip(f"{graded.recorded.split(':')[0]} does not promise a read-only filesystem")
    before, after = graded.digests
    assert before == after, "the course, the submissions or the canary folder in the host's /tmp changed"
    assert not graded.home_canary
    out = graded.scene.out
    assert {p.name for p in out.iterdir()} == {*graded.corpus, "honest", "gradebook.csv", graded.scene.out_canary}
    for folder in out.iterdir():
        if folder.is_dir():
            assert {p.name for p in folder.iterdir()} == {"results.json", "feedback.md"}
    for name, result in graded.results.items():
        assert result["score"] == pytest.approx(sum(t["score"] for t in result["tests"])), name


def test_no_connection_reaches_the_host(graded):
    if NETWORK not in graded.promises:
        pytest.skip(f"{graded.recorded.split(':')[0]} does not promise a network of its own")
    assert graded.connections == []


def test_nothing_started_by_a_submission_keeps_running(graded):
    assert graded.leftovers == []
    assert not graded.heartbeat_moved


def test_nothing_a_worker_writes_survives_it(graded, request):
    if STATE not in graded.promises:
        pytest.skip(f"{graded.recorded.split(':')[0]} does not promise a private temp folder")
    if not graded.recorded.startswith("bubblewrap"):
        _expect_hole(request, SHARED_STATE_HOLE)
    assert graded.state_files == []


def test_process_count_is_limited_where_promised(graded):
    if PROCESS_COUNT not in graded.promises:
        pytest.skip(f"{graded.recorded.split(':')[0]} does not limit the number of processes")
    children = _children(graded)
    assert children and max(children) < WORKER_PROCESSES, children
