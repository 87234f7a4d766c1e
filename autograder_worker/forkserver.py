"""A process that has imported torch once and forks a fresh worker for each request.

Starting Python and importing torch costs a second or more; forking a
process that has done so costs milliseconds. The server never runs student
code and never does parallel torch work (forking a process whose thread
pools are busy is unsafe), so every child starts from the same clean state
and nothing of one submission reaches the next.

The protocol is one Unix datagram socket to the grader process that started
it. A request is a JSON `Plan` with three descriptors attached (the worker's
request pipe, reply pipe and output pipe); the answer is the child's pid with
a pidfd attached, so that the grader can kill the child directly, and later
a message with the child's exit status. The server ends when the grader's
end of the socket closes, and its children with it.
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import socket
import sys
import traceback
from typing import Any

import torch

from autograder_worker import worker
from autograder_worker.confine import PR_SET_DUMPABLE, PR_SET_PDEATHSIG, Plan, confine

MAX_MESSAGE = 1 << 20
FAILED_START = 70


def _send(sock: socket.socket, message: dict[str, Any], fds: list[int] | None = None) -> None:
    data = json.dumps(message).encode()
    if fds:
        socket.send_fds(sock, [data], fds)
    else:
        sock.send(data)


def _child(sock: socket.socket, fds: list[int], plan: Plan, others: list[int]) -> None:
    """The forked worker: confine itself, take its pipes, serve. Never returns."""
    status = 0
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        sock.close()
        for fd in others:
            os.close(fd)
        requests, replies, output = fds
        os.dup2(output, 1)
        os.dup2(output, 2)
        os.close(output)
        os.setsid()
        facts = confine(plan)
        channel = worker.take_descriptors(requests, replies)
        os.close(requests)
        os.close(replies)
        worker.serve(channel, {"confinement": facts})
    except BaseException:  # noqa: BLE001  (whatever happens here, the process must end now)
        traceback.print_exc()
        status = FAILED_START
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(status)


def serve(sock: socket.socket) -> None:
    children: dict[int, int] = {}
    while True:
        ready, _, _ = select.select([sock.fileno(), *children], [], [])
        for pidfd in ready:
            if pidfd == sock.fileno():
                continue
            pid = children.pop(pidfd)
            _, status = os.waitpid(pid, 0)
            os.close(pidfd)
            _send(sock, {"exited": pid, "status": status})
        if sock.fileno() not in ready:
            continue
        data, fds, _, _ = socket.recv_fds(sock, MAX_MESSAGE, 3)
        if not data:
            return
        if len(fds) != 3:
            for fd in fds:
                os.close(fd)
            _send(sock, {"error": "a request needs three descriptors"})
            continue
        plan = Plan.from_json(json.loads(data))
        pid = os.fork()
        if pid == 0:
            _child(sock, fds, plan, list(children))
        for fd in fds:
            os.close(fd)
        pidfd = os.pidfd_open(pid)
        children[pidfd] = pid
        _send(sock, {"pid": pid}, [pidfd])


def main(fd: int) -> None:
    """Run as `python -I -c ...` (inside bubblewrap where it can), with the socket as descriptor `fd`.

    The server is not dumpable: a worker of the same uid must not be able to
    open its memory through /proc and change what the next worker starts as.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    os.environ["PYTORCH_NVML_BASED_CUDA_CHECK"] = "1"
    torch.set_num_threads(1)
    worker.warm_up()
    sock = socket.socket(fileno=fd)
    _send(sock, {"ready": os.getpid()})
    serve(sock)
