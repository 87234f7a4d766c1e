"""results.json in Gradescope's autograder format.

Every string a student's files could have chosen is capped and has its
control characters made visible (see `autograder.results.text`), so that one
runaway exception message cannot grow the file to megabytes and no escape
sequence or bidi override reaches the page. `output_format` is left unset:
Gradescope then shows each `output` as plain text, never as HTML or Markdown.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from autograder.results import text
from autograder.results.files import write_atomically
from autograder.results.model import SubmissionResult


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 6)


def to_json(result: SubmissionResult) -> dict[str, Any]:
    output = "\n".join(text.notices(result.notices))
    return {
        "score": _number(result.score),
        "max_score": _number(result.max_score),
        "execution_time": round(result.seconds, 3),
        "output": output,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [
            {
                "name": t.name,
                "score": _number(t.score),
                "max_score": _number(t.max_score),
                "status": t.outcome.value,
                "visibility": t.visibility,
                "output": text.clip(t.output, text.MAX_TEST_OUTPUT),
            }
            for t in result.tests
        ],
        "extra_data": {
            "student": text.name(result.student),
            "assignment": result.assignment,
            "graded_file": text.name(result.origin),
            "isolation": result.isolation,
            "exercises": {e.exercise: {"score": _number(e.score), "max_score": _number(e.max_score)} for e in result.by_exercise()},
        },
    }


def write(result: SubmissionResult, path: Path) -> None:
    write_atomically(path, json.dumps(to_json(result), indent=2) + "\n")
