"""Stand-ins for what a notebook expects from IPython, for use in a worker.

IPython rewrites `%magic` and `!shell` lines into calls on `get_ipython()`.
Here those calls do nothing (the cell magics whose body matters were already
unwrapped at intake). Notebooks also call `display(...)` and otter's
`grader.check(...)`, which are no-ops while grading.
"""

from __future__ import annotations

import sys
import types
from typing import Any


class QuietIPython:
    """Enough of an InteractiveShell for rewritten notebook code to run."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.user_ns = namespace

    def run_line_magic(self, name: str, line: str, *args: Any) -> None:
        return None

    def run_cell_magic(self, name: str, line: str, cell: str) -> None:
        return None

    def system(self, command: str) -> None:
        return None

    def getoutput(self, command: str) -> list[str]:
        return []

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


class _SilentGrader:
    """otter's `Notebook` while grading: checks and exports do nothing."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


def install(namespace: dict[str, Any]) -> None:
    """Give a notebook's namespace the names a Jupyter kernel would."""
    namespace["get_ipython"] = lambda: QuietIPython(namespace)
    namespace["display"] = lambda *args, **kwargs: None
    otter = types.ModuleType("otter")
    otter.Notebook = _SilentGrader  # type: ignore[attr-defined]
    sys.modules["otter"] = otter
