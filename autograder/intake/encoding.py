"""A student's source file as text: read as Python reads it, or refused saying how to save it.

Python reads a .py file as UTF-8, with or without a byte order mark, unless
a PEP 263 line (`# -*- coding: latin-1 -*-`) on one of its first two lines
names another encoding; intake does the same, so every file Python runs is
read as Python reads it, and nothing is guessed. A file that says what it
is with a UTF-16 or UTF-32 byte order mark (Windows PowerShell's `>` writes
UTF-16) is read as such with a notice to save it as UTF-8: Python cannot
run it, but the mark leaves no doubt about its text, and refusing honest
work for how an editor saved it would cost every point.

Refused, with a reason: text that is not what it declares (or UTF-8 when
it declares nothing), a file with NUL bytes and no byte order mark (binary
data, not source), and a coding line naming anything but a character set:
`punycode` takes quadratic time to decode, `unicode_escape` is not a
character set at all.
"""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),  # before UTF-16: its mark starts with UTF-16's
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)
_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_BLANK = re.compile(rb"^[ \t\f]*(?:[#\r\n]|$)")
_CHARSETS = re.compile(
    r"ascii|utf-8|iso8859-\d+|cp\d+|mac-[a-z-]+|koi8-[a-z]+|big5(hkscs)?|gb2312|gbk|gb18030|hz|johab|"
    r"shift_jis(_2004|x0213)?|euc_(jp|jis_2004|jisx0213|kr)|iso2022_[a-z0-9_]+|ptcp154|kz1048|tis-620"
)
_SAVE = "save it as UTF-8"


def _declared(data: bytes) -> str | None:
    """The encoding a PEP 263 line names, looked for where Python looks: line 1, or line 2 after a comment or blank."""
    lines = data.split(b"\n", 2)[:2]
    for index, line in enumerate(lines):
        found = _COOKIE.match(line)
        if found:
            return found.group(1).decode("ascii")
        if index == 0 and not _BLANK.match(line):
            return None
    return None


def _where(data: bytes, at: int) -> str:
    line = data.count(b"\n", 0, at) + 1
    return f"byte 0x{data[at]:02x} on line {line}"


def _charset(declared: str, name: str) -> str:
    """The codec for a declared encoding, if it is a character set; raises ValueError."""
    try:
        codec = codecs.lookup(declared).name
    except LookupError:
        codec = ""
    if not _CHARSETS.fullmatch(codec):
        raise ValueError(f"{name} declares its encoding as {declared!r} on its first lines, which is not a character set the grader reads; {_SAVE} and delete that line")
    return codec


def decode_source(data: bytes, name: str) -> tuple[str, str | None]:
    """(the text of a .py file, a notice for the student or None); raises ValueError with a reason naming `name`."""
    for mark, codec, label in _BOMS:
        if data.startswith(mark):
            try:
                text = data[len(mark) :].decode(codec)
            except UnicodeDecodeError as exc:
                raise ValueError(f"{name} starts with a {label} byte order mark but is not {label} text ({_where(data, len(mark) + exc.start)}); {_SAVE}") from None
            return text, f"{name} is saved as {label}: the grader read it as such, but Python itself cannot run it; {_SAVE}"
    if b"\0" in data:
        raise ValueError(f"{name} holds NUL bytes, so it is binary data, not Python source; hand in the .py file you wrote, saved as UTF-8")
    marked = data.startswith(codecs.BOM_UTF8)
    body = data[len(codecs.BOM_UTF8) :] if marked else data
    declared = _declared(body)
    codec = "utf-8" if declared is None or marked else _charset(declared, name)
    try:
        return body.decode(codec), None
    except UnicodeDecodeError as exc:
        where = _where(body, exc.start)
    if codec != "utf-8":
        raise ValueError(f"{name} is not {declared} text, as its first lines declare ({where}); {_SAVE} and delete that line")
    raise ValueError(f"{name} is not UTF-8 text ({where}); {_SAVE}, or name its encoding on its first line (# -*- coding: cp1252 -*-)")


def decode_notebook(data: bytes, name: str) -> str:
    """The JSON text of a notebook, which Jupyter always saves as UTF-8; raises ValueError."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{name} is not UTF-8 text ({_where(data, exc.start)}); save it again from Jupyter") from None
