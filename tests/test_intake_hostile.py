"""Submissions built to hurt intake: bombs, escaping names, links, pipes, huge and binary files, odd encodings.

Each gets a result that names the file and says what to do (a rejection, or
a notice beside the graded work), in bounded time and memory, and intake
writes no file anywhere: every read here runs under an audit hook that
records any write, and under an alarm, so a read that waits on a pipe fails
instead of hanging the suite.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import shutil
import signal
import stat
import struct
import sys
import tracemalloc
import warnings
import zipfile
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Iterator

import nbformat
import pytest

from autograder.intake import archive as archive_module
from autograder.intake.archive import MAX_ZIP_MEMBERS
from autograder.intake.discover import Rejected, Skipped, SubmissionSource, read_entry, scan
from autograder.intake.files import MAX_SOURCE_BYTES, SHRINK
from autograder.intake.tree import folder_tree
from conftest import copy_course, run_cli

MODULE = "classification"
EXERCISES = ("softmax",)
GOOD = "def softmax(z, dim=-1):\n    return z\n"
SECRET = "SECRET_HIDDEN_TEST_CONTENT"
REZIP = "zip your folder again with your system's own zip tool"
BIG = 40 * 2**20
"""What a bomb inflates to: twice the bound on a source file, many times what reading any member may hold."""
PEAK = 8 * 2**20
SAMPLES = Path(__file__).resolve().parent.parent / "assignments" / "02_classification" / "samples"

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_CHANGES = {
    "os.mkdir", "os.rmdir", "os.remove", "os.rename", "os.replace", "os.symlink", "os.link", "os.truncate",
    "os.chmod", "os.chown", "os.utime", "os.mkfifo", "os.mknod", "shutil.copyfile", "shutil.copytree",
    "shutil.move", "shutil.rmtree", "shutil.unpack_archive", "tempfile.mkstemp", "tempfile.mkdtemp",
}
_writes: list[tuple[str, tuple]] | None = None


def _audit(event: str, args: tuple) -> None:
    if _writes is None:
        return
    if event == "open":
        _, mode, flags = args
        if (isinstance(mode, str) and set(mode) & set("wax+")) or (isinstance(flags, int) and flags & _WRITE_FLAGS):
            _writes.append((event, args))
    elif event in _CHANGES:
        _writes.append((event, args))


sys.addaudithook(_audit)  # stays for the process, and records only inside `no_writes`


class Hung(BaseException):
    """Intake waited past its alarm (a BaseException, so no `except OSError` in intake can swallow it)."""


@contextmanager
def no_writes() -> Iterator[list[tuple[str, tuple]]]:
    """Record every file written, created, moved or removed meanwhile, by the audit events Python raises for them."""
    global _writes
    recorded: list[tuple[str, tuple]] = []
    dont_write_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    _writes = recorded
    try:
        yield recorded
    finally:
        _writes = None
        sys.dont_write_bytecode = dont_write_bytecode


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    def expire(signum, frame):
        raise Hung(f"intake still ran after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def intake(path: Path, exercises: tuple[str, ...] = EXERCISES):
    """`read_entry`, checked to write nothing and to return within seconds."""
    with deadline(30), no_writes() as written:
        entry = read_entry(path, MODULE, exercises)
    assert written == []
    assert isinstance(entry, (SubmissionSource, Rejected, Skipped))
    return entry


def intake_peak(path: Path) -> tuple[object, int]:
    """`intake`, and the most memory Python held meanwhile."""
    tracemalloc.start()
    try:
        entry = intake(path)
        return entry, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def zipped(path: Path, members: list[tuple[str | zipfile.ZipInfo, str | bytes]], compression: int = zipfile.ZIP_STORED) -> Path:
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w", compression=compression) as archive:
        warnings.simplefilter("ignore")  # zipfile warns of a duplicate name, which one test wants
        for name, content in members:
            archive.writestr(name, content)
    return path


@cache
def inflating(method: int) -> bytes:
    """An archive of one member, lab/classification.py, that inflates to BIG bytes of comment."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive, archive.open("lab/classification.py", "w") as member:
        for _ in range(BIG // 2**20):
            member.write(b"#" * 2**20)
    return buffer.getvalue()


_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_HEADER_FIELDS = {"flags": (8, 6, "<H"), "method": (10, 8, "<H"), "size": (24, 22, "<L"), "attr": (38, None, "<L")}


def patched(data: bytes, name: str, **fields: int) -> bytes:
    """`data` with fields of one member's central and local headers rewritten (flags, method, declared size, attr)."""
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    while _CENTRAL.unpack_from(out, at)[12] != len(name) or out[at + 46 : at + 46 + len(name)] != name.encode():
        at = out.find(b"PK\x01\x02", at + 1)
    local = _CENTRAL.unpack_from(out, at)[-1]
    for field, value in fields.items():
        central, in_local, form = _HEADER_FIELDS[field]
        struct.pack_into(form, out, at + central, value)
        if in_local is not None:
            struct.pack_into(form, out, local + in_local, value)
    return bytes(out)


def sources(entry: SubmissionSource) -> str:
    return "\n".join([c.source for c in entry.chunks] + [m.source for m in entry.modules])


# Zip bombs -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_a_member_declared_past_the_bound_is_named_and_never_inflated(tmp_path, method):
    (tmp_path / "ann.zip").write_bytes(inflating(method))
    entry, peak = intake_peak(tmp_path / "ann.zip")
    assert entry == Rejected(
        "ann", "ann.zip",
        "ann.zip holds no .py or .ipynb file that the grader can read; hand in classification.py or classification.ipynb. "
        f"ann.zip:lab/classification.py was not read: it is larger than 20 MB; {SHRINK}",
    )
    assert peak < PEAK
    with zipfile.ZipFile(tmp_path / "ann.zip", "a") as archive:
        archive.writestr("lab/work.py", GOOD)
    entry, peak = intake_peak(tmp_path / "ann.zip")
    assert isinstance(entry, SubmissionSource) and entry.origin == "ann.zip:lab/work.py" and peak < PEAK
    assert entry.notices == (f"ann.zip:lab/classification.py was not read: it is larger than 20 MB; {SHRINK}",)


@pytest.mark.parametrize(
    "method, why",
    [
        (zipfile.ZIP_DEFLATED, "does not match the checksum in its header (the archive is damaged or was made by hand)"),
        (zipfile.ZIP_BZIP2, "inflates to more than the 1000 bytes its header declares"),
        (zipfile.ZIP_LZMA, "inflates to more than the 1000 bytes its header declares"),
    ],
)
def test_a_header_that_declares_less_than_its_data_inflates_to_costs_only_what_it_declares(tmp_path, method, why):
    """A few hundred bytes of bzip2 inflate to gigabytes: the bound must hold on what is inflated, not on the header."""
    (tmp_path / "bo.zip").write_bytes(patched(inflating(method), "lab/classification.py", size=1000))
    entry, peak = intake_peak(tmp_path / "bo.zip")
    assert entry == Rejected("bo", "bo.zip", f"bo.zip:lab/classification.py {why}; {REZIP}")
    assert peak < PEAK


def test_a_zip64_size_past_the_bound_is_named_and_never_inflated(tmp_path, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(zipfile, "ZIP64_LIMIT", 0)  # every size is written to a zip64 extra field
        zipped(tmp_path / "cy.zip", [("lab/classification.py", "#" * 100), ("lab/work.py", GOOD)])
    data = (tmp_path / "cy.zip").read_bytes()
    extra = struct.pack("<HHQ", 1, 16, 100)
    assert data.count(extra) == 2  # in the local header and in the directory
    (tmp_path / "cy.zip").write_bytes(data.replace(extra, struct.pack("<HHQ", 1, 16, 2**40)))
    entry = intake(tmp_path / "cy.zip")
    assert isinstance(entry, SubmissionSource) and entry.origin == "cy.zip:lab/work.py"
    assert entry.notices == (f"cy.zip:lab/classification.py was not read: it is larger than 20 MB; {SHRINK}",)


def test_a_zip64_directory_of_too_many_members_is_refused_whatever_the_ordinary_end_record_says(tmp_path, monkeypatch):
    """zipfile reads the zip64 record whenever its locator is there, so its counts are the ones to bound."""
    with monkeypatch.context() as patch:
        patch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 0)
        zipped(tmp_path / "dee.zip", [(f"f{i}.py", "") for i in range(MAX_ZIP_MEMBERS + 1)])
    data = bytearray((tmp_path / "dee.zip").read_bytes())
    end = data.rfind(b"PK\x05\x06")
    data[end + 8 : end + 16] = struct.pack("<2HL", 1, 1, 46)  # the ordinary record now claims one small member
    (tmp_path / "dee.zip").write_bytes(bytes(data))

    def never(*args, **kwargs):
        raise AssertionError("the archive's directory was parsed")

    monkeypatch.setattr(archive_module.zipfile, "ZipFile", never)
    assert intake(tmp_path / "dee.zip") == Rejected("dee", "dee.zip", f"dee.zip holds more than {MAX_ZIP_MEMBERS} files; zip only your assignment folder")


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_honest_bzip2_and_lzma_archives_are_read_whole(tmp_path, method):
    zipped(tmp_path / "eli.zip", [("lab/classification.py", "from helpers import base\n" + GOOD), ("lab/helpers.py", "base = 1\n" * 5000)], method)
    entry = intake(tmp_path / "eli.zip")
    assert isinstance(entry, SubmissionSource) and entry.notices == ()
    assert entry.chunks[0].source == "from helpers import base\n" + GOOD
    assert {m.name: m.source for m in entry.modules}["helpers"] == "base = 1\n" * 5000


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_damaged_bzip2_and_lzma_members_are_refused_naming_them(tmp_path, method):
    data = (zipped(tmp_path / "fay.zip", [("classification.py", GOOD * 200)], method)).read_bytes()
    start = data.find(b"classification.py") + len("classification.py")
    damaged = data[:start + 12] + bytes(b ^ 0x5A for b in data[start + 12 : start + 40]) + data[start + 40 :]
    (tmp_path / "fay.zip").write_bytes(damaged)
    entry = intake(tmp_path / "fay.zip")
    assert isinstance(entry, Rejected) and entry.reason.startswith("fay.zip:classification.py ") and entry.reason.endswith(REZIP)


def test_encrypted_members_and_unknown_methods_are_refused_saying_how_to_zip_again(tmp_path):
    data = zipped(tmp_path / "gus.zip", [("classification.py", GOOD)]).read_bytes()
    (tmp_path / "gus.zip").write_bytes(patched(data, "classification.py", flags=1))
    assert intake(tmp_path / "gus.zip").reason == "gus.zip:classification.py is encrypted; zip your folder again without a password"
    (tmp_path / "gus.zip").write_bytes(patched(data, "classification.py", method=9))  # Deflate64
    assert intake(tmp_path / "gus.zip").reason == f"gus.zip:classification.py is compressed with a method the grader cannot unpack (number 9); {REZIP}"


def test_an_archive_inside_the_archive_is_never_opened(tmp_path):
    inner = zipped(tmp_path / "inner.zip", [("classification.py", GOOD)]).read_bytes()
    zipped(tmp_path / "hal.zip", [("lab/inner.zip", inner)])
    assert intake(tmp_path / "hal.zip") == Rejected(
        "hal", "hal.zip",
        "hal.zip holds no .py or .ipynb file that the grader can read; hand in classification.py or classification.ipynb. "
        "hal.zip:lab/inner.zip is an archive inside your submission, which the grader does not open: zip your folder itself, not an archive of archives",
    )
    zipped(tmp_path / "hal.zip", [("lab/inner.zip", inner), ("lab/work.py", GOOD)])
    entry = intake(tmp_path / "hal.zip")
    assert isinstance(entry, SubmissionSource) and entry.origin == "hal.zip:lab/work.py" and entry.modules == ()


# Names in archives -----------------------------------------------------------------------------------------


OUTSIDE = "was not read: its path leads out of the archive (an absolute path, a drive or '..'); zip your folder again from inside it"


@pytest.mark.parametrize("name", ["../classification.py", "lab/../../classification.py", "/etc/classification.py", "C:\\lab\\classification.py", "c:classification.py", "lab\\..\\..\\classification.py"])
def test_a_member_whose_path_leads_out_of_the_archive_is_named_and_not_read(tmp_path, name):
    zipped(tmp_path / "ida.zip", [(name, "import os\n" + GOOD), ("lab/work.py", GOOD)])
    entry = intake(tmp_path / "ida.zip")
    shown = name.replace("\\", "\\\\")
    assert isinstance(entry, SubmissionSource) and entry.origin == "ida.zip:lab/work.py" and "import os" not in sources(entry)
    assert entry.notices == (f"ida.zip:{shown} {OUTSIDE}",)
    zipped(tmp_path / "ida.zip", [(name, GOOD)])
    entry = intake(tmp_path / "ida.zip")
    assert isinstance(entry, Rejected) and entry.reason.endswith(f". ida.zip:{shown} {OUTSIDE}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ida.zip"] and not (tmp_path.parent / "classification.py").exists()


def test_backslashes_separate_folders_as_older_windows_tools_write_them(tmp_path):
    zipped(tmp_path / "jo.zip", [("lab\\classification.py", "from util.helpers import base\n" + GOOD), ("lab\\util\\helpers.py", "base = 1\n")])
    entry = intake(tmp_path / "jo.zip")
    assert isinstance(entry, SubmissionSource) and entry.origin == "jo.zip:lab/classification.py"
    assert {m.name: m.filename for m in entry.modules}["util.helpers"] == "jo.zip:lab/util/helpers.py"


@pytest.mark.parametrize("second", ["lab/classification.py", "lab\\classification.py", "lab//classification.py", "./lab/classification.py"])
def test_two_members_of_one_name_refuse_the_archive(tmp_path, second):
    """Unzip tools differ on which of the two is the file, so neither may be graded."""
    zipped(tmp_path / "kay.zip", [("lab/classification.py", GOOD), (second, "def softmax(z, dim=-1):\n    return 0\n")])
    assert intake(tmp_path / "kay.zip") == Rejected("kay", "kay.zip", f"kay.zip holds two files named lab/classification.py; {REZIP}")


def test_names_differing_only_in_case_are_each_read_with_a_notice(tmp_path):
    zipped(tmp_path / "lou.zip", [("lab/classification.py", "from helpers import a\nfrom Helpers import b\n" + GOOD), ("lab/helpers.py", "a = 1\n"), ("lab/Helpers.py", "b = 2\n")])
    entry = intake(tmp_path / "lou.zip")
    assert isinstance(entry, SubmissionSource)
    assert {m.name: m.source for m in entry.modules if m.name in ("Helpers", "helpers")} == {"helpers": "a = 1\n", "Helpers": "b = 2\n"}
    assert entry.notices == (
        "lou.zip:lab/Helpers.py and lou.zip:lab/helpers.py differ only in letter case: the grader read each as it is, "
        "but on Windows and macOS one replaces the other when unzipped or copied; rename all but one",
    )


# Links, pipes and devices ----------------------------------------------------------------------------------


LINK = "was not read: it is a symbolic link, which the grader does not follow; put the file itself there"
LINKED_FOLDER = "was not read: it is a symbolic link to a folder, which the grader does not follow; put the folder itself there"
SPECIAL = "was not read: it is not a regular file (a named pipe, socket or device); remove it"


def test_a_member_stored_as_a_symbolic_link_is_named_and_its_target_never_read(tmp_path):
    link = zipfile.ZipInfo("lab/classification.py")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    zipped(tmp_path / "max.zip", [(link, "/etc/passwd"), ("lab/work.py", GOOD)])
    entry = intake(tmp_path / "max.zip")
    assert isinstance(entry, SubmissionSource) and entry.origin == "max.zip:lab/work.py" and "/etc/passwd" not in sources(entry)
    assert entry.notices == (f"max.zip:lab/classification.py {LINK}",)
    zipped(tmp_path / "max.zip", [(link, "/etc/passwd")])
    entry = intake(tmp_path / "max.zip")
    assert isinstance(entry, Rejected) and entry.reason.endswith(f". max.zip:lab/classification.py {LINK}")


@pytest.fixture
def others(tmp_path) -> Path:
    """The hidden tests and another student's folder, beside the submissions; neither may reach a student's result."""
    (tmp_path / "hidden").mkdir()
    (tmp_path / "hidden" / "test_secret.py").write_text(f"{SECRET} = 1\n")
    submissions = tmp_path / "submissions"
    (submissions / "bob").mkdir(parents=True)
    (submissions / "bob" / "classification.py").write_text(f"{SECRET} = 2\n" + GOOD)
    return submissions


def test_links_pipes_and_devices_in_a_folder_are_named_and_never_followed(tmp_path, others):
    carol = others / "carol"
    carol.mkdir()
    (carol / "work.py").write_text(GOOD)
    os.symlink("/etc/passwd", carol / "classification.py")
    os.symlink(tmp_path / "hidden", carol / "tests")
    os.symlink("../bob", carol / "bob")
    os.symlink("../bob/classification.py", carol / "helpers.py")
    os.symlink("loop.py", carol / "loop.py")
    os.symlink("loop", carol / "loop")
    os.mkfifo(carol / "pipe.py")
    expected = ["bob/", "classification.py", "helpers.py", "loop.py", "pipe.py", "tests/"]
    try:
        os.mknod(carol / "zero.ipynb", stat.S_IFCHR | 0o600, os.makedev(1, 5))  # /dev/zero, where the system lets us
        expected.append("zero.ipynb")
    except PermissionError:
        pass
    entry = intake(carol)
    assert isinstance(entry, SubmissionSource) and entry.origin == "carol/work.py" and entry.modules == ()
    assert SECRET not in sources(entry) and "root:" not in sources(entry)
    why = {"bob/": LINKED_FOLDER, "tests/": LINKED_FOLDER, "pipe.py": SPECIAL, "zero.ipynb": SPECIAL}
    assert entry.notices == ("; ".join(f"carol/{path} {why.get(path, LINK)}" for path in expected),)


def test_a_folder_of_nothing_but_links_and_pipes_is_refused_naming_them(tmp_path, others):
    carol = others / "carol"
    carol.mkdir()
    os.symlink(tmp_path / "hidden" / "test_secret.py", carol / "classification.py")
    os.mkfifo(carol / "classification.ipynb")
    entry = intake(carol)
    assert entry == Rejected(
        "carol", "carol",
        "carol/ holds no .py or .ipynb file that the grader can read; hand in classification.py or classification.ipynb. "
        f"carol/classification.ipynb {SPECIAL}; carol/classification.py {LINK}",
    )


def test_a_link_in_the_submissions_folder_is_skipped_unread(tmp_path, others):
    os.symlink(others / "bob", others / "mallory")
    os.symlink(tmp_path / "hidden" / "test_secret.py", others / "eve.py")
    entries, skipped = scan(others)
    assert [e.student for e in entries] == ["bob"]
    assert skipped == [Skipped("eve.py", "symbolic links are not followed"), Skipped("mallory", "symbolic links are not followed")]
    assert intake(others / "mallory") == Skipped("mallory", "symbolic links are not followed")


def test_a_file_swapped_after_it_was_listed_is_refused_not_read(tmp_path):
    carol = tmp_path / "carol"
    (carol / "lab").mkdir(parents=True)
    for name in ("a.py", "b.py", "c.py", "lab/d.py"):
        (carol / name).write_text(GOOD)
    (carol / "other.py").write_text(f"{SECRET} = 3\n")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "d.py").write_text(f"{SECRET} = 4\n")
    tree = folder_tree(carol, "carol/")
    os.remove(carol / "a.py")
    os.symlink(tmp_path / "elsewhere" / "d.py", carol / "a.py")
    os.replace(carol / "other.py", carol / "b.py")
    with open(carol / "c.py", "r+b") as grown:
        grown.truncate(2**31)
    os.rename(carol / "lab", carol / "lab_old")
    os.symlink(tmp_path / "elsewhere", carol / "lab")
    with deadline(10), no_writes() as written:
        for path, message in [
            ("a.py", "carol/a.py is a symbolic link, which the grader does not follow; hand in the file itself"),
            ("b.py", "carol/b.py changed while it was being read; hand it in again"),
            ("c.py", f"carol/c.py is larger than {MAX_SOURCE_BYTES // 2**20} MB; {SHRINK}"),
            ("lab/d.py", "carol/lab/d.py changed while it was being read; hand it in again"),
        ]:
            with pytest.raises(OSError) as raised:
                tree.files[path].read()
            assert str(raised.value) == message
    assert written == []


