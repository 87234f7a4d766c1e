"""Student names, and the output folder each one gets.

A student's name is the name of the file or folder they handed in, so it is
text a student chose: it may be bytes that are not UTF-8, hold terminal
escapes (`\\x1b[31m`), line breaks or a right-to-left override, look like
one of the grader's own output files, or differ from another student's name
only in letter case. Intake therefore

- shows every name through `printable`, which escapes what cannot be shown
  (so writing it anywhere as UTF-8 works and a terminal shows what is there),
- refuses names that needed escaping or that the grader uses itself
  (`name_problem`), and names that another name could be mistaken for
  (`clash_key`),
- and puts each student's results in `folder_for(student)`, a folder name
  that depends on that name alone, so no other submission, nor the order in
  which they are read, can move a student's results or take their folder.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

RESERVED_NAMES = ("gradebook.csv", "report.md", "report.html", "class_report.md", "class_report.html", "_grader")
"""Names the grader writes at the top of the output folder; no student may be named so (compared case-insensitively)."""

MAX_PLAIN_FOLDER = 100
_PLAIN = re.compile(r"[a-z0-9_.@+-]+")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.@+-]")
_HASHED = re.compile(r"-[0-9a-f]{16}\Z")
_WINDOWS_DEVICES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def _escape(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, as os.listdir hands it over
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x80:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def printable(name: str) -> str:
    """`name` as text that can be shown and written anywhere, and still tells names apart.

    Bytes that are not UTF-8 become `\\xNN` (NN of 80 and up), control and
    invisible characters `\\x1b`, `\\u202e`, and a backslash `\\\\`; the
    escaping is one-to-one, so two different names stay two different
    students. Apply it once, to a name as Python gives it: from an archive,
    or from a (UTF-8) file system, which hands bytes that are not UTF-8 over
    as surrogate escapes.
    """
    out = []
    for char in name:
        if char == "\\":
            out.append("\\\\")
        elif char == " " or (char.isprintable() and not 0xD800 <= ord(char) <= 0xDFFF):
            out.append(char)
        else:
            out.append(_escape(char))
    return "".join(out)


def name_problem(raw: str, student: str) -> str | None:
    """Why the file or folder named `raw` cannot be graded as `student` (its `printable` stem), or None.

    The reason is written for the student, who has to rename the file.
    """
    shown = printable(raw)
    how = "rename it with letters, digits, '-' and '_' only, and hand it in again"
    if any(0xDC80 <= ord(c) <= 0xDCFF for c in raw):
        return f"the name of {shown} is not valid UTF-8 text; {how}"
    escaped = sorted({_escape(c) for c in raw if c != "\\" and c != " " and not c.isprintable()})
    if escaped:
        return f"the name of {shown} holds control or invisible characters ({', '.join(escaped)}); {how}"
    if not student.strip():
        return f"the name of {shown} is blank before its extension; {how}"
    if clash_key(student) in {clash_key(n) for n in RESERVED_NAMES}:
        return f"{shown} would be graded as {student}, a name the grader uses for its own output; {how}"
    return None


def clash_key(student: str) -> str:
    """What two names share when people or file systems could take one for the other.

    Letter case (case-insensitive file systems, as on macOS and Windows),
    Unicode form (an accent as one character or two, which macOS file
    systems also equate, and compatibility forms such as fullwidth letters)
    and surrounding spaces.
    """
    return unicodedata.normalize("NFKC", student).casefold().strip()


def folder_for(student: str) -> str:
    """The name of the output folder for `student`: a function of the name alone.

    A name of lowercase letters, digits and `_.@+-` is its own folder. Any
    other name, including one with a capital letter, gets a sanitised form
    followed by `-` and 16 hex digits of the SHA-256 of the name: two names
    that differ only in case would otherwise share one folder on a
    case-insensitive file system, whichever student came first. A plain name
    that itself ends like a hashed one is hashed too, so no student can name
    a file after another student's folder, and 16 digits (64 bits) are too
    many to find a second name with the same digits by trying. The result is
    never a path: no separator, no `..`, no leading dot or dash, not a name
    the grader writes, nor a Windows device name.
    """
    if (
        _PLAIN.fullmatch(student)
        and len(student) <= MAX_PLAIN_FOLDER
        and student[0] not in ".-"
        and not student.endswith(".")
        and student not in RESERVED_NAMES
        and student.split(".")[0] not in _WINDOWS_DEVICES
        and not _HASHED.search(student)
    ):
        return student
    digest = hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    base = _UNSAFE.sub("_", student).lstrip(".-")[:64] or "student"
    return f"{base}-{digest}"
