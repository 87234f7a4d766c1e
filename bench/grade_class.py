"""Benchmark: grading a class of N submissions, against the cost of one `import torch`.

    .venv/bin/python bench/grade_class.py [--assignment 02_classification] [--students 30] [--jobs N]

Builds a class by cycling through the bundled samples of an assignment,
grades it with the real pipeline and reports wall time per submission next to
the time a fresh Python takes to import torch (the cost a warm worker pool is
meant to remove). Run by hand; the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.config import load_assignment
from autograder.grading.batch import grade_class

COURSE = Path(__file__).resolve().parent.parent


def import_torch_seconds() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--assignment", default="02_classification")
    args = parser.parse_args()

    config = load_assignment(COURSE, args.assignment)
    samples = sorted(p for p in config.samples_dir.iterdir() if not p.name.startswith("."))
    with tempfile.TemporaryDirectory() as tmp:
        submissions, out = Path(tmp) / "class", Path(tmp) / "out"
        submissions.mkdir()
        for i in range(args.students):
            sample = samples[i % len(samples)]
            target = submissions / f"student{i:04d}{sample.suffix}"
            (shutil.copytree if sample.is_dir() else shutil.copy)(sample, target)
        baseline = min(import_torch_seconds() for _ in range(3))
        started = time.perf_counter()
        report = grade_class(config, COURSE, submissions, out, jobs=args.jobs)
        elapsed = time.perf_counter() - started

    jobs = args.jobs or os.cpu_count() or 1
    per = elapsed / len(report.results)
    print(f"students graded:          {len(report.results)} with {jobs} parallel graders")
    print(f"wall time:                {elapsed:.1f} s ({per:.2f} s per submission)")
    print(f"one fresh `import torch`: {baseline:.2f} s")
    print(f"per submission / import:  {per / baseline:.2f}")


if __name__ == "__main__":
    main()