# Large, binary and oddly encoded files ---------------------------------------------------------------------


def sparse(path: Path, size: int = 2 * 2**30) -> Path:
    """A file of `size` bytes that takes no disk space, and no memory unless someone reads it."""
    with open(path, "wb") as handle:
        handle.truncate(size)
    return path


@pytest.mark.parametrize(
    "name, reason",
    [
        ("nan.ipynb", f"nan.ipynb is larger than 20 MB; {SHRINK}"),
        ("nan.py", f"nan.py is larger than 20 MB; {SHRINK}"),
        ("nan.zip", "nan.zip is not a readable zip archive (File is not a zip file); zip the folder again"),
    ],
)
def test_a_huge_file_is_refused_without_being_read(tmp_path, name, reason):
    entry, peak = intake_peak(sparse(tmp_path / name))
    assert entry == Rejected("nan", name, reason) and peak < PEAK


def test_a_huge_file_in_a_folder_is_named_and_not_read(tmp_path):
    (tmp_path / "ola").mkdir()
    sparse(tmp_path / "ola" / "classification.ipynb")
    entry, peak = intake_peak(tmp_path / "ola")
    assert peak < PEAK
    assert entry == Rejected(
        "ola", "ola",
        "ola/ holds no .py or .ipynb file that the grader can read; hand in classification.py or classification.ipynb. "
        f"ola/classification.ipynb was not read: it is larger than 20 MB; {SHRINK}",
    )
    (tmp_path / "ola" / "work.py").write_text(GOOD)
    entry, peak = intake_peak(tmp_path / "ola")
    assert isinstance(entry, SubmissionSource) and entry.origin == "ola/work.py" and peak < PEAK
    assert entry.notices == (f"ola/classification.ipynb was not read: it is larger than 20 MB; {SHRINK}",)


