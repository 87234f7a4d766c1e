"""What a freshly forked worker does to itself before it runs any student code.

In order, each step only where the machine allows it (the worker reports
which held, and the trusted side records that, not what was hoped for):

1. a user of its own: a grader that runs as root hands the worker an
   unprivileged uid, since the kernel exempts root from the process-count
   limit and lets it read every root-owned file;
2. namespaces of its own (user, mount, PID, IPC, network): the worker
   becomes process 1 of a PID namespace, so everything it starts (a
   `setsid` daemon too) dies with it and no grader process can even be
   named from inside, and its temp folder is a size-capped tmpfs that no
   other process sees;
3. resource limits: address space, CPU time, processes, file size, open
   files, no core files;
4. a lower priority than the graders', one intra-op thread for torch, a
   fresh seed, a private HOME and TMPDIR.
"""

from __future__ import annotations

import ctypes
import os
import platform
import resource
import signal
import sys
from dataclasses import dataclass
from typing import Any, NoReturn

from autograder_worker.imports import installed_roots

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38
TMP = "/tmp"
SHARED_WRITABLE = (TMP, "/var/tmp", "/dev/shm", "/run/lock", "/dev/mqueue")
"""Folders any user may write to on a usual Linux system."""
CAPSET = {"x86_64": 126, "aarch64": 91, "riscv64": 91, "ppc64le": 184, "s390x": 185}
CAPABILITY_VERSION_3 = 0x20080522
SYS_MOUNT_SETATTR = 442
AT_FDCWD = -100
AT_RECURSIVE = 0x8000
MOUNT_ATTR_RDONLY = 0x1
PR_CAPBSET_DROP = 24
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
NICENESS = 5
"""Student code yields the CPU to the graders, which must keep their own deadlines."""


@dataclass(frozen=True)
class Plan:
    """What the trusted side asks of one worker; plain data, sent as JSON."""

    uid: int | None
    namespaces: bool
    workdir: str
    tmp_bytes: int
    memory_bytes: int | None
    cpu_s: int
    processes: int
    file_bytes: int
    open_files: int
    env: dict[str, str]
    hidden: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, tree: dict[str, Any]) -> "Plan":
        return cls(**{**tree, "hidden": tuple(tree.get("hidden", ()))})


def _libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _write(path: str, text: str) -> None:
    with open(path, "w") as stream:
        stream.write(text)


def _drop_user(uid: int) -> None:
    """Become `uid`; dumpable again, since a changed uid makes /proc/self root's, and the
    namespace step must write its own uid map there; and set to die with the fork server
    again, since a change of uid clears that too."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    parent = os.getppid()
    libc = _libc()
    libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def _enter_namespaces() -> None:
    """Unshare, map this process's ids onto themselves, and fork twice: the first child is process 1
    of the new PID namespace, the second, its child, goes on to be the worker.

    Process 1 of a namespace is special: the kernel drops the signals it
    sends itself, and when it ends every process of the namespace ends; so
    it is a small relay, and the worker behaves as any process would
    (`os.kill(os.getpid(), ...)` works) while whatever it starts still dies
    with it. Process 1 hands the worker's wait status to the first process,
    outside the namespace, which ends exactly as the worker did (a signal
    is raised again on itself, which process 1 could not do), so the fork
    server sees the worker's own death. Neither relay is dumpable,
    so the worker, which shares their uid, cannot open their memory through
    /proc. The worker leads a session of its own, so that signalling its
    process group reaches nothing outside.
    """
    uid, gid = os.getuid(), os.getgid()
    libc = _libc()
    libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
    _check(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET), "unshare")
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{uid} {uid} 1")
    _write("/proc/self/gid_map", f"{gid} {gid} 1")
    status_in, status_out = os.pipe()
    first = os.fork()
    if first:
        status = 1 << 8
        try:
            os.close(status_out)
            libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
            status = _wait(first, status_in)
        finally:
            _end_as(status)
    os.close(status_in)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    worker = os.fork()
    if worker:
        try:
            libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
            os.write(status_out, _wait(worker, None).to_bytes(4, "little"))
        finally:
            os._exit(0)
    os.close(status_out)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    os.setsid()


def _wait(child: int, status_in: int | None) -> int:
    """The wait status to pass on: the child's, or the one it reports on `status_in` (its own child's)."""
    for ignored in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(ignored, signal.SIG_IGN)
    status = 1 << 8
    while True:
        try:
            _, status = os.waitpid(child, 0)
            break
        except ChildProcessError:
            break
        except InterruptedError:
            continue
    if status_in is not None:
        reported = os.read(status_in, 4)
        if len(reported) == 4:
            status = int.from_bytes(reported, "little")
    return status


def _end_as(status: int) -> NoReturn:
    """End this process the way a wait `status` says a process ended. Whatever fails here, the
    process still ends: a relay that went on would become a second worker on the same pipes."""
    try:
        if os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            if number not in (signal.SIGKILL, signal.SIGSTOP):
                signal.signal(number, signal.SIG_DFL)
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            os.kill(os.getpid(), number)
    finally:
        os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


def _read_only(path: str = "/") -> bool:
    """Make every mount at and below `path` read-only, in this worker's own mount namespace
    (mount_setattr, Linux 5.12 or newer): even a worker that kept the grader's uid writes nowhere else."""
    attributes = (ctypes.c_uint64 * 4)(MOUNT_ATTR_RDONLY, 0, 0, 0)
    return int(_libc().syscall(SYS_MOUNT_SETATTR, AT_FDCWD, path.encode(), AT_RECURSIVE, attributes, ctypes.sizeof(attributes))) == 0


