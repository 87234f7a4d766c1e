"""Reading a submitted zip archive in memory, with every byte it may inflate bounded.

An archive is never extracted, so no member name can write a file anywhere;
its members are read into memory, and only its .py and .ipynb members. It is
still the student's file, built to hurt if they like:

- a directory of millions of members: counted from the end record before
  Python's zipfile builds an object for each (`open_zip`);
- a zip bomb: a member is read only if the size its header declares is
  within `MAX_SOURCE_BYTES`, and never past that declared size whatever its
  compressed data inflate to (a lying header), checked chunk by chunk as it
  inflates (`read_member`). Deflate goes through zipfile, which inflates at
  most a chunk per read; bzip2 and LZMA inflate a whole input block at once
  there (a few hundred bytes of bzip2 make gigabytes), so they are inflated
  here, to a bound. Archives inside the archive are never opened;
- names that lead out of the archive (`../x.py`, `/etc/x.py`, `C:\\x.py`):
  left out, with a notice. Backslashes are read as folder separators, as
  older Windows tools write them;
- two members of the same name: the archive is refused, since tools differ
  on which one is the file;
- members stored as symbolic links (their content is the link's target):
  left out, with a notice, like links in a folder;
- encrypted members or compression methods zipfile cannot read: refused,
  saying how to zip again.
"""

from __future__ import annotations

import bz2
import itertools
import lzma
import os
import re
import stat
import struct
import zipfile
import zlib
from datetime import datetime
from functools import partial
from pathlib import PurePosixPath
from typing import BinaryIO, Iterator, Protocol

from autograder.intake.files import MAX_SOURCE_BYTES, MB, too_large
from autograder.intake.students import printable
from autograder.intake.tree import ARCHIVE_SUFFIX, LINK, MAX_DEPTH, SOURCE_SUFFIXES, SPECIAL, VENV_MARKER, Tree, TreeFile, ignored

MAX_ZIP_MEMBERS = 2000
MAX_ZIP_DIRECTORY_BYTES = 4 * MB
READ_CHUNK = 64 * 1024
OUTSIDE = "its path leads out of the archive (an absolute path, a drive or '..'); zip your folder again from inside it"
REZIP = "zip your folder again with your system's own zip tool"
_ENCRYPTED = 0x1
_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_END_OF_DIRECTORY = struct.Struct("<4s4H2LH")
_ZIP64_END_OF_DIRECTORY = struct.Struct("<4sQ2H2L4Q")
_ZIP64_LOCATOR_SIZE = 20
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_DRIVE = re.compile(r"[A-Za-z]:")


class _Decompressor(Protocol):
    @property
    def eof(self) -> bool: ...

    @property
    def needs_input(self) -> bool: ...

    def decompress(self, data: bytes, max_length: int = -1) -> bytes: ...


def _zip_directory(handle: BinaryIO) -> tuple[int, int] | None:
    """(number of members, size of the central directory) from an archive's end records; None if it has none.

    Python's zipfile builds an object for every member before anyone can
    count them, so a crafted directory of millions of members would cost
    minutes and gigabytes; its size is read first, from the records zipfile
    itself reads, found as zipfile finds them: the end record at the very
    end, else the last one in the comment area, and the zip64 end record
    whenever its locator precedes the end record, whatever the end record says.
    """
    size = handle.seek(0, os.SEEK_END)
    tail_at = max(0, size - _END_OF_DIRECTORY.size - (1 << 16))
    handle.seek(tail_at)
    tail = handle.read()
    at = len(tail) - _END_OF_DIRECTORY.size
    if at < 0:
        return None
    if not (tail.startswith(b"PK\x05\x06", at) and tail.endswith(b"\0\0")):
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < _END_OF_DIRECTORY.size:
            return None
    _, _, _, _, members, directory_size, _, _ = _END_OF_DIRECTORY.unpack_from(tail, at)
    locator_at = tail_at + at - _ZIP64_LOCATOR_SIZE
    record_at = locator_at - _ZIP64_END_OF_DIRECTORY.size
    if record_at >= 0:
        handle.seek(record_at)
        records = handle.read(_ZIP64_END_OF_DIRECTORY.size + _ZIP64_LOCATOR_SIZE)
        if records.startswith(b"PK\x06\x06") and records.startswith(b"PK\x06\x07", _ZIP64_END_OF_DIRECTORY.size):
            fields = _ZIP64_END_OF_DIRECTORY.unpack_from(records)
            return fields[7], fields[8]
    return members, directory_size