BINARY = "holds NUL bytes, so it is binary data, not Python source; hand in the .py file you wrote, saved as UTF-8"


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
        b"\xa7\r\r\n\x00\x00\x00\x00" + bytes(range(256)),  # a compiled .pyc
        GOOD.encode() + b"\x00",
        GOOD.encode("utf-16-le"),  # UTF-16 without its byte order mark
    ],
)
def test_a_binary_file_named_py_is_refused(tmp_path, data):
    (tmp_path / "pat.py").write_bytes(data)
    assert intake(tmp_path / "pat.py") == Rejected("pat", "pat.py", f"pat.py {BINARY}")


@pytest.mark.parametrize(
    "data, text",
    [
        (codecs.BOM_UTF8 + GOOD.encode(), GOOD),
        (b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9'\n" + GOOD.encode(), "# -*- coding: latin-1 -*-\nname = 'été'\n" + GOOD),
        (b"#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\nq = '\x93'\n", "#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\nq = '\u201c'\n"),
        (b"\n# coding=koi8-r\ns = '\xc1'\n", "\n# coding=koi8-r\ns = '\u0430'\n"),
        # Python refuses a mark and a line that disagree; the mark is the one that says what the bytes are
        (codecs.BOM_UTF8 + b"# coding: latin-1\ns = '\xc3\xa9'\n", "# coding: latin-1\ns = '\xe9'\n"),
    ],
)
def test_source_python_can_read_is_read_as_python_reads_it(tmp_path, data, text):
    (tmp_path / "quin.py").write_bytes(data)
    entry = intake(tmp_path / "quin.py")
    assert isinstance(entry, SubmissionSource) and entry.chunks[0].source == text and entry.notices == ()


@pytest.mark.parametrize("codec, mark, label", [("utf-16-le", codecs.BOM_UTF16_LE, "UTF-16"), ("utf-16-be", codecs.BOM_UTF16_BE, "UTF-16"), ("utf-32-le", codecs.BOM_UTF32_LE, "UTF-32")])
def test_utf16_and_utf32_with_a_byte_order_mark_are_read_with_a_notice(tmp_path, codec, mark, label):
    (tmp_path / "rae.py").write_bytes(mark + ("# café\n" + GOOD).encode(codec))
    entry = intake(tmp_path / "rae.py")
    assert isinstance(entry, SubmissionSource) and entry.chunks[0].source == "# café\n" + GOOD
    assert entry.notices == (f"rae.py is saved as {label}: the grader read it as such, but Python itself cannot run it; save it as UTF-8",)
    (tmp_path / "rae.py").write_bytes(mark + b"a")  # half a character
    entry = intake(tmp_path / "rae.py")
    assert isinstance(entry, Rejected) and entry.reason.startswith(f"rae.py starts with a {label} byte order mark but is not {label} text (byte 0x")


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"x = 1\ns = '\xe9'\n", "sam.py is not UTF-8 text (byte 0xe9 on line 2); save it as UTF-8, or name its encoding on its first line (# -*- coding: cp1252 -*-)"),
        (b"x = 1\n# coding: latin-1\ns = '\xe9'\n", "sam.py is not UTF-8 text (byte 0xe9 on line 3); save it as UTF-8, or name its encoding on its first line (# -*- coding: cp1252 -*-)"),
        (b"# coding: ascii\ns = '\xe9'\n", "sam.py is not ascii text, as its first lines declare (byte 0xe9 on line 2); save it as UTF-8 and delete that line"),
    ],
)
def test_text_that_is_not_what_it_declares_is_refused_naming_the_byte(tmp_path, data, reason):
    (tmp_path / "sam.py").write_bytes(data)
    assert intake(tmp_path / "sam.py") == Rejected("sam", "sam.py", reason)


