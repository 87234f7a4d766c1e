"""`autograder check`: a student's own run of the public tests, with hints.

It grades exactly as the real grader does (static checks, a separate worker
process, the same messages) but with the public tests only, and prints a
per-exercise table and what to fix. Exit status 0 only when all tests pass.
The .py files beside the checked file come along as modules it can import,
as they do when the student runs their own code there. What the student's
code said (exception messages, notices) is printed with its control
characters made visible and capped, as in the real reports, so that a stray
escape sequence cannot garble or hide the table.
"""

from __future__ import annotations

from pathlib import Path

from autograder.config import AssignmentConfig, load_config
from autograder.errors import UsageError
from autograder.grading.grade import grade_source, suite_dirs
from autograder.intake.discover import choose_file, source_from_bytes
from autograder.intake.modules import folder_files, with_helpers
from autograder.results import text
from autograder.results.model import SubmissionResult


def _pick_file(folder: Path, config: AssignmentConfig, file: Path | None) -> Path:
    if file is not None:
        path = file if file.is_absolute() or file.exists() else folder / file
        if not path.is_file():
            raise UsageError(f"{file}: no such file")
        return path
    candidates = [p for p in (folder / config.module_file, folder / config.notebook_file) if p.is_file()]
    if not candidates:
        raise UsageError(f"{folder} holds neither {config.module_file} nor {config.notebook_file}")
    return choose_file(folder, candidates, config.module, config.exercise_names)


def render(result: SubmissionResult) -> str:
    lines = []
    width = max(len(e) for e in result.exercises)
    for score in result.by_exercise():
        mark = "ok " if score.score == score.max_score else "fix"
        lines.append(f"  {mark} {score.exercise:<{width}}  {score.score:g} / {score.max_score:g}")
    lines.append(f"      {'public total':<{width}}  {result.score:g} / {result.max_score:g}")
    failures = [t for t in result.tests if t.failed]
    if failures:
        lines.append("")
        for test in failures:
            lines.append(f"FAILED {test.name}")
            lines += [f"    {line}" for line in text.clip(test.output, text.MAX_TEST_OUTPUT).splitlines()]
            lines.append("")
    for test in result.skipped:
        lines.append(f"SKIPPED {test.name} (for no points): {text.clip(test.output, text.MAX_NOTICE, text.one_line)}")
    for notice in text.notices(result.notices):
        lines.append(f"note: {notice}")
    return "\n".join(lines)


def run_check(folder: Path, file: Path | None) -> int:
    if folder.is_file() and file is None:
        folder, file = folder.parent, folder
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a folder; pass your assignment folder (the one with assignment.toml)")
    config = load_config(folder)
    path = _pick_file(folder, config, file)
    try:
        source = source_from_bytes("you", path.name, path.name, path.read_bytes())
        source = with_helpers(source, folder_files(path.parent), path.name, "", config.module)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    print(f"Checking {text.name(path.name)} with the public tests of {config.name}...\n")
    result = grade_source(config, source, suite_dirs(config, include_hidden=False), reference=None)
    print(render(result))
    passed = not any(t.failed for t in result.tests)
    print(
        "\nAll public tests pass. The final grade also uses hidden tests: other shapes, dtypes and edge cases."
        if passed
        else "\nSome public tests fail: read the messages above, fix, and run `autograder check` again."
    )
    return 0 if passed else 1
