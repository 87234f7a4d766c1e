"""Length-prefixed frames over pipes, with deadlines on the trusted side.

The trusted side never blocks without a deadline on a pipe that student code
controls, and never allocates more than `max_bytes` for one frame.
"""

from __future__ import annotations

import os
import select
import time

LENGTH_BYTES = 8


class FrameTimeout(Exception):
    """The deadline passed before the frame was complete."""


class FrameClosed(Exception):
    """The other end closed the pipe."""


class FrameTooLarge(Exception):
    """The other end announced a frame larger than allowed."""


def write_frame_blocking(fd: int, payload: bytes) -> None:
    data = len(payload).to_bytes(LENGTH_BYTES, "big") + payload
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def read_exact_blocking(fd: int, size: int) -> bytes:
    chunks = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise FrameClosed()
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def read_frame_blocking(fd: int) -> bytes:
    size = int.from_bytes(read_exact_blocking(fd, LENGTH_BYTES), "big")
    return read_exact_blocking(fd, size)


def _wait(fd: int, deadline: float, for_write: bool) -> None:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FrameTimeout()
    ready = select.select([], [fd], [], remaining) if for_write else select.select([fd], [], [], remaining)
    if not any(ready):
        raise FrameTimeout()


def write_frame(fd: int, payload: bytes, deadline: float) -> None:
    data = memoryview(len(payload).to_bytes(LENGTH_BYTES, "big") + payload)
    os.set_blocking(fd, False)
    try:
        while data:
            _wait(fd, deadline, for_write=True)
            try:
                written = os.write(fd, data)
            except BlockingIOError:
                continue
            except BrokenPipeError:
                raise FrameClosed() from None
            data = data[written:]
    finally:
        os.set_blocking(fd, True)


def _read_exact(fd: int, size: int, deadline: float) -> bytes:
    chunks = []
    while size:
        _wait(fd, deadline, for_write=False)
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise FrameClosed()
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, deadline: float, max_bytes: int) -> bytes:
    size = int.from_bytes(_read_exact(fd, LENGTH_BYTES, deadline), "big")
    if size > max_bytes:
        raise FrameTooLarge(f"{size} bytes")
    return _read_exact(fd, size, deadline)