@pytest.mark.parametrize("codec", ["punycode", "unicode_escape", "raw_unicode_escape", "rot13", "utf-16", "idna", "no-such-codec"])
def test_a_coding_line_naming_no_character_set_is_refused(tmp_path, codec):
    """punycode decodes in quadratic time; unicode_escape would turn `\\x69mport` into `import`."""
    (tmp_path / "tam.py").write_bytes(f"# -*- coding: {codec} -*-\n".encode() + b"\\x69mport os\n")
    assert intake(tmp_path / "tam.py") == Rejected(
        "tam", "tam.py", f"tam.py declares its encoding as '{codec}' on its first lines, which is not a character set the grader reads; save it as UTF-8 and delete that line"
    )


def test_notebooks_are_read_as_utf8_with_or_without_a_mark_and_refused_otherwise(tmp_path):
    text = nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("s = 'é'\n" + GOOD)]))
    (tmp_path / "uma.ipynb").write_bytes(codecs.BOM_UTF8 + text.encode())
    entry = intake(tmp_path / "uma.ipynb")
    assert isinstance(entry, SubmissionSource) and entry.kind == "notebook" and entry.chunks[0].source.startswith("s = 'é'")
    (tmp_path / "uma.ipynb").write_bytes(text.encode("latin-1"))
    at = text.encode("latin-1").index(b"\xe9")
    line = text.encode("latin-1").count(b"\n", 0, at) + 1
    assert intake(tmp_path / "uma.ipynb") == Rejected("uma", "uma.ipynb", f"uma.ipynb is not UTF-8 text (byte 0xe9 on line {line}); save it again from Jupyter")
    (tmp_path / "uma.ipynb").write_text(text.replace("s = 'é'", "s = '\\u0000'"))
    assert intake(tmp_path / "uma.ipynb") == Rejected(
        "uma", "uma.ipynb", "uma.ipynb cell 1 holds a NUL character, which Python code cannot contain; re-create that cell in Jupyter and save the notebook again"
    )


