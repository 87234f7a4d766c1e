"""The `autograder` command: a thin layer of argument parsing over the package.

Every verb maps to one function; anything the user got wrong surfaces as a
UsageError, printed as one clear message with exit status 2, and a failure of
the grader itself as a GraderError, with exit status 3. Names, reasons and
messages that come from students' files are printed through
`autograder.results.text`, so that none can move the cursor, recolour or
rewrite the terminal.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Sequence

from autograder.errors import GraderError, UsageError
from autograder.results import text


def _fmt(value: float) -> str:
    return f"{value:g}"


def _cmd_grade(args: argparse.Namespace) -> int:
    """Grade a class deaf to signals from the students' processes (entered before torch starts threads)."""
    from autograder.grading.processes import shielded

    with shielded():
        return _grade(args)


def _grade(args: argparse.Namespace) -> int:
    from autograder.config import find_course, load_assignment
    from autograder.grading.batch import grade_class
    from autograder.results.model import SubmissionResult

    course = Path(args.course) if args.course else find_course(Path.cwd())
    config = load_assignment(course, args.assignment)
    submissions, out = Path(args.submissions), Path(args.out)
    started = time.monotonic()

    def progress(result: SubmissionResult) -> None:
        print(f"  graded {text.name(result.student)}: {_fmt(result.score)}/{_fmt(result.max_score)}", flush=True)

    print(f"Grading {submissions} against {config.name} (public and hidden tests)...", flush=True)
    report = grade_class(
        config, course, submissions, out, jobs=args.jobs, progress=None if args.quiet else progress, isolation=args.isolation
    )
    elapsed = time.monotonic() - started

    names = config.exercise_names
    students = {r.student: text.name(r.student) for r in report.results}
    width = max([len("student")] + [len(shown) for shown in students.values()])
    print(f"\nGraded {len(report.results)} submission(s) of {config.name} in {elapsed:.1f} s")
    levels: dict[str, int] = {}  # the grader's own words (launchers.LEVELS), not a student's
    for result in report.results:
        levels[result.isolation] = levels.get(result.isolation, 0) + 1
    for level, count in levels.items():
        print(f"Isolation: {level}" + (f" ({count} of {len(report.results)})" if len(levels) > 1 else ""))
    print()
    print("  ".join([f"{'student':<{width}}", *(f"{n:>{max(len(n), 7)}}" for n in names), f"{'total':>9}"]))
    for result in report.results:
        cells = {e.exercise: f"{_fmt(e.score)}/{_fmt(e.max_score)}" for e in result.by_exercise()}
        row = [f"{students[result.student]:<{width}}", *(f"{cells[n]:>{max(len(n), 7)}}" for n in names)]
        print("  ".join(row + [f"{_fmt(result.score) + '/' + _fmt(result.max_score):>9}"]))
    reasons: dict[str, list[str]] = {}
    for result in report.results:
        for test in result.skipped:
            reasons.setdefault(test.name, []).append(test.output)
    for name, outputs in reasons.items():
        print(f"not counted for {len(outputs)} of {len(report.results)}: {name} (skipped: {text.name(outputs[0])})")
    for skipped in report.skipped:
        print(f"skipped {text.name(skipped.origin)}: {text.name(skipped.reason)}")
    if report.results:
        example = report.folders[report.results[0].student]
        print(f"\nResults:   {out / '<student>' / 'results.json'}   (e.g. {text.one_line(str(out / example / 'results.json'))})")
        print(f"Feedback:  {out / '<student>' / 'feedback.md'}")
    print(f"Gradebook: {report.gradebook}")
    return 0


def _cmd_release(args: argparse.Namespace) -> int:
    from autograder.config import find_course
    from autograder.release.build import release

    course = Path(args.course) if args.course else find_course(Path.cwd())
    for written in release(course, args.assignments):
        print(f"wrote {written.relative_to(course)}")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from autograder.check import run_check

    return run_check(Path(args.path), Path(args.file) if args.file else None)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograder", description="Course pack and autograder for PyTorch exercises.")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    release = verbs.add_parser("release", help="regenerate student_template/ and reference/ from assignments/")
    release.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: every assignment")
    release.add_argument("--course", help="course folder holding assignments/ (default: found from the current folder)")
    release.set_defaults(run=_cmd_release)

    check = verbs.add_parser("check", help="run the public tests on your work, with hints")
    check.add_argument("path", nargs="?", default=".", metavar="PATH", help="your assignment folder, or the file in it to check (default: .)")
    check.add_argument("--file", help="the .py or .ipynb to check (default: the one you worked in)")
    check.set_defaults(run=_cmd_check)

    grade = verbs.add_parser("grade", help="grade a folder of submissions with public and hidden tests")
    grade.add_argument("assignment", metavar="ASSIGNMENT", help="e.g. 02_classification")
    grade.add_argument("submissions", metavar="SUBMISSIONS", help="folder with one entry per student")
    grade.add_argument("--out", required=True, help="folder for results, feedback and gradebook.csv")
    grade.add_argument("--jobs", type=int, default=None, help="parallel graders (default: number of cores)")
    grade.add_argument("--course", help="course folder holding assignments/ (default: found from the current folder)")
    grade.add_argument("--quiet", action="store_true", help="print only the summary")
    grade.add_argument(
        "--isolation",
        choices=("auto", "bubblewrap", "fork", "process"),
        default="auto",
        help="how workers are isolated: auto (the best this machine allows; the default), bubblewrap (that or an error), "
        "fork (a warm fork server, no sandbox), process (a fresh interpreter per worker)",
    )
    grade.set_defaults(run=_cmd_grade)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except UsageError as exc:
        print(f"autograder: error: {text.visible(str(exc))}", file=sys.stderr)
        return 2
    except GraderError as exc:
        print(f"autograder: internal error: {text.visible(str(exc))}\nplease report this with the command you ran", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print("autograder: interrupted; results written so far are kept", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
