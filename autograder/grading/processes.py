"""What a grader process does to keep student processes from reaching it.

Student code runs in worker processes below a grader process. Anything a
worker leaves behind (a daemon that escaped its process group with
`setsid`, say) could later signal the grader while it grades the next
student. So a grader ignores every signal it can, adopts every orphan of its
subtree (a child subreaper, on Linux) and kills them all after each
submission; and its supervisor measures it from outside.
"""

from __future__ import annotations

import _thread
import ctypes
import os
import signal
import sys
import threading
from contextlib import contextmanager
from multiprocessing import forkserver, resource_tracker
from pathlib import Path
from typing import Any, Iterator

PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
PR_GET_CHILD_SUBREAPER = 37
IGNORED_SIGNALS = tuple(
    getattr(signal, name)
    for name in (
        "SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGVTALRM",
        "SIGPROF", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGPIPE", "SIGXCPU", "SIGXFSZ", "SIGTRAP",
        "SIGPWR", "SIGURG", "SIGWINCH", "SIGIO",
    )
    if hasattr(signal, name)
)
PROC = Path("/proc")
LINUX = sys.platform.startswith("linux")


def ignore_signals() -> None:
    """Ignore every signal that can be ignored; SIGKILL and SIGSTOP are left to the supervisor's watch.

    SIGCHLD keeps its default, since waiting for workers depends on it.
    """
    for number in IGNORED_SIGNALS:
        signal.signal(number, signal.SIG_IGN)
    if LINUX:
        unblock_signals()


def undumpable() -> None:
    """Keep this process's memory and environment from any other process of its uid: a worker
    that runs as the grader's own user (where no other uid can be had) cannot then open
    /proc/PID/mem or /proc/PID/environ of a grader, which hold hidden tests and expected values."""
    if LINUX:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def become_subreaper(on: bool = True) -> bool:
    """Make orphans of this process's subtree its children instead of init's, so they can be found.

    Returns whether this process was a subreaper before, to restore it.
    """
    if not LINUX:
        return False
    before = is_subreaper()
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0)
    return before


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (which may hold spaces and parentheses)."""
    try:
        raw = (PROC / str(pid) / "stat").read_bytes()
    except OSError:
        return None
    return raw[raw.rfind(b")") + 2 :].decode("ascii", "replace").split()


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    found = []
    for entry in PROC.glob("[0-9]*") if LINUX else ():
        fields = _stat_fields(int(entry.name))
        if fields is not None and len(fields) > 1 and fields[1] == str(pid):
            found.append(int(entry.name))
    return found


def is_subreaper() -> bool:
    if not LINUX:
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    state = ctypes.c_int(0)
    libc.prctl(PR_GET_CHILD_SUBREAPER, ctypes.byref(state), 0, 0, 0)
    return bool(state.value)


def kill_strays(keep: set[int]) -> int:
    """Kill the children of this process that it did not start itself (those in `keep`): orphans
    it adopted as a subreaper, left behind by a grader process that died. Only a subreaper has them."""
    if not is_subreaper():
        return 0
    helpers = {getattr(resource_tracker._resource_tracker, "_pid", None), getattr(forkserver._forkserver, "_forkserver_pid", None)}
    strays = [pid for pid in children(os.getpid()) if pid not in keep and pid not in helpers]
    for pid in strays:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
    return len(strays)


def kill_descendants(rounds: int = 20, keep: frozenset[int] | set[int] = frozenset()) -> int:
    """Kill every process below this one but the children in `keep` (and what runs below them),
    including adopted orphans; returns how many were killed.

    Killing a child makes its own children this process's (it is a
    subreaper), so this repeats until none are left.
    """
    killed = 0
    for _ in range(rounds):
        found = [pid for pid in children(os.getpid()) if pid not in keep]
        if not found:
            break
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
        for pid in found:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
    return killed


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time of a process, or None where it cannot be measured."""
    fields = _stat_fields(pid)
    if fields is None or len(fields) < 13:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_bytes(pid: int) -> int | None:
    """Resident memory of a process, or None where it cannot be measured."""
    try:
        pages = (PROC / str(pid) / "statm").read_text().split()[1]
    except (OSError, IndexError):
        return None
    return int(pages) * os.sysconf("SC_PAGE_SIZE")


SHIELDED_SIGNALS = frozenset(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM") if hasattr(signal, name)
)


def descends_from(pid: int, ancestor: int) -> bool | None:
    """Whether `pid` is below `ancestor` in the process tree; None when `pid` is gone."""
    seen = 0
    while pid > 1 and seen < 4096:
        if pid == ancestor:
            return True
        fields = _stat_fields(pid)
        if fields is None or len(fields) < 2:
            return None if seen == 0 else False
        pid, seen = int(fields[1]), seen + 1
    return pid == ancestor


def _honoured(info: Any, me: int) -> bool:
    """A signal from the terminal or from a live process outside this tree is the user's; one from
    below (a student's process, or one that vanished right after sending) is not."""
    if info.si_pid == 0:
        return True
    return descends_from(info.si_pid, me) is False


@contextmanager
def shielded() -> Iterator[None]:
    """Run the block deaf to signals sent by its own descendants, where that can be told apart.

    Student code can find the process that supervises the graders and
    signal it. Inside the block the usual stop signals are blocked and read
    by a thread that knows who sent each: the user's Ctrl+C or `kill`
    interrupts the main thread as usual (KeyboardInterrupt), a descendant's
    signal is dropped. This process also adopts orphans of its subtree, so
    that a process left behind by a dead grader still counts as below it.

    Enter it before any thread starts (before torch is imported): a signal
    mask is per thread, and a thread that does not block a signal would
    take its default action, which ends the process. multiprocessing's
    resource tracker is started first, because starting it unblocks SIGINT
    and SIGTERM in the thread that starts it.
    """
    if not LINUX or threading.current_thread() is not threading.main_thread():
        yield
        return
    me = os.getpid()
    undumpable()
    was_subreaper = become_subreaper()
    resource_tracker.ensure_running()
    signal.pthread_sigmask(signal.SIG_BLOCK, SHIELDED_SIGNALS)
    stop = threading.Event()

    def listen() -> None:
        while not stop.is_set():
            info = signal.sigtimedwait(SHIELDED_SIGNALS, 0.2)
            if info is not None and not stop.is_set() and _honoured(info, me):
                _thread.interrupt_main()

    listener = threading.Thread(target=listen, name="signal-shield", daemon=True)
    listener.start()
    try:
        yield
    finally:
        stop.set()
        listener.join()
        interrupted = False
        while (info := signal.sigtimedwait(SHIELDED_SIGNALS, 0)) is not None:
            interrupted = interrupted or _honoured(info, me)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, SHIELDED_SIGNALS)
        become_subreaper(was_subreaper)
    if interrupted:
        raise KeyboardInterrupt


def unblock_signals() -> None:
    """A grader process starts with the mask of the shielded supervisor; it ignores those signals instead."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, SHIELDED_SIGNALS)
