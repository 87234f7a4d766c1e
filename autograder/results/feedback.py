"""The per-student feedback report, in Markdown (readable as plain text too)."""

from __future__ import annotations

from pathlib import Path

from autograder.results.model import SubmissionResult


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
    if result.notices:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in result.notices]
    for exercise in result.exercises:
        tests = [t for t in result.tests if t.exercise == exercise]
        if not tests:
            continue
        lines += ["", f"## {exercise}", ""]
        for t in tests:
            mark = "PASS" if t.passed else "FAIL"
            lines.append(f"- [{mark}] {t.title} ({_fmt(t.score)}/{_fmt(t.max_score)})")
            if not t.passed and t.output:
                lines += ["", "  ```", *(f"  {line}" for line in t.output.splitlines()), "  ```", ""]
    if result.output.strip():
        lines += ["", "## What your code printed (last part)", "", "```", result.output.rstrip(), "```"]
    return "\n".join(lines) + "\n"


def write(result: SubmissionResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(result), encoding="utf-8")
