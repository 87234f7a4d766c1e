"""The per-student feedback report, in Markdown (readable as plain text too).

Everything in it that a student's files could have chosen (their name, the
graded file's name, exception messages inside test output, notices, what
their code printed) is written as literal text: in code blocks whose fence
no line can close, or escaped inline, so that it can neither forge a score
line nor carry HTML into a rendered report. See `autograder.results.text`.
"""

from __future__ import annotations

from pathlib import Path

from autograder.results import text
from autograder.results.files import write_atomically
from autograder.results.model import Outcome, SubmissionResult

MARKS = {Outcome.PASSED: "PASS", Outcome.FAILED: "FAIL", Outcome.SKIPPED: "SKIP"}


def _fmt(value: float) -> str:
    return f"{value:g}"


def _notice(notice: str) -> list[str]:
    """A list item: one line as escaped prose, more lines as a code block below the first."""
    first, _, rest = notice.partition("\n")
    lines = [f"- {text.md_inline(first)}"]
    if rest:
        lines += ["", *text.md_block(rest, "  "), ""]
    return lines


def render(result: SubmissionResult) -> str:
    lines = [
        f"# Feedback for {text.md_inline(text.name(result.student))}: {result.assignment}",
        "",
        f"Graded file: {text.md_code_span(text.name(result.origin))}",
        f"**Total: {_fmt(result.score)} / {_fmt(result.max_score)}**",
        "",
        "| exercise | score |",
        "|---|---|",
    ]
    lines += [f"| {e.exercise} | {_fmt(e.score)} / {_fmt(e.max_score)} |" for e in result.by_exercise()]
    if result.skipped:
        lines += ["", f"{len(result.skipped)} test(s) skipped: they count for no points on either side of the total (see SKIP below)."]
    if result.notices:
        lines += ["", "## Notes", ""]
        for notice in text.notices(result.notices):
            lines += _notice(notice)
    for exercise in result.exercises:
        tests = [t for t in result.tests if t.exercise == exercise]
        if not tests:
            continue
        lines += ["", f"## {exercise}", ""]
        for t in tests:
            points = "not counted" if t.skipped else f"{_fmt(t.score)}/{_fmt(t.max_score)}"
            lines.append(f"- [{MARKS[t.outcome]}] {t.title} ({points})")
            if not t.passed and t.output:
                lines += ["", *text.md_block(text.clip(t.output, text.MAX_TEST_OUTPUT), "  "), ""]
    if result.output.strip():
        printed = text.clip_tail(result.output.rstrip(), text.MAX_PRINTED)
        lines += ["", "## What your code printed (last part)", "", *text.md_block(printed)]
    return "\n".join(lines) + "\n"


def write(result: SubmissionResult, path: Path) -> None:
    write_atomically(path, render(result))
