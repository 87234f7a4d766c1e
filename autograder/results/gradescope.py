"""results.json in Gradescope's autograder format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from autograder.results.model import SubmissionResult

def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 6)


def to_json(result: SubmissionResult) -> dict[str, Any]:
    output = "\n".join(result.notices)
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
                "output": t.output,
            }
            for t in result.tests
        ],
        "extra_data": {
            "student": result.student,
            "assignment": result.assignment,
            "graded_file": result.origin,
            "isolation": result.isolation,
            "exercises": {e.exercise: {"score": _number(e.score), "max_score": _number(e.max_score)} for e in result.by_exercise()},
        },
    }


def write(result: SubmissionResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(to_json(result), indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
