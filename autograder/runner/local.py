"""A submission whose code runs in this very process.

Used where the student's own session is the environment, as in a notebook's
`grader.check(...)` cell. Exceptions are turned into the same
StudentException a worker would report, so tests behave the same way.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from autograder.runner.errors import MissingName, StudentException, type_names


@dataclass(frozen=True)
class LocalSubmission:
    namespace: Mapping[str, Any]
    module: str

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        target = self.namespace.get(name)
        if target is None:
            raise MissingName(f"`{name}` is not defined; run the cell that defines it first")

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return target(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001
                frame = traceback.extract_tb(exc.__traceback__)[-1]
                where = f"line {frame.lineno}, in {frame.name}"
                raise StudentException.from_call(f"{name}()", type_names(exc), str(exc), where) from None

        return call
