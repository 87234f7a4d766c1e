"""Turning a student's notebook into chunks of plain Python, one per code cell.

IPython syntax (`%matplotlib inline`, `!pip install x`, `x?`) is rewritten by
IPython's own transformer into calls on `get_ipython()`, which the worker
answers with no-ops, so nothing is installed or shelled out and no cell is
lost to a syntax the plain parser does not know. Cells under a timing or
capture magic (`%%time`), or written out as a Python file (`%%writefile x.py`,
which the notebook then imports), hold real definitions: their body becomes
the chunk, so it both runs and is checked for banned APIs.

The file is the student's, so anything in it may be hostile or broken: JSON
nested past Python's recursion limit, cells that are not objects, a source
that is a number, text that is not valid Unicode or holds NUL characters, thousands of stacked
magics. Each either becomes a `NotebookError` that says what to fix, or is
read in bounded time. IPython's transformer re-reads a whole cell for every
piece of IPython syntax in it, which is quadratic, so it gets a budget of
characters per notebook; a cell that runs past it, and every cell after,
is kept as written: IPython syntax in them is then a syntax error the
student sees for that cell, while the rest is graded. No notebook a person
wrote comes near the budget.
"""

from __future__ import annotations

import json
from typing import Any

from IPython.core.inputtransformer2 import TransformerManager

from autograder.intake.source import Chunk

BODY_MAGICS = {"time", "timeit", "capture", "prun"}
MAX_CELLS = 10_000
TRANSFORM_BUDGET = 3_000_000
"""Characters IPython's transformer may read for one notebook: a few seconds' work, ten times what a long notebook needs."""
_RESAVE = "re-create that cell in Jupyter and save the notebook again"
_REOPEN = "open it in Jupyter and save it again"


class NotebookError(ValueError):
    """The file is not a readable notebook."""


class _OverBudget(Exception):
    """IPython's transformer has tokenized all it may for this notebook."""


class _BoundedTransformer(TransformerManager):
    """IPython's transformer, stopped before a pass over a cell that would take it past `budget` characters.

    A cell is read once by the line transforms (prompts, indentation, cell
    magics) and once more by the tokenizer for each piece of IPython syntax.
    """

    def __init__(self, budget: int) -> None:
        super().__init__()
        self.budget = budget

    def _spend(self, characters: int) -> None:
        self.budget -= characters
        if self.budget < 0:
            raise _OverBudget

    def transform_cell(self, cell: str) -> str:
        self._spend(len(cell))
        return str(super().transform_cell(cell))

    def do_one_token_transform(self, lines: list[str]) -> tuple[bool, list[str]]:
        self._spend(sum(map(len, lines)))
        return super().do_one_token_transform(lines)


def _runs_body(first_line: str) -> bool:
    words = first_line[2:].split()
    if not words:
        return False
    return words[0] in BODY_MAGICS or (words[0] == "writefile" and words[-1].endswith(".py"))


def _body_magics(source: str) -> tuple[str, str]:
    """(the leading `%%time`-like lines, commented out; the code under them), in one pass."""
    start = 0
    header = []
    while source.startswith("%%", start):
        end = source.find("\n", start)
        line = source[start:] if end < 0 else source[start:end]
        if not _runs_body(line):
            break
        header.append(f"# {line}\n")
        start = len(source) if end < 0 else end + 1
    return "".join(header), source[start:]


def _python(code: str, transformer: _BoundedTransformer) -> str:
    """The cell as plain Python, with the same line numbers as the student sees."""
    try:
        return str(transformer.transform_cell(code))
    except Exception:  # noqa: BLE001  (over budget, or IPython failed: keep the raw cell; the worker reports its error)
        return code


def _cell_list(data: Any, display_name: str) -> tuple[list[Any], str]:
    """The notebook's cells and the key of a cell's code (`input` in the old worksheet format)."""
    if isinstance(data, dict) and isinstance(data.get("cells"), list):
        return data["cells"], "source"
    worksheets = data.get("worksheets") if isinstance(data, dict) else None
    if isinstance(worksheets, list) and worksheets and all(isinstance(w, dict) and isinstance(w.get("cells"), list) for w in worksheets):
        return [c for w in worksheets for c in w["cells"]], "input"
    raise NotebookError(f"{display_name} has no list of cells; save it again from Jupyter")


def code_cells(text: str, display_name: str) -> list[tuple[int, str]]:
    """(number, code) of each non-empty code cell, numbered as the student sees them; raises NotebookError."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(f"{display_name} is not a valid notebook (JSON error at line {exc.lineno}: {exc.msg}); {_REOPEN}") from None
    except RecursionError:
        raise NotebookError(f"{display_name} is not a valid notebook (its JSON is nested too deeply); {_REOPEN}") from None
    except ValueError:  # an integer of thousands of digits
        raise NotebookError(f"{display_name} is not a valid notebook (it holds a number too long to read); {_REOPEN}") from None
    cells, key = _cell_list(data, display_name)
    if len(cells) > MAX_CELLS:
        raise NotebookError(f"{display_name} has {len(cells)} cells, more than the {MAX_CELLS} the grader reads; hand in a shorter notebook")
    found = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get(key, "")
        if isinstance(source, list) and all(isinstance(piece, str) for piece in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise NotebookError(f"{display_name} cell {number} has a source that is not text; {_RESAVE}")
        try:
            source.encode("utf-8")
        except UnicodeEncodeError:
            raise NotebookError(f"{display_name} cell {number} holds text that is not valid Unicode; {_RESAVE}") from None
        if "\0" in source:
            raise NotebookError(f"{display_name} cell {number} holds a NUL character, which Python code cannot contain; {_RESAVE}")
        if source.strip():
            found.append((number, source))
    return found


def notebook_chunks(text: str, display_name: str) -> tuple[Chunk, ...]:
    """One chunk per non-empty code cell, numbered as the student sees them; raises NotebookError."""
    chunks = []
    transformer = _BoundedTransformer(TRANSFORM_BUDGET)
    for number, source in code_cells(text, display_name):
        header, code = _body_magics(source)
        chunks.append(Chunk(f"{display_name} cell {number}", f"{display_name}, cell {number}", header + _python(code, transformer)))
    return tuple(chunks)