def _cover(place: str, options: bytes, keep: tuple[str, ...]) -> None:
    """Mount a fresh tmpfs on `place`, and bind back, read-only, what of Python's installation
    lies below it (a checkout with its virtual environment in /tmp): held open by descriptor
    while the tmpfs covers its path."""
    libc = _libc()
    kept: list[str] = []
    for root in sorted(keep, key=len):
        if root.startswith(place + os.sep) and os.path.isdir(root) and not any(root.startswith(k + os.sep) for k in kept):
            kept.append(root)
    handles = [(root, os.open(root, os.O_PATH | os.O_DIRECTORY)) for root in kept]
    _check(libc.mount(b"tmpfs", place.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options), f"mount tmpfs {place}")
    for root, handle in handles:
        os.makedirs(root, exist_ok=True)
        _check(libc.mount(f"/proc/self/fd/{handle}".encode(), root.encode(), None, MS_BIND | MS_REC, None), f"keep {root}")
        _read_only(root)
        os.close(handle)


def _hide(path: str, keep: tuple[str, ...]) -> None:
    """Cover `path` with an empty read-only tmpfs (a file with /dev/null), or, where Python itself
    is installed below it (a virtual environment inside the course folder), each entry beside
    the way down to it."""
    libc = _libc()
    if not os.path.lexists(path) or os.path.islink(path):
        return
    inside = [root for root in keep if root == path or root.startswith(path + os.sep)]
    if not inside:
        if os.path.isdir(path):
            _check(libc.mount(b"tmpfs", path.encode(), b"tmpfs", MS_NOSUID | MS_NODEV | MS_RDONLY, b"size=4096,mode=0755"), f"hide {path}")
        elif os.path.isfile(path):
            _check(libc.mount(b"/dev/null", path.encode(), None, MS_BIND, None), f"hide {path}")
        return
    if path in inside or not os.path.isdir(path):
        return
    for entry in os.listdir(path):
        _hide(os.path.join(path, entry), keep)


def _private_tmp(size: int, hidden: tuple[str, ...]) -> dict[str, bool]:
    """A fresh tmpfs on every place any user may write (what one worker leaves there, the next
    never sees) and on every `hidden` folder, over a read-only view of the rest, and a /proc
    that shows this worker's PID namespace only, where the kernel allows a new one (not below
    a /proc with parts covered, as bubblewrap's is); returns which of these held."""
    libc = _libc()
    _check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")
    read_only = _read_only()
    keep = installed_roots()
    for place in hidden:
        _hide(os.path.realpath(place), keep)
    own_proc = libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None) == 0
    options = f"size={size},mode=0700".encode()
    for place in SHARED_WRITABLE:
        if place == TMP or os.path.isdir(place) and not os.path.islink(place):
            _cover(place, options, keep)
    return {"read_only": read_only, "own_proc": own_proc}


