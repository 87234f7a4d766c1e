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
What a level does not promise is skipped with the reason; an attack that
gets through where the level promises otherwise is a strict xfail naming
the hole (`*_HOLE`), so that closing it turns the test red until the mark
goes.

An attacker that must start programs is gated by the static check, and a
gated test shows the gate's message instead of what the attack said: such
an attacker (`leaves`) reports through what it prints while loading, and the
runtime's limits are checked from outside, by what is still running, the
heartbeat files and the peak count of its children seen in /proc while the
class is graded.
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
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import COURSE, copy_course, run_cli
from hostile_sandbox_corpus import (
    BOMB,
    EXERCISES,
    HIDDEN,
    NETWORK,
    OWN_PROCESSES,
    PROCESS_COUNT,
    PROMISES,
    READ_ONLY,
    STATE,
    SandboxAttack,
    Scene,
    attacks,
)

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
STATE_PLACES = (Path("/dev/shm"), Path("/var/tmp"), Path("/run/lock"), Path("/dev/mqueue"), Path("/tmp"))
pytestmark = pytest.mark.slow


class Listener:
    """Whatever reaches the host by TCP, UDP, a Unix socket in its /tmp or an abstract socket."""

    def __init__(self, unix_path: Path, abstract_name: str) -> None:
        self.unix_path, self.abstract_name = unix_path, abstract_name
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
    return [place / scene.state_name for place in STATE_PLACES if (place / scene.state_name).exists()]


