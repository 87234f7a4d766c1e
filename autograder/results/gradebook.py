"""gradebook.csv: one row per student, a column per exercise, then the total.

The maximum and the number of skipped tests follow the total, because a test
skipped on this machine (a GPU check without a GPU) counts on neither side.
The student's name comes from a file the student named, so its cell is made
plain text that no spreadsheet runs as a formula (`text.csv_cell`).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Iterable

from autograder.results import text
from autograder.results.files import write_atomically
from autograder.results.model import SubmissionResult


def write(results: Iterable[SubmissionResult], exercises: tuple[str, ...], path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student", *exercises, "total", "max_score", "skipped_tests"])
    for result in sorted(results, key=lambda r: r.student):
        scores = {e.exercise: e.score for e in result.by_exercise()}
        row = [text.csv_cell(result.student), *(f"{scores.get(e, 0.0):g}" for e in exercises), f"{result.score:g}"]
        writer.writerow(row + [f"{result.max_score:g}", str(len(result.skipped))])
    write_atomically(path, buffer.getvalue())
