"""What the grader knows of one submission: its code, as named chunks.

A `.py` file is one chunk; a notebook is one chunk per code cell, so that a
cell that fails does not stop the others and every message can name the cell.
The worker runs a module's top-level statements one by one for the same
reason: an unused `import pandas` must not cost every exercise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

STUB_MESSAGE = "write your solution here"


@dataclass(frozen=True)
class Chunk:
    """A piece of student code: `label` is for people, `filename` for tracebacks."""

    label: str
    filename: str
    source: str


@dataclass(frozen=True)
class SubmissionSource:
    """The code of one student's submission, ready to be loaded by a worker."""

    student: str
    origin: str
    kind: Literal["module", "notebook"]
    chunks: tuple[Chunk, ...]

    def load_request(self, module: str) -> dict[str, Any]:
        return {
            "op": "load",
            "module": module,
            "notebook": self.kind == "notebook",
            "chunks": [{"label": c.label, "filename": c.filename, "source": c.source} for c in self.chunks],
        }
