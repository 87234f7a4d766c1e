"""Turning a student's notebook into chunks of plain Python, one per code cell.

IPython syntax (`%matplotlib inline`, `!pip install x`, `x?`) is rewritten by
IPython's own transformer into calls on `get_ipython()`, which the worker
answers with no-ops, so nothing is installed or shelled out and no cell is
lost to a syntax the plain parser does not know. Cells under a timing or
capture magic (`%%time`), or written out as a Python file (`%%writefile x.py`,
which the notebook then imports), hold real definitions: their body becomes
the chunk, so it both runs and is checked for banned APIs.
"""

from __future__ import annotations

import json
from typing import Any

from IPython.core.inputtransformer2 import TransformerManager

from autograder.intake.source import Chunk

_transformer = TransformerManager()
BODY_MAGICS = {"time", "timeit", "capture", "prun"}


class NotebookError(ValueError):
    """The file is not a readable notebook."""


def _cell_source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _runs_body(first_line: str) -> bool:
    words = first_line[2:].split()
    if not words:
        return False
    return words[0] in BODY_MAGICS or (words[0] == "writefile" and words[-1].endswith(".py"))


def _python(source: str) -> str:
    """The cell as plain Python, with the same line numbers as the student sees."""
    first, _, body = source.partition("\n")
    if first.startswith("%%") and _runs_body(first):
        return f"# {first}\n" + _python(body)
    try:
        return str(_transformer.transform_cell(source))
    except Exception:  # noqa: BLE001  (keep the raw cell; the worker reports its error)
        return source


def notebook_chunks(text: str, display_name: str) -> tuple[Chunk, ...]:
    """One chunk per non-empty code cell, numbered as the student sees them."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(f"{display_name} is not a valid notebook (JSON error at line {exc.lineno}: {exc.msg})") from None
    cells = data.get("cells") if isinstance(data, dict) else None
    if cells is None and isinstance(data, dict):
        cells = [c for ws in data.get("worksheets", []) for c in ws.get("cells", [])]
    if not isinstance(cells, list):
        raise NotebookError(f"{display_name} has no list of cells; save it again from Jupyter")
    chunks = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = _cell_source(cell)
        if not source.strip():
            continue
        chunks.append(Chunk(f"{display_name} cell {number}", f"{display_name}, cell {number}", _python(source)))
    return tuple(chunks)
