"""Length-prefixed frames over pipes, with deadlines on the trusted side.

The trusted side never blocks without a deadline on a pipe that student code
controls, and never allocates more than `max_bytes` for one frame. The worker
passes no deadline and simply blocks.
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


def _wait(fd: int, deadline: float | None, for_write: bool) -> None:
    if deadline is None:
        return
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FrameTimeout()
    ready = select.select([], [fd], [], remaining) if for_write else select.select([fd], [], [], remaining)
    if not any(ready):
        raise FrameTimeout()


def write_frame(fd: int, payload: bytes, deadline: float | None = None) -> None:
    data = memoryview(len(payload).to_bytes(LENGTH_BYTES, "big") + payload)
    if deadline is not None:
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
        if deadline is not None:
            os.set_blocking(fd, True)


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes:
    chunks = []
    while size:
        _wait(fd, deadline, for_write=False)
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise FrameClosed()
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, deadline: float | None = None, max_bytes: int | None = None) -> bytes:
    size = int.from_bytes(_read_exact(fd, LENGTH_BYTES, deadline), "big")
    if max_bytes is not None and size > max_bytes:
        raise FrameTooLarge(f"{size} bytes")
    return _read_exact(fd, size, deadline)
