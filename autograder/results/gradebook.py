"""gradebook.csv: one row per student, a column per exercise, then the total.

The maximum and the number of skipped tests follow the total, because a test
skipped on this machine (a GPU check without a GPU) counts on neither side.
The student's name comes from a file the student named, so its cell is made
plain text that no spreadsheet runs as a formula (`text.csv_cell`).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterable

from autograder.results import text
from autograder.results.model import SubmissionResult


def write(results: Iterable[SubmissionResult], exercises: tuple[str, ...], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", *exercises, "total", "max_score", "skipped_tests"])
        for result in sorted(results, key=lambda r: r.student):
            scores = {e.exercise: e.score for e in result.by_exercise()}
            row = [text.csv_cell(result.student), *(f"{scores.get(e, 0.0):g}" for e in exercises), f"{result.score:g}"]
            writer.writerow(row + [f"{result.max_score:g}", str(len(result.skipped))])