def _drop_capabilities() -> bool:
    """Give up the capabilities that creating the user namespace gave, once the mounts are made:
    without them, no process of another namespace can be traced or have its memory opened,
    even one with this worker's uid. Needs the capset system call's number for this machine."""
    number = CAPSET.get(platform.machine())
    if number is None:
        return False
    libc = _libc()
    libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    for capability in range(64):
        libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)
    header = (ctypes.c_uint32 * 2)(CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()
    return int(libc.syscall(number, header, data)) == 0


def _readable_by_anyone(paths: list[str]) -> bool:
    """Whether another user can read Python itself (its prefix and import path), through every folder above it."""
    for path in paths:
        if not os.path.isdir(path):
            continue
        mode = os.stat(path).st_mode
        if mode & 0o005 != 0o005:
            return False
        parent = os.path.dirname(path)
        while parent and parent != os.path.dirname(parent):
            if not os.stat(parent).st_mode & 0o001:
                return False
            parent = os.path.dirname(parent)
    return True


def _limit(plan: Plan, own_count: bool) -> None:
    """`own_count`: whether the kernel counts this worker's processes apart from its user's others
    (its own user namespace or uid); otherwise a process limit would count the user's whole desktop."""
    limits = [
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_CPU, plan.cpu_s),
        (resource.RLIMIT_FSIZE, plan.file_bytes),
        (resource.RLIMIT_NOFILE, plan.open_files),
    ]
    if own_count:
        limits.append((resource.RLIMIT_NPROC, plan.processes))
    if plan.memory_bytes is not None:
        limits.append((resource.RLIMIT_AS, _address_space() + plan.memory_bytes))
    for kind, value in limits:
        soft, hard = resource.getrlimit(kind)
        cap = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(kind, (cap, cap))


def _address_space() -> int:
    """What this process maps already (torch's libraries and arenas): the memory limit comes on top."""
    with open("/proc/self/statm") as stream:
        return int(stream.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def confine(plan: Plan) -> dict[str, Any]:
    """Apply the plan to this process (freshly forked, single-threaded); returns what held, for the record."""
    facts: dict[str, Any] = {"namespaces": False, "private_tmp": False}
    own_uid = plan.uid is not None and os.getuid() == 0
    if own_uid and not _readable_by_anyone([sys.prefix, sys.base_prefix, *sys.path]):
        own_uid = False
        facts["uid_kept"] = "Python is installed where other users cannot read it"
    os.makedirs(plan.workdir, mode=0o700, exist_ok=True)
    if plan.uid is not None and own_uid:
        os.chown(plan.workdir, plan.uid, plan.uid)
        _drop_user(plan.uid)
    facts["uid"] = os.getuid()
    workdir = plan.workdir
    if plan.namespaces:
        try:
            _enter_namespaces()
            facts["namespaces"] = True
            facts.update(_private_tmp(plan.tmp_bytes, plan.hidden))
            facts["private_tmp"] = True
            facts["capabilities_dropped"] = _drop_capabilities()
            workdir = os.path.join(TMP, "work")
        except OSError as exc:
            facts["namespace_error"] = str(exc)
    os.makedirs(workdir, mode=0o700, exist_ok=True)
    os.chdir(workdir)
    _libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    _libc().prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    os.nice(NICENESS)
    facts["process_limit"] = os.getuid() != 0 and (own_uid or facts["namespaces"])
    _limit(plan, facts["process_limit"])
    facts["memory_limit"] = plan.memory_bytes is not None
    os.environ.clear()
    os.environ.update(plan.env, HOME=workdir, TMPDIR=workdir)
    _fresh_state()
    return facts


def _fresh_state() -> None:
    """What a fresh interpreter would have: one intra-op thread, a known seed, no inherited exception state."""
    import random

    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    random.seed(0)
    try:
        import numpy

        numpy.random.seed(0)
    except ImportError:
        pass
    sys.stdout.flush()
