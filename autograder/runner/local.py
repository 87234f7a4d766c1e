"""A submission whose code runs in this very process.

Used where the student's own session is the environment, as in a notebook's
`grader.check(...)` cell. Exceptions are turned into the same
StudentException a worker would report, so tests behave the same way.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import torch

from autograder.checks.devices import second_device
from autograder.runner.errors import MissingName, StudentException
from autograder_worker.names import type_names
from autograder_worker.layers import build_layers


@dataclass(frozen=True)
class LocalSubmission:
    namespace: Mapping[str, Any]
    module: str

    def known_model(self, layers: list[list[Any]], state_dict: dict[str, torch.Tensor] | None) -> torch.nn.Module:
        """The test's model, built here as a worker would build it."""
        return build_layers(layers, state_dict)

    def gpu(self) -> torch.device | None:
        """The code runs in this process, so this process's GPU is the one its tests use."""
        device = second_device()
        return None if device.type == "meta" else device

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
