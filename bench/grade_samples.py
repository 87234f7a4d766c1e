"""Benchmark: grading every sample of an assignment once, as a class.

    .venv/bin/python bench/grade_samples.py [ASSIGNMENT...] [--jobs N]

The samples are the assignment's own tests (correct work in several styles
and the typical mistakes), so this is the cost of one realistic class. It
reports the wall time of the whole batch against its budget (3 minutes on 2
cores), and each submission's own grading time, slowest first, against the
budget of a correct submission (15 s). Run by hand; the numbers depend on
the machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from autograder.config import assignment_names, load_assignment
from autograder.grading.batch import grade_class

COURSE = Path(__file__).resolve().parent.parent
BATCH_BUDGET_S = 180.0
CORRECT_BUDGET_S = 15.0


def bench(name: str, jobs: int | None) -> None:
    config = load_assignment(COURSE, name)
    with tempfile.TemporaryDirectory() as tmp:
        submissions, out = Path(tmp) / "class", Path(tmp) / "out"
        submissions.mkdir()
        for sample_name, sample in config.samples.items():
            source = config.samples_dir / sample.file
            target = submissions / f"{sample_name}{source.suffix if source.is_file() else ''}"
            (shutil.copytree if source.is_dir() else shutil.copy)(source, target)
        started = time.perf_counter()
        report = grade_class(config, COURSE, submissions, out, jobs=jobs)
        elapsed = time.perf_counter() - started
    correct = {n for n, s in config.samples.items() if not s.loses}
    print(f"{name}: {len(report.results)} samples with {jobs or os.cpu_count()} parallel graders")
    print(f"  wall time: {elapsed:.1f} s (budget {BATCH_BUDGET_S:.0f} s){'' if elapsed <= BATCH_BUDGET_S else '  OVER BUDGET'}")
    for result in sorted(report.results, key=lambda r: -r.seconds):
        flag = "  OVER BUDGET" if result.student in correct and result.seconds > CORRECT_BUDGET_S else ""
        kind = "correct" if result.student in correct else "mistake"
        print(f"  {result.seconds:6.1f} s  {kind:7}  {result.student}{flag}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*")
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    for name in args.assignments or assignment_names(COURSE):
        bench(name, args.jobs)


if __name__ == "__main__":
    main()
