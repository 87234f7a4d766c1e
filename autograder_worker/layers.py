"""Known-good models described as data: a list of torch.nn layers and their arguments.

A test of `train_classifier` or `predict` must not depend on the student's
own model class, so it trains a model built here from torch's modules,
never from the reference solution's code. The description is plain data
(`[["Linear", 2, 8], ["ReLU"], ["Linear", 8, 4]]`), so it crosses to the
worker like any argument, and both sides build the same `nn.Sequential` from
it. The classes are taken when this module is imported, before any student
code runs, so a submission that replaces `torch.nn.Linear` does not change
the model its tests train.
"""

from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import nn

Layers = Sequence[Sequence[Any]]

KNOWN: dict[str, type[nn.Module]] = {
    cls.__name__: cls
    for cls in (nn.Linear, nn.ReLU, nn.LeakyReLU, nn.Tanh, nn.Sigmoid, nn.Dropout, nn.Identity, nn.Flatten)
}
_SEQUENTIAL = nn.Sequential
_LOAD = nn.Module.load_state_dict
_MANUAL_SEED = torch.manual_seed


def plain_layers(layers: Layers) -> list[list[Any]]:
    """`layers` checked and in the form that crosses the process boundary, or a ValueError."""
    plain: list[list[Any]] = []
    for layer in layers:
        if isinstance(layer, (str, bytes)) or not isinstance(layer, Sequence) or not layer:
            raise ValueError(f"a layer is a list [name, *arguments], got {layer!r}")
        name, *args = layer
        if name not in KNOWN:
            raise ValueError(f"unknown layer {name!r}; known: {', '.join(sorted(KNOWN))}")
        if not all(type(arg) in (int, float, bool) for arg in args):
            raise ValueError(f"the arguments of a {name} layer must be numbers, got {args!r}")
        plain.append([name, *args])
    return plain


def build_layers(layers: Layers, state_dict: dict[str, torch.Tensor] | None = None, seed: int | None = None) -> nn.Sequential:
    """The `nn.Sequential` that `layers` describes, with `state_dict` loaded or initialised from `seed`."""
    plain = plain_layers(layers)
    if seed is not None:
        _MANUAL_SEED(seed)
    model = _SEQUENTIAL(*(KNOWN[name](*args) for name, *args in plain))
    if state_dict is not None:
        _LOAD(model, state_dict)
    return model


def known_model(submission: Any, layers: Layers, state_dict: dict[str, torch.Tensor] | None = None) -> Any:
    """The model `layers` describes, made where `submission`'s code runs: a handle to pass to its functions.

    Built from torch's own modules, so that a test of a training loop does
    not depend on the student's model class: a broken `MLP` costs points on
    `MLP` only.
    """
    return submission.known_model(plain_layers(layers), state_dict)
