"""The per-student feedback report, in Markdown (readable as plain text too)."""

from __future__ import annotations

from pathlib import Path

from autograder.results.model import Outcome, SubmissionResult

MARKS = {Outcome.PASSED: "PASS", Outcome.FAILED: "FAIL", Outcome.SKIPPED: "SKIP"}


def _fmt(value: float) -> str:
    return f"{value:g}"


def render(result: SubmissionResult) -> str:
    lines = [
        f"# Feedback for {result.student}: {result.assignment}",
        "",
        f"Graded file: `{result.origin}`",
        f"**Total: {_fmt(result.score)} / {_fmt(result.max_score)}**",
        "",
        "| exercise | score |",
        "|---|---|",
    ]
    lines += [f"| {e.exercise} | {_fmt(e.score)} / {_fmt(e.max_score)} |" for e in result.by_exercise()]
    if result.skipped:
        lines += ["", f"{len(result.skipped)} test(s) skipped: they count for no points on either side of the total (see SKIP below)."]
    if result.notices:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in result.notices]
    for exercise in result.exercises:
        tests = [t for t in result.tests if t.exercise == exercise]
        if not tests:
            continue
        lines += ["", f"## {exercise}", ""]
        for t in tests:
            points = "not counted" if t.skipped else f"{_fmt(t.score)}/{_fmt(t.max_score)}"
            lines.append(f"- [{MARKS[t.outcome]}] {t.title} ({points})")
            if not t.passed and t.output:
                lines += ["", "  ```", *(f"  {line}" for line in t.output.splitlines()), "  ```", ""]
    if result.output.strip():
        lines += ["", "## What your code printed (last part)", "", "```", result.output.rstrip(), "```"]
    return "\n".join(lines) + "\n"


def write(result: SubmissionResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(result), encoding="utf-8")
