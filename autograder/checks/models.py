"""Checks for a student's torch.nn.Module: its layers, parameter shapes and modes.

A model under test is usually a handle on an object in the worker
(`net.linear1.in_features` asks the worker), and in a notebook's check
cell the module itself; every check here reads it through attributes and
calls only, so it works on both. A layer is judged by what it is and what
it computes: `linear` compares the layer's output with x @ W.T + b for its
own weights, `activation` compares the output with the function it should
compute, so a check passes only for a layer that works, whatever it is
called inside.

Messages name the layer the way the exercise does ("MLP(2, 8, 4).linear1
should be nn.Linear(2, 8), but is nn.Linear(2, 4)"); their brief forms,
shown by hidden tests, leave out what the student's code chose.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

import torch
from torch import nn

from autograder.checks import CheckFailure, close
from autograder.checks.describe import brief, describe
from autograder.checks.devices import same_device
from autograder.runner.errors import StudentException

_MISSING = object()
PROBE_SEED = 1234


def _read(obj: Any, name: str) -> Any:
    """`obj.name`, or `_MISSING` when there is no such attribute (locally or in the worker)."""
    try:
        return getattr(obj, name)
    except AttributeError:
        return _MISSING
    except StudentException as exc:
        if exc.is_a(AttributeError):
            return _MISSING
        raise


def type_name(obj: Any) -> str:
    """The class name of `obj`, whether it is here or a handle on an object in the worker."""
    if isinstance(obj, nn.Module):
        return type(obj).__name__
    remote = vars(obj).get("type_name") if hasattr(obj, "__dict__") else None
    return remote if isinstance(remote, str) else type(obj).__name__


def layer(model: Any, name: str, *, what: str, hint: str | None = None) -> Any:
    """`model.<name>`, the layer that the exercise asks to be declared under that name."""
    found = _read(model, name)
    if found is _MISSING:
        raise CheckFailure(
            f"{what} has no attribute `{name}`",
            hint=hint or f"declare the layer in __init__ as self.{name} = ..., with exactly that name",
        )
    return found


def _shape(value: Any) -> tuple[int, ...] | None:
    return tuple(value.shape) if isinstance(value, torch.Tensor) else None


def linear(
    got: Any, in_features: int, out_features: int, *, what: str, inputs: str | None = None, hint: str | None = None
) -> None:
    """`got` is nn.Linear(in_features, out_features) with a bias, and computes x @ W.T + b with its own weights."""
    wanted = f"nn.Linear({in_features}, {out_features})"
    hint = hint or f"declare it as {wanted}: in_features is the size of what comes in, out_features of what goes out"
    sizes = _read(got, "in_features"), _read(got, "out_features")
    if _MISSING in sizes:
        raise CheckFailure(f"{what} should be {wanted}, but is {type_name(got)}", problem_brief=f"{what} should be {wanted}", inputs=inputs, hint=hint)
    if sizes != (in_features, out_features):
        raise CheckFailure(
            f"{what} should be {wanted}, but is nn.Linear({sizes[0]!r}, {sizes[1]!r})",
            problem_brief=f"{what} should be {wanted}, but its sizes differ",
            inputs=inputs,
            hint=hint,
        )
    weight, bias = _read(got, "weight"), _read(got, "bias")
    if _shape(weight) != (out_features, in_features):
        raise CheckFailure(
            f"{what}.weight should have shape ({out_features}, {in_features}), but is {describe(weight)}",
            problem_brief=f"{what}.weight has the wrong shape",
            got_brief=brief(weight),
            inputs=inputs,
            hint="nn.Linear stores its weight as (out_features, in_features)",
        )
    if _shape(bias) != (out_features,):
        raise CheckFailure(
            f"{what}.bias should have shape ({out_features},), but is {describe(bias)}",
            problem_brief=f"{what}.bias is missing or has the wrong shape",
            got_brief=brief(bias),
            inputs=inputs,
            hint="keep nn.Linear's bias (bias=True, the default)",
        )
    x = torch.randn(3, in_features, generator=torch.Generator().manual_seed(PROBE_SEED), dtype=weight.dtype).to(weight.device)
    expected = x @ weight.detach().T + bias.detach()
    close(
        got(x),
        expected,
        what=f"{what}(x)",
        inputs=f"x of shape (3, {in_features}), with the layer's own weight and bias",
        rtol=1e-5,
        atol=1e-6,
        hint=f"{what} should compute x @ weight.T + bias, as {wanted} does",
    )


def activation(
    got: Any,
    function: Callable[[torch.Tensor], torch.Tensor],
    *,
    name: str,
    what: str,
    inputs: str | None = None,
    hint: str | None = None,
) -> None:
    """`got` is a module (such as nn.ReLU()) that computes `function` elementwise; `name` is how the exercise writes it."""
    if not isinstance(_read(got, "training"), bool):
        raise CheckFailure(
            f"{what} should be the module {name}, but is {type_name(got)}",
            problem_brief=f"{what} should be the module {name}",
            inputs=inputs,
            hint=hint or f"declare it in __init__ as self.<name> = {name}, a layer object, not a function",
        )
    probe = torch.tensor([[-3.0, -0.5, 0.0, 0.25, 2.0]])
    close(
        got(probe),
        function(probe),
        what=f"{what}(z)",
        inputs="z = [[-3, -0.5, 0, 0.25, 2]]",
        rtol=1e-6,
        atol=1e-7,
        hint=hint or f"{what} should be {name}",
    )


def parameter_shapes(
    state_dict: Any, expected: Mapping[str, tuple[int, ...]], *, what: str, hint: str | None = None
) -> None:
    """`state_dict` holds exactly the entries of `expected`, each a tensor of the given shape."""
    if not isinstance(state_dict, Mapping):
        raise CheckFailure(f"{what} should be a dict of tensors, but is {type(state_dict).__name__}", hint=hint)
    missing = [k for k in expected if k not in state_dict]
    extra = sorted(str(k) for k in state_dict if k not in expected)
    if missing:
        raise CheckFailure(
            f"{what} has no entry {', '.join(missing)}; it has {', '.join(map(str, state_dict)) or 'none'}",
            problem_brief=f"{what} has no entry {', '.join(missing)}",
            hint=hint or "a layer's weights are registered under the attribute name it was assigned to (self.linear1 gives linear1.weight)",
        )
    if extra:
        raise CheckFailure(
            f"{what} has entries the exercise does not ask for: {', '.join(extra)}",
            problem_brief=f"{what} has entries the exercise does not ask for",
            hint=hint or "declare only the layers the exercise lists",
        )
    for key, shape in expected.items():
        if _shape(state_dict[key]) != tuple(shape):
            raise CheckFailure(
                f"{what}[{key!r}] should have shape {tuple(shape)}, but is {describe(state_dict[key])}",
                problem_brief=f"{what}[{key!r}] has the wrong shape",
                got_brief=brief(state_dict[key]),
                hint=hint or "nn.Linear(in, out) has a weight of shape (out, in) and a bias of shape (out,)",
            )


def same_parameters(
    got: Any,
    expected: Mapping[str, torch.Tensor],
    *,
    what: str,
    rtol: float,
    atol: float,
    inputs: str | None = None,
    hint: str | None = None,
) -> None:
    """`got` (a state_dict) has the entries of `expected`, with the same values, naming the first that differs."""
    parameter_shapes(got, {k: tuple(v.shape) for k, v in expected.items()}, what=what, hint=hint)
    for key, value in expected.items():
        close(got[key], value, what=f"{what}[{key!r}]", inputs=inputs, rtol=rtol, atol=atol, hint=hint)


def parameters_on(
    state_dict: Any, device: torch.device | str, *, what: str, inputs: str | None = None, hint: str | None = None
) -> None:
    """Every tensor of `state_dict` is on `device`."""
    for key, value in dict(state_dict).items():
        where = value.device if isinstance(value, torch.Tensor) else None
        if where is None or not same_device(where, device):
            raise CheckFailure(
                f"{what} should be on {device}, but {key} is on {where}",
                inputs=inputs,
                hint=hint or "move the model with model.to(device); it moves every parameter in place",
            )


def training_mode(got: Any, expected: bool, *, what: str, inputs: str | None = None, hint: str | None = None) -> None:
    """`got` (a model's `training` flag) is `expected`."""
    mode = {True: "training mode", False: "eval mode"}
    if not isinstance(got, bool):
        raise CheckFailure(f"{what} should be a bool, but is {type(got).__name__}", inputs=inputs, hint=hint)
    if got != expected:
        raise CheckFailure(
            f"{what} should be in {mode[expected]}, but is in {mode[got]}",
            inputs=inputs,
            hint=hint or "remember model.training before model.eval(), and call model.train(was_training) afterwards",
        )
