"""What the grader knows of one submission: its code, as named chunks.

A `.py` file is one chunk; a notebook is one chunk per code cell, so that a
cell that fails does not stop the others and every message can name the cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal


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

    @property
    def tolerant(self) -> bool:
        """Notebooks run every cell even after one fails; a module stops at its first error."""
        return self.kind == "notebook"

    def load_request(self, module: str) -> dict[str, Any]:
        return {
            "op": "load",
            "module": module,
            "notebook": self.kind == "notebook",
            "chunks": [{"label": c.label, "filename": c.filename, "source": c.source} for c in self.chunks],
        }
