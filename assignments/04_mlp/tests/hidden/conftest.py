"""A forward hook that tells the hidden tests how the student's code calls a known-good model,
and new seeds from a test's `rng` for the helpers that take one.

The hook is a function of the test, registered on the model in the worker:
every `model(x)` in the student's code calls it back, with copies of the
input and the output (its requires_grad flag kept) and a handle on the
module. A call of `model.forward(x)` skips the hooks, so the record shows it
as a missing call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pytest
import torch


@dataclass(frozen=True)
class ModelCall:
    """One call of the model, as its forward hook saw it: its input, its scores, and how it was made."""

    x: torch.Tensor
    scores: torch.Tensor
    builds_graph: bool
    training: bool | None


@pytest.fixture
def model_calls() -> Callable[..., list[ModelCall]]:
    """model_calls(model, modes=False) -> a list that fills with a ModelCall each time the student's code calls `model`.

    With `modes`, the hook also reads `module.training` at each call (one more
    round trip to the worker per call), so a test can see the mode the model
    was in when it ran; otherwise `training` is None.
    """

    def record(model: Any, modes: bool = False) -> list[ModelCall]:
        calls: list[ModelCall] = []

        def hook(module: Any, inputs: Any, output: Any) -> None:
            training = module.training if modes else None
            calls.append(ModelCall(x=inputs[0], scores=output.detach(), builds_graph=bool(output.requires_grad), training=training))

        model.register_forward_hook(hook)
        return calls

    return record


@pytest.fixture
def draw_seed(rng: torch.Generator) -> Callable[[], int]:
    """draw_seed() -> a new seed from the test's `rng`, for the helpers that take one (`known`, `blobs`)."""
    return lambda: int(torch.randint(0, 2**62, (), generator=rng))