@pytest.mark.parametrize("document", ["[" * 100_000 + "]" * 100_000, '{"cells": ' + "[" * 50_000, "not json at all", "\x00" * 1000])
def test_a_notebook_in_an_archive_that_is_not_json_or_nested_too_deeply_is_refused(tmp_path, document):
    zipped(tmp_path / "vic.zip", [("lab/classification.ipynb", document)], zipfile.ZIP_DEFLATED)
    entry = intake(tmp_path / "vic.zip")
    assert isinstance(entry, Rejected) and entry.reason.startswith("classification.ipynb is not a valid notebook (")


# Nothing is written ----------------------------------------------------------------------------------------


def test_the_write_guard_sees_writes(tmp_path):
    """The guard every read above runs under would catch a write: open for writing, os.open, mkdir, extraction."""
    zipped(tmp_path / "w.zip", [("x.py", GOOD)])
    with no_writes() as written:
        (tmp_path / "a").write_text("x")
        os.close(os.open(tmp_path / "b", os.O_WRONLY | os.O_CREAT))
        os.mkdir(tmp_path / "c")
        with zipfile.ZipFile(tmp_path / "w.zip") as archive:
            archive.extractall(tmp_path / "d")
    assert [event for event, _ in written].count("open") >= 3 and "os.mkdir" in {event for event, _ in written}