class PeakCount:
    """The most processes holding `needle` in their command line at once, sampled every 0.1 s from the host."""

    def __init__(self, needle: str) -> None:
        self.needle, self.peak = needle, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, len(_running((self.needle,))))

    def close(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def _leak_strings(scene: Scene) -> dict[str, str]:
    """Text that only a leak can bring into a result: the secret, the token, another student's canary,
    lines of the hidden tests and of the reference that no message quotes."""
    hidden = scene.course / "assignments" / ASSIGNMENT / "tests" / "hidden"
    strings = {
        "course secret": (scene.course / ".autograder-secret").read_text(encoding="ascii").strip(),
        "grader's token": scene.token,
        "another student's canary": scene.honest_canary,
        "a hidden test's helper": "def _valid_call_first(",
        "the reference's code": "log_sum_exp = row_max + torch.log(",
    }
    for path in sorted(hidden.glob("test_*.py")):
        strings[f"{path.name}'s docstring"] = path.read_text(encoding="utf-8").splitlines()[0].strip('"')
    return strings


@dataclass(frozen=True)
class Graded:
    """One graded class and everything observed on the host around it."""

    level: str
    scene: Scene
    run: subprocess.CompletedProcess[str]
    corpus: dict[str, SandboxAttack]
    results: dict[str, dict[str, Any]]
    feedback: dict[str, str]
    digests: tuple[str, str]
    home_written: bool
    leftovers: list[str]
    heartbeats_touched: list[Path]
    heartbeats_moved: list[Path]
    peak_children: int
    state_files: list[Path]
    connections: list[str]
    leaks: dict[str, str]

    @property
    def recorded(self) -> str:
        return str(next(iter(self.results.values()))["extra_data"]["isolation"]) if self.results else ""

    @property
    def level_name(self) -> str:
        return self.recorded.split(":")[0]

    @property
    def promises(self) -> frozenset[str]:
        return PROMISES.get(self.level_name, frozenset())


def _stage(root: Path, canary_dir: Path, listener: Listener, token: str) -> Scene:
    """The course, the submissions' folder, the output folder and the canaries, as the attacks will aim at them."""
    os.chmod(canary_dir, 0o1777)
    (canary_dir / "canary.txt").write_text("canary\n", encoding="utf-8")
    os.chmod(canary_dir / "canary.txt", 0o666)
    course = copy_course(root / "course", ASSIGNMENT, LIMITS)
    course_secret(course)  # made now, as a course in use has it, so that the grader writes nothing there
    scene = Scene(
        course=course,
        submissions=root / "submissions",
        out=root / "out",
        canary_dir=canary_dir,
        home=Path.home(),
        token=token,
        tcp_port=listener.tcp_port,
        udp_port=listener.udp_port,
        unix_socket=listener.unix_path,
        abstract_socket=listener.abstract_name,
        host_uid=os.getuid(),
        host_pid_namespace=os.readlink("/proc/self/ns/pid"),
        repository=COURSE,
    )
    scene.submissions.mkdir()
    scene.out.mkdir()
    (scene.out / scene.out_canary).write_text("canary\n", encoding="utf-8")
    (scene.home / scene.home_canary).write_text("canary\n", encoding="utf-8")
    for heartbeat in scene.heartbeats:
        heartbeat.write_text("canary\n", encoding="utf-8")
        os.chmod(heartbeat, 0o666)
    return scene


def _grade(root: Path, level: str) -> Graded:
    token = secrets.token_hex(16)
    canary_dir = Path(tempfile.mkdtemp(prefix="sandbox-canary-", dir="/tmp"))
    listener = Listener(canary_dir / "listener.sock", f"sandbox-listener-{token}")
    try:
        scene = _stage(root, canary_dir, listener, token)
        corpus = {a.name: a for a in attacks(scene)}
        for attack in corpus.values():
            attack.write(scene.submissions)
        reference = (scene.course / "reference" / ASSIGNMENT / "classification.py").read_text(encoding="utf-8")
        (scene.submissions / "honest.py").write_text(f"{reference}\n# {scene.honest_canary}\n", encoding="utf-8")
        roots = (scene.course, scene.submissions, canary_dir)
        before, staged = _tree_digest(*roots), {path: path.stat().st_mtime_ns for path in scene.heartbeats}
        arguments = ["grade", ASSIGNMENT, str(scene.submissions), "--out", str(scene.out), "--course", str(scene.course), "--jobs", "2", "--quiet"]
        children = PeakCount(f"sleep {scene.sleep_seconds}")
        try:
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("SANDBOX_TOKEN", token)
                run = run_cli(*arguments, *(["--isolation", "fork"] if level == "fork" else []))
        finally:
            peak_children = children.close()
        markers = (scene.marker, f"sleep {scene.sleep_seconds}")
        beats = {path: path.stat().st_mtime_ns for path in scene.heartbeats}
        heartbeats_touched = [path for path, mtime in beats.items() if staged[path] != mtime]
        leftovers = _running(markers)
        time.sleep(0.5)
        leftovers += _running(markers)
        heartbeats_moved = [path for path, mtime in beats.items() if path.stat().st_mtime_ns != mtime]
        digests = (before, _tree_digest(*roots))
        home_written = (scene.home / f".{scene.marker}").exists()
        state_files = _state_files(scene)
    finally:
        listener.close()
        _clean_host(canary_dir, token)
    results, feedback = {}, {}
    for path in scene.out.glob("*/results.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        name = Path(data["extra_data"]["graded_file"]).stem
        results[name] = data
        feedback[name] = (path.parent / "feedback.md").read_text(encoding="utf-8")
    return Graded(
        level, scene, run, corpus, results, feedback, digests, home_written, leftovers, heartbeats_touched, heartbeats_moved, peak_children,
        state_files, list(listener.events), _leak_strings(scene),
    )


def _clean_host(canary_dir: Path, token: str) -> None:
    """Remove the canaries, and whatever the attacks managed to leave on the host."""
    shutil.rmtree(canary_dir, ignore_errors=True)
    for place in (*STATE_PLACES, Path.home()):
        for pattern in (f"sandbox-state-{token}", f".sandbox-marker-{token}", f".sandbox-home-canary-{token}", f".sandbox-heartbeat-{token}"):
            (place / pattern).unlink(missing_ok=True)


@pytest.fixture(scope="module", params=["default", "fork"])
def graded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Graded:
    if request.param == "default" and not bubblewrap_available():
        pytest.skip("bwrap is not installed: the default level here is not bubblewrap, so its promises cannot be checked")
    return _grade(tmp_path_factory.mktemp(f"sandbox-{request.param}"), request.param)


def _scores(result: dict[str, Any]) -> dict[str, tuple[float, float]]:
    return {e: (v["score"], v["max_score"]) for e, v in result["extra_data"]["exercises"].items()}


def _outputs(result: dict[str, Any], exercise: str) -> str:
    return "\n".join(t["output"] for t in result["tests"] if t["name"].startswith(f"{exercise}:"))


PRINTED = "## What your code printed (last part)"


def _printed(feedback: str) -> str:
    """What the student's code printed while it loaded and during the public tests, as feedback.md shows it."""
    return feedback.split(PRINTED, 1)[1] if PRINTED in feedback else ""


def _evidence(graded: Graded, name: str, exercise: str) -> str:
    result = graded.results[name]
    if exercise == "load":
        return str(result["output"])
    if exercise == "printed":
        return _printed(graded.feedback[name])
    return _outputs(result, exercise)


def _public_titles() -> set[str]:
    public = COURSE / "assignments" / ASSIGNMENT / "tests" / "public" / "test_classification.py"
    return {f"{e}: {t}" for e, t in re.findall(r'@graded\("(\w+)", "([^"]+)"\)', public.read_text(encoding="utf-8"))}


def test_the_batch_completes_with_a_result_for_everyone(graded: Graded) -> None:
    assert graded.run.returncode == 0, graded.run.stderr[-3000:]
    assert set(graded.results) == {*graded.corpus, "honest"}


def test_every_result_records_the_level_in_force(graded: Graded) -> None:
    assert {r["extra_data"]["isolation"] for r in graded.results.values()} == {graded.recorded}
    assert graded.level_name in PROMISES, graded.recorded
    if graded.level == "default":
        assert graded.level_name == "bubblewrap"
    else:
        assert graded.level_name != "bubblewrap", "--isolation fork must not claim bubblewrap"
    assert f"Isolation: {graded.recorded}" in graded.run.stdout


def test_the_honest_student_gets_full_marks(graded: Graded) -> None:
    for exercise, (score, max_score) in _scores(graded.results["honest"]).items():
        assert score == max_score > 0, f"{exercise}: {score}/{max_score}"


ATTACKED = [(name, e) for name in ("snoops", "escapes", "misbehaves") for e in EXERCISES] + [("hogs", "softmax"), ("hogs", "cross_entropy")]


@pytest.mark.parametrize(("name", "exercise"), ATTACKED, ids=[f"{n}-{e}" for n, e in ATTACKED])
def test_an_attack_earns_nothing(graded: Graded, name: str, exercise: str) -> None:
    if name not in graded.corpus:
        pytest.skip(f"not graded at {graded.level_name}: what it attacks is expected to be reachable there")
    unpromised = [g for g in graded.corpus[name].guards[exercise] if g not in graded.promises]
    if unpromised:
        pytest.skip(f"{graded.level_name} does not promise {unpromised}: this attack is expected to get through")
    score, max_score = _scores(graded.results[name])[exercise]
    assert score == 0, f"{name} earned {score}/{max_score} on {exercise} through its attack"


def test_every_attack_ran(graded: Graded) -> None:
    """An attack that broke before it tried anything would pass every other test here."""
    for name, attack in graded.corpus.items():
        for exercise, patterns in attack.ran.items():
            if not set(attack.guards.get(exercise, ())) <= graded.promises:
                continue
            text = _evidence(graded, name, exercise)
            missing = [p for p in patterns if not re.search(p, text)]
            assert not missing, f"{name} {exercise}: {missing} not in {text[:3000]}"


def test_only_code_that_starts_programs_is_gated(graded: Graded) -> None:
    """A gated attacker earns nothing and every test of it says why; every other attacker's tests ran, so
    what they earn is what their attacks earned."""
    for name, result in graded.results.items():
        tests = [t for t in result["tests"] if t["status"] != "skipped"]
        gated = [t for t in tests if "was not graded, because of:" in t["output"]]
        attack = graded.corpus.get(name)
        if attack is None or not attack.gated:
            assert gated == [], f"{name} is gated: {gated[0]['output'][:2000]}"
            continue
        assert all(score == 0 for score, _ in _scores(result).values()), _scores(result)
        assert {t["name"].split(":")[0] for t in gated} == set(EXERCISES)
        assert all(t["score"] == 0 for t in tests if t["max_score"] > 0)
        shown = "\n".join(t["output"] for t in gated)
        assert all(f"`{api}`" in shown for api in attack.gated), shown[:2000]


def test_a_call_that_hangs_costs_only_its_own_test(graded: Graded) -> None:
    tests = [t for t in graded.results["hogs"]["tests"] if t["name"].startswith("accuracy:")]
    failed = [t for t in tests if t["status"] == "failed"]
    assert [t["name"] for t in failed] == ["accuracy: raw scores with class-index targets, N=7"], failed
    assert f"did not finish within {CALL_TIMEOUT_S} s" in failed[0]["output"]
    assert all(t["status"] in ("passed", "skipped") for t in tests if t not in failed)
    score, max_score = _scores(graded.results["hogs"])["accuracy"]
    assert score == max_score - graded.corpus["hogs"].hangs["accuracy"]


def test_results_are_the_graders_own(graded: Graded) -> None:
    """Printed and written fake results, exits with status 0 and interrupts change no score."""
    max_scores = {r["max_score"] for r in graded.results.values()}
    assert len(max_scores) == 1
    for name, result in graded.results.items():
        assert result["score"] == pytest.approx(sum(t["score"] for t in result["tests"])), name
        assert not any(t["name"].endswith(": all") for t in result["tests"]), name
    assert graded.results["misbehaves"]["score"] == 0


def test_output_floods_stay_out_of_the_results(graded: Graded) -> None:
    for name in ("hogs", "misbehaves"):
        assert len(json.dumps(graded.results[name])) < 300_000
        assert len(graded.feedback[name]) < 300_000
    assert "[your code printed more than" in graded.feedback["misbehaves"]


def test_process_count_is_limited_where_promised(graded: Graded) -> None:
    """The fork bomb is gated, and runs while its file loads: its own count and the peak seen in /proc agree."""
    if PROCESS_COUNT not in graded.promises:
        pytest.skip(f"{graded.level_name} does not limit the number of processes")
    report = re.search(rf"uid (\d+); .*children: (\d+) of {BOMB}", _printed(graded.feedback["leaves"]))
    assert report, _printed(graded.feedback["leaves"])[-2000:]
    children = int(report[2])
    assert children < WORKER_PROCESSES, report[0]
    assert 0 < graded.peak_children < WORKER_PROCESSES, f"{graded.peak_children} children seen at once"


def test_nothing_leaks_into_the_results(graded: Graded) -> None:
    if HIDDEN not in graded.promises:
        pytest.skip(f"{graded.level_name} does not hide the course: a submission may read and print it")
    public = _public_titles()
    for name, result in graded.results.items():
        if name == "honest":
            continue
        text = json.dumps(result) + graded.feedback[name]
        leaked = [what for what, needle in graded.leaks.items() if needle in text]
        assert not leaked, f"{name}'s results show {leaked}"
        hidden = [t for t in result["tests"] if t["name"] not in public and t["status"] == "failed"]
        assert hidden and not any("expected:" in t["output"] for t in hidden), name
    assert "STOLEN" not in graded.feedback["snoops"]


def test_files_outside_the_sandbox_are_unchanged(graded: Graded) -> None:
    if READ_ONLY not in graded.promises:
        pytest.skip(f"{graded.level_name} does not promise a read-only filesystem")
    before, after = graded.digests
    assert before == after, "the course, the submissions or the canary folder in the host's /tmp changed"
    assert not graded.home_written
    out = graded.scene.out
    assert {p.name for p in out.iterdir()} == {*graded.corpus, "honest", "gradebook.csv", graded.scene.out_canary}
    for folder in out.iterdir():
        if folder.is_dir():
            assert {p.name for p in folder.iterdir()} == {"results.json", "feedback.md"}


def test_no_connection_reaches_the_host(graded: Graded) -> None:
    if NETWORK not in graded.promises:
        pytest.skip(f"{graded.level_name} does not promise a network of its own")
    assert graded.connections == []


def test_a_worker_cannot_write_into_other_processes(graded: Graded) -> None:
    """Not even the memory of its namespace's relay, which lives outside the namespace with the worker's uid."""
    if OWN_PROCESSES not in graded.promises:
        pytest.skip(f"{graded.level_name} does not give a worker a PID namespace of its own")
    counts = [int(n) for n in re.findall(r"memory of (\d+) other processes writable", _outputs(graded.results["misbehaves"], "accuracy"))]
    assert counts and max(counts) == 0, counts


def test_nothing_started_by_a_submission_keeps_running(graded: Graded) -> None:
    """The daemons (in sessions of their own, double-forked, ignoring hangups) end with their worker.

    Where the filesystem is not read-only, a worker that kept the grader's uid 0 may write the host's home:
    there its daemons touch the heartbeat in it while they run, which shows that a daemon still running
    would be seen."""
    assert graded.leftovers == []
    assert graded.heartbeats_moved == []
    report = re.search(r"uid (\d+); 2 daemons started", _printed(graded.feedback["leaves"]))
    assert report, _printed(graded.feedback["leaves"])[-2000:]
    if report[1] == "0" and READ_ONLY not in graded.promises:
        assert graded.scene.heartbeats[1] in graded.heartbeats_touched


def test_nothing_a_worker_writes_survives_it(graded: Graded) -> None:
    """Not in the host's world-writable folders either: each worker gets a private tmpfs on each."""
    if STATE not in graded.promises:
        pytest.skip(f"{graded.level_name} does not promise a private temp folder")
    assert graded.state_files == []
