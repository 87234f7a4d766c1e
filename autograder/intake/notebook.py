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
that is a number, text that is not valid Unicode, thousands of stacked
magics. Each either becomes a `NotebookError` that says what to fix, or is
read in time linear in the file. IPython's transformer re-reads a whole cell
for every piece of IPython syntax in it, which is quadratic; cells past a
budget of that work are kept as written, so IPython syntax in them is a
syntax error the student sees for that cell, while the rest is graded.
"""

from __future__ import annotations

import json
import re
from typing import Any

from IPython.core.inputtransformer2 import TRANSFORM_LOOP_LIMIT, TransformerManager

from autograder.intake.source import Chunk

_transformer = TransformerManager()
BODY_MAGICS = {"time", "timeit", "capture", "prun"}
MAX_CELLS = 10_000
TRANSFORM_BUDGET = 5_000_000
"""Characters IPython's transformer may tokenize for one notebook (about ten seconds' work)."""
_ESCAPES = re.compile(r"^[ \t]*[%!?]|=[ \t]*[%!]|\?[ \t]*$", re.M)
_RESAVE = "re-create that cell in Jupyter and save the notebook again"


class NotebookError(ValueError):
    """The file is not a readable notebook."""


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


def _transform_cost(code: str) -> int:
    """About how many characters IPython tokenizes to rewrite `code`: the whole cell once per piece of IPython syntax."""
    escapes = sum(1 for _ in _ESCAPES.finditer(code))
    return len(code) * (min(escapes, TRANSFORM_LOOP_LIMIT) + 1)


def _python(code: str) -> str:
    """The cell as plain Python, with the same line numbers as the student sees."""
    try:
        return str(_transformer.transform_cell(code))
    except Exception:  # noqa: BLE001  (keep the raw cell; the worker reports its error)
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
        raise NotebookError(f"{display_name} is not a valid notebook (JSON error at line {exc.lineno}: {exc.msg})") from None
    except RecursionError:
        raise NotebookError(f"{display_name} is not a valid notebook (its JSON is nested too deeply)") from None
    except ValueError:  # an integer of thousands of digits
        raise NotebookError(f"{display_name} is not a valid notebook (it holds a number too long to read)") from None
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
        if source.strip():
            found.append((number, source))
    return found


def notebook_chunks(text: str, display_name: str) -> tuple[Chunk, ...]:
    """One chunk per non-empty code cell, numbered as the student sees them; raises NotebookError."""
    chunks = []
    budget = TRANSFORM_BUDGET
    for number, source in code_cells(text, display_name):
        header, code = _body_magics(source)
        cost = _transform_cost(code)
        if cost <= budget:
            budget -= cost
            code = _python(code)
        chunks.append(Chunk(f"{display_name} cell {number}", f"{display_name}, cell {number}", header + code))
    return tuple(chunks)
