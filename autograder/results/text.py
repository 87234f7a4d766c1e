"""Student-derived text made safe for every place a result is written.

Exception messages, printed output, file names and student names all come
from files that students chose, so they are data, never markup or terminal
commands. Each sink gets one helper here:

- `visible` escapes control and invisible format characters (ANSI escapes,
  carriage returns, NUL, bidi overrides such as U+202E) as `\\x1b`, `\\u202e`,
  so that what a reader sees is what the text holds; `\\n` and `\\t` are kept
  for multi-line blocks, and `one_line` escapes them too.
- `clip` and `clip_tail` cap a string and say how much was cut, so that a
  megabyte exception message cannot become a megabyte of results.
- `md_inline`, `md_code_span` and `md_block` put text into Markdown as
  literal text (and, through a Markdown renderer, as literal HTML text).
- `csv_cell` keeps a spreadsheet from reading a cell as a formula.

The caps are here, in one place, so every writer cuts at the same length.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

MAX_TEST_OUTPUT = 4000
"""Characters of one test's `output` (its failure message, with the student's exception)."""
MAX_NOTICE = 2000
"""Characters of one notice (a load error, a worker event)."""
MAX_NOTICES = 50
"""Notices kept per submission; the rest are counted, not shown."""
MAX_PRINTED = 100_000
"""Characters of what the student's code printed, keeping the end. Each worker already keeps only
its last `output_limit_bytes` (64 kB by default) and says so in a first line; this cap is above
that, so the worker's own note normally survives, and bounds the sum over restarted workers."""
MAX_NAME = 200
"""Characters of a one-line field: a student name, a file name, a skip reason."""

_CANDIDATES = re.compile(r"[^\x20-\x7e\n\t]")
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_MARKDOWN_ALWAYS = frozenset("\\`*[]~|")
_BLOCK_MARKER = re.compile(r" *(?:[!-/:-@\[-`{-~]|[0-9]{1,9}[.)])")
_HTML_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
_BACKTICK_RUN = re.compile(r"`+")
_FORMULA_START = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")