def open_zip(handle: BinaryIO, name: str) -> zipfile.ZipFile:
    """The archive in `handle`, refused (ValueError) when its directory is too large or it cannot be read."""
    members, directory_size = _zip_directory(handle) or (0, 0)
    if members > MAX_ZIP_MEMBERS:
        raise ValueError(f"{name} holds more than {MAX_ZIP_MEMBERS} files; zip only your assignment folder")
    if directory_size > MAX_ZIP_DIRECTORY_BYTES:
        raise ValueError(f"{name} lists its files in more than {MAX_ZIP_DIRECTORY_BYTES // MB} MB; zip only your assignment folder")
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError, ValueError, struct.error) as exc:
        raise ValueError(f"{name} is not a readable zip archive ({exc}); zip the folder again") from None
    if len(archive.infolist()) > MAX_ZIP_MEMBERS:
        raise ValueError(f"{name} holds more than {MAX_ZIP_MEMBERS} files; zip only your assignment folder")
    return archive


def _member_path(filename: str) -> PurePosixPath | None:
    """A member's path with `/` between folders, or None when it leads out of the archive."""
    path = filename.replace("\\", "/")
    if path.startswith("/") or _DRIVE.match(path) or ".." in path.split("/"):
        return None
    return PurePosixPath(path)


def _file_type(member: zipfile.ZipInfo) -> int:
    """The member's Unix file type (a link, a pipe...), 0 when the archive does not say."""
    return stat.S_IFMT(member.external_attr >> 16)


def _raw_chunks(handle: BinaryIO, member: zipfile.ZipInfo) -> Iterator[bytes]:
    """A member's compressed bytes, as stored after its local header."""
    handle.seek(member.header_offset)
    header = handle.read(_LOCAL_HEADER.size)
    if len(header) < _LOCAL_HEADER.size or not header.startswith(b"PK\x03\x04"):
        raise zipfile.BadZipFile("bad local file header")
    fields = _LOCAL_HEADER.unpack(header)
    at = member.header_offset + _LOCAL_HEADER.size + fields[10] + fields[11]
    left = member.compress_size
    while left > 0:
        handle.seek(at)
        chunk = handle.read(min(READ_CHUNK, left))
        if not chunk:
            raise EOFError("the archive ends inside this file")
        at += len(chunk)
        left -= len(chunk)
        yield chunk


def _lzma(chunks: Iterator[bytes], size: int) -> tuple[_Decompressor, bytes]:
    """A decompressor for a zip LZMA member, from its properties header, and the compressed data after it.

    The dictionary is made no larger than the member (a match cannot reach
    further back than the start), so a header cannot make it allocate gigabytes.
    """
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) >= 4 and len(head) >= 4 + struct.unpack_from("<H", head, 2)[0]:
            break
    if len(head) < 9:
        raise zipfile.BadZipFile("bad LZMA header")
    properties_size = struct.unpack_from("<H", head, 2)[0]
    if properties_size < 5:
        raise zipfile.BadZipFile("bad LZMA header")
    code, dictionary = head[4], struct.unpack_from("<L", head, 5)[0]
    if code >= 9 * 5 * 5:
        raise zipfile.BadZipFile("bad LZMA properties")
    options = {"id": lzma.FILTER_LZMA1, "dict_size": max(4096, min(dictionary, size)), "lc": code % 9, "lp": code // 9 % 5, "pb": code // 45}
    return lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[options]), head[4 + properties_size :]


