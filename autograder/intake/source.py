"""What the grader knows of one submission: its code, as named chunks.

A `.py` file is one chunk; a notebook is one chunk per code cell, so that a
cell that fails does not stop the others and every message can name the cell.
The worker runs a module's top-level statements one by one for the same
reason: an unused `import pandas` must not cost every exercise.

A folder or archive also carries the student's own modules beside the graded
file (`helpers.py`, a package `mypkg/`), which the graded code may import:
they travel with the submission as sources, never as files on disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

STUB_MESSAGE = "write your solution here"


@dataclass(frozen=True)
class Chunk:
    """A piece of student code: `label` is for people, `filename` for tracebacks.

    `clears` are names the worker itself removes from the namespace before the
    chunk runs (see `autograder.intake.pin`): done by the worker's code, since
    any code in the student's namespace can be fooled by a name it defines.
    """

    label: str
    filename: str
    source: str
    clears: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModuleFile:
    """A module of the student's own that the graded file can import.

    `name` is the dotted module name, `filename` the name tracebacks and
    messages show (e.g. `carol/helpers.py`); a `package` is imported with a
    `__path__`, so its submodules and relative imports work.
    """

    name: str
    filename: str
    source: str
    package: bool


@dataclass(frozen=True)
class SubmissionSource:
    """The code of one student's submission, ready to be loaded by a worker.

    `notices` are what intake must tell the student about how it read the
    submission, such as helper modules it left out and why.
    """

    student: str
    origin: str
    kind: Literal["module", "notebook"]
    chunks: tuple[Chunk, ...]
    modules: tuple[ModuleFile, ...] = ()
    notices: tuple[str, ...] = ()

    def load_request(self, module: str) -> dict[str, Any]:
        return {
            "op": "load",
            "module": module,
            "notebook": self.kind == "notebook",
            "chunks": [{"label": c.label, "filename": c.filename, "source": c.source, "clear": list(c.clears)} for c in self.chunks],
            "modules": [{"name": m.name, "filename": m.filename, "source": m.source, "package": m.package} for m in self.modules],
        }