def _escape_char(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _escape_if_unsafe(match: re.Match[str]) -> str:
    char = match.group()
    return _escape_char(char) if unicodedata.category(char) in _UNSAFE_CATEGORIES else char


def visible(text: str) -> str:
    """`text` with every control or invisible format character written as an escape.

    Unicode categories Cc (controls, ANSI's ESC included), Cf (bidi overrides,
    zero-width characters), Cs (lone surrogates, which cannot even be written
    as UTF-8), Zl and Zp (line and paragraph separators, which some readers
    break lines on) are escaped; `\\n` and `\\t` stay, and a Windows line
    ending becomes a plain `\\n`.
    """
    return _CANDIDATES.sub(_escape_if_unsafe, text.replace("\r\n", "\n"))


def one_line(text: str) -> str:
    """`visible(text)` with newlines and tabs escaped too, for a field that must stay on its line."""
    return visible(text).replace("\n", "\\n").replace("\t", "\\t")


def _cut_note(cut: int) -> str:
    return f"[... {cut} more characters not shown]"


def _fit(text: str, limit: int, escape: Callable[[str], str], keep_end: bool) -> str:
    """The longest head (or tail) of `text` whose escaped form fits in `limit` characters, escaped.

    Escaping lengthens a character up to tenfold, so the cap is applied to
    the escaped text, where it is measured; a binary search over the raw
    length finds the cut without escaping more than `limit` raw characters.
    """

    def part(n: int) -> str:
        return text[len(text) - n :] if keep_end else text[:n]

    shown = escape(part(min(len(text), limit)))
    if len(shown) <= limit and len(text) <= limit:
        return shown
    low, high = 0, min(len(text), limit)
    while low < high:
        middle = (low + high + 1) // 2
        if len(escape(part(middle))) <= limit:
            low = middle
        else:
            high = middle - 1
    note = _cut_note(len(text) - low)
    return f"{note}\n{escape(part(low))}" if keep_end else f"{escape(part(low))} {note}"


def clip(text: str, limit: int, escape: Callable[[str], str] = visible) -> str:
    """`escape(text)` cut to `limit` characters, keeping the start, with a note of how much was cut."""
    return _fit(text, limit, escape, keep_end=False)


def clip_tail(text: str, limit: int, escape: Callable[[str], str] = visible) -> str:
    """`escape(text)` cut to `limit` characters, keeping the end (what was printed last)."""
    return _fit(text, limit, escape, keep_end=True)


def name(text: str) -> str:
    """A one-line field (student, file name, reason) as safe plain text, capped at MAX_NAME."""
    return clip(text, MAX_NAME, one_line)


def notices(items: tuple[str, ...]) -> list[str]:
    """At most MAX_NOTICES notices, each capped and made visible, and a count of those left out."""
    kept = [clip(n, MAX_NOTICE) for n in items[:MAX_NOTICES]]
    if len(items) > MAX_NOTICES:
        kept.append(f"[... {len(items) - MAX_NOTICES} more notes not shown]")
    return kept


def _inert_underscore(line: str, i: int) -> bool:
    """An underscore between two letters or digits, which CommonMark never reads as emphasis."""
    return 0 < i < len(line) - 1 and line[i - 1].isalnum() and line[i + 1].isalnum()


def md_inline(text: str) -> str:
    """`text` as literal Markdown inline text, on one line.

    `<`, `>` and `&` become entities, so no raw HTML survives into the
    rendered report. The Markdown punctuation that acts anywhere in a line
    (backslash, backtick, `*`, `[`, `]`, `~`, `|`, and `_` except between two
    letters, where CommonMark ignores it) is backslash-escaped, and so is a
    block marker at the start (`#`, `-`, `1.`...), since the text may begin a
    list item or heading. Other punctuation is left alone: escaping it would
    change nothing when rendered and make the plain-text report harder to read.
    """
    line = one_line(text)
    marker = _BLOCK_MARKER.match(line)
    lead = marker.end() - 1 if marker else -1
    out = []
    for i, char in enumerate(line):
        if char in _HTML_ENTITIES:
            out.append(_HTML_ENTITIES[char])
        elif char in _MARKDOWN_ALWAYS or i == lead or (char == "_" and not _inert_underscore(line, i)):
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def _fence_length(text: str, least: int) -> int:
    return max([least] + [len(run) + 1 for run in _BACKTICK_RUN.findall(text)])


def md_code_span(text: str) -> str:
    """`text` as a one-line Markdown code span: literal, its delimiter longer than any backtick run in it."""
    content = one_line(text)
    fence = "`" * _fence_length(content, 1)
    if content.startswith("`") or content.endswith("`"):
        content = f" {content} "
    return f"{fence}{content}{fence}"


def md_block(text: str, indent: str = "") -> list[str]:
    """`text` as the lines of a fenced Markdown code block, each prefixed with `indent`.

    Its fence is longer than any run of backticks in the text (CommonMark
    closes a fence only with one at least as long), so no line of the text
    can close the block and be read as Markdown. `visible` has already
    escaped every line break but `\\n`, so the lines split here are the lines
    a reader sees.
    """
    content = visible(text)
    fence = "`" * _fence_length(content, 3)
    return [f"{indent}{fence}", *(f"{indent}{line}" if line else "" for line in content.splitlines()), f"{indent}{fence}"]


def csv_cell(text: str) -> str:
    """A one-line field for a CSV cell, with a leading `'` where a spreadsheet would see a formula.

    OWASP's advice for CSV injection: a cell starting with `=`, `+`, `-`, `@`,
    a tab or a carriage return (or their full-width forms, or any of them after
    spaces) is run as a formula by Excel and LibreOffice; the quote makes it text.
    """
    shown = name(text)
    first = text.lstrip(" ")[:1]
    return f"'{shown}" if first and first in _FORMULA_START else shown