def _inflate(handle: BinaryIO, member: zipfile.ZipInfo, shown: str) -> bytes:
    """A bzip2 or LZMA member, inflated to at most its declared size, then checked against its CRC."""
    chunks = _raw_chunks(handle, member)
    decompressor: _Decompressor
    if member.compress_type == zipfile.ZIP_LZMA:
        decompressor, first = _lzma(chunks, member.file_size)
        chunks = itertools.chain([first], chunks)
    else:
        decompressor = bz2.BZ2Decompressor()
    out = bytearray()
    for chunk in chunks:
        while not decompressor.eof:
            try:
                out += decompressor.decompress(chunk, member.file_size + 1 - len(out))
            except (OSError, EOFError, lzma.LZMAError) as exc:  # bz2 says OSError of data it cannot read
                raise zipfile.BadZipFile(str(exc)) from None
            chunk = b""
            if len(out) > member.file_size:
                raise OSError(f"{shown} inflates to more than the {member.file_size} bytes its header declares; {REZIP}")
            if decompressor.needs_input:
                break
        if decompressor.eof:
            break
    if zlib.crc32(out) != member.CRC:
        raise zipfile.BadZipFile(f"Bad CRC-32 for file {member.filename!r}")
    return bytes(out)


def _read_stream(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    """A stored or Deflate member through zipfile, a chunk at a time: it inflates at most a chunk per read
    and stops at the declared size, so a lying header costs no more than the size it declares."""
    data = bytearray()
    with archive.open(member) as stream:
        while chunk := stream.read(READ_CHUNK):
            data += chunk
    return bytes(data)


def read_member(archive: zipfile.ZipFile, handle: BinaryIO, member: zipfile.ZipInfo, shown: str) -> bytes:
    """A member's bytes, at most `MAX_SOURCE_BYTES`; `shown` names it in messages. Raises OSError."""
    if member.flag_bits & _ENCRYPTED:
        raise OSError(f"{shown} is encrypted; zip your folder again without a password")
    if member.compress_type not in _METHODS:
        raise OSError(f"{shown} is compressed with a method the grader cannot unpack (number {member.compress_type}); {REZIP}")
    if member.file_size > MAX_SOURCE_BYTES:
        raise too_large(shown, MAX_SOURCE_BYTES)
    try:
        if member.compress_type in (zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA):
            return _inflate(handle, member, shown)
        return _read_stream(archive, member)
    except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, NotImplementedError, RuntimeError, EOFError, ValueError, struct.error) as exc:
        if str(exc).startswith("Bad CRC-32"):  # zipfile stops at the declared size: a lying header ends here
            raise OSError(f"{shown} does not match the checksum in its header (the archive is damaged or was made by hand); {REZIP}") from None
        raise OSError(f"{shown} could not be read ({exc}); {REZIP}") from None


def _modified(member: zipfile.ZipInfo) -> float:
    """When a member was last saved; 0 for a date no calendar has (some tools write month 0)."""
    try:
        return datetime(*member.date_time).timestamp()
    except (ValueError, OverflowError):
        return 0.0


def zip_tree(archive: zipfile.ZipFile, handle: BinaryIO, display: str) -> Tree:
    """The .py and .ipynb members of an archive, with the same folders left out as for a folder.

    `display` prefixes a member's path in messages (`dave.zip:`). Raises
    ValueError when two source members have the same name.
    """
    files: dict[str, TreeFile] = {}
    left_out: dict[str, str] = {}
    archives: list[str] = []
    paths: list[tuple[zipfile.ZipInfo, PurePosixPath]] = []
    for member in archive.infolist():
        path = _member_path(member.filename)
        if path is None:
            left_out[printable(member.filename)] = OUTSIDE
        elif not member.filename.endswith(("/", "\\")) and str(path).count("/") <= MAX_DEPTH and path.parts:
            paths.append((member, path))
    venvs = {path.parent for _, path in paths if path.name == VENV_MARKER} - {PurePosixPath(".")}
    for member, path in paths:
        if any(map(ignored, path.parts)) or venvs & set(path.parents):
            continue
        key = printable(str(path))
        if path.name.endswith(ARCHIVE_SUFFIX):
            archives.append(key)
        elif not path.name.endswith(SOURCE_SUFFIXES):
            continue
        elif key in files or key in left_out:
            raise ValueError(f"{display.rstrip(':')} holds two files named {key}; {REZIP}")
        elif _file_type(member) not in (0, stat.S_IFREG):
            left_out[key] = LINK if _file_type(member) == stat.S_IFLNK else SPECIAL
        else:
            read = partial(read_member, archive, handle, member, f"{display}{key}")
            files[key] = TreeFile(read, member.file_size, _modified(member))
    return Tree(dict(sorted(files.items())), dict(sorted(left_out.items())), tuple(sorted(archives)))
