"""Reading one file of a submission from disk: a regular file, never through a link, never past a bound.

Whatever sits in a submissions folder was put there by a student: a name may
be a symbolic link (to /etc/passwd, to the hidden tests, to another
student's folder, to itself), a named pipe that would block a reader
forever, a device, or a sparse file of terabytes. `read_regular` opens
without following a final link and without waiting for a writer
(O_NOFOLLOW | O_NONBLOCK), checks that what it opened is a regular file
and, when told, the very file that was listed (same device and inode, so a
folder swapped for a link after listing is caught too), and reads at most
`limit` bytes and one more, so a file that grew is refused, not read whole,
and a small file costs its own size, not the bound.

Every failure is an `OSError` whose text names the file and says what to do.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

MB = 2**20
MAX_SOURCE_BYTES = 20 * MB
"""The largest file intake reads: far more than any student writes, little enough to hold in memory."""
READ_CHUNK = 2**20


SHRINK = "hand in only your code (clear a notebook's outputs, leave data files out)"


def too_large(name: str, limit: int) -> OSError:
    return OSError(f"{name} is larger than {limit // MB} MB; {SHRINK}")


def open_regular(path: Path, name: str, identity: tuple[int, int] | None = None) -> BinaryIO:
    """`path` opened for reading if it is (still) a regular file, and the one listed as `identity` (device, inode)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OSError(f"{name} is a symbolic link, which the grader does not follow; hand in the file itself") from None
        raise OSError(f"{name} could not be opened ({exc.strerror}); hand it in again") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise OSError(f"{name} is not a regular file; hand in a .py, .ipynb or .zip file")
    if identity is not None and (info.st_dev, info.st_ino) != identity:
        os.close(fd)
        raise OSError(f"{name} changed while it was being read; hand it in again")
    return os.fdopen(fd, "rb")


def read_bounded(handle: BinaryIO, name: str, limit: int) -> bytes:
    """All of an open file, refused without reading it when it is larger than `limit` bytes."""
    size = os.fstat(handle.fileno()).st_size
    if size > limit:
        raise too_large(name, limit)
    parts = [handle.read(size + 1)]
    total = len(parts[0])
    while parts[-1] and total <= limit:  # a file that grew since it was listed is read on, only to the bound
        parts.append(handle.read(min(READ_CHUNK, limit + 1 - total)))
        total += len(parts[-1])
    if total > limit:
        raise too_large(name, limit)
    return b"".join(parts)


def read_regular(path: Path, name: str, limit: int, identity: tuple[int, int] | None = None) -> bytes:
    """The content of the regular file at `path` (see `open_regular`), at most `limit` bytes."""
    with open_regular(path, name, identity) as handle:
        return read_bounded(handle, name, limit)