# End to end ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def course_copy(tmp_path_factory, course):
    """A copy of the course without its samples, which grading need not check."""
    return copy_course(tmp_path_factory.mktemp("course"))


@pytest.mark.slow
def test_grading_a_class_with_a_bomb_an_escaping_archive_and_a_nested_one(tmp_path, course_copy):
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    (submissions / "bomb.zip").write_bytes(patched(inflating(zipfile.ZIP_BZIP2), "lab/classification.py", size=1000))
    correct = (SAMPLES / "correct_module.py").read_text()
    zipped(submissions / "slip.zip", [("lab/classification.py", correct), ("../../escape.py", "x = 1\n"), ("/tmp/escape.py", "x = 1\n")])
    zipped(submissions / "nest.zip", [("lab.zip", (submissions / "slip.zip").read_bytes())])
    out = tmp_path / "out"
    outside = Path("/tmp/escape.py").exists()
    completed = run_cli("grade", "02_classification", str(submissions), "--out", str(out), "--course", str(course_copy), cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    results = {student: json.loads((out / student / "results.json").read_text()) for student in ("bomb", "slip", "nest")}
    assert "not graded: bomb.zip:lab/classification.py inflates to more than the 1000 bytes its header declares" in results["bomb"]["output"]
    assert "not graded: nest.zip holds no .py or .ipynb file" in results["nest"]["output"]
    assert "nest.zip:lab.zip is an archive inside your submission" in results["nest"]["output"]
    assert results["bomb"]["score"] == results["nest"]["score"] == 0
    assert results["slip"]["score"] == results["slip"]["max_score"] > 0
    assert f"slip.zip:../../escape.py {OUTSIDE}; slip.zip:/tmp/escape.py {OUTSIDE}" in results["slip"]["output"]
    assert not (tmp_path.parent / "escape.py").exists() and not (tmp_path / "escape.py").exists()
    assert Path("/tmp/escape.py").exists() == outside
