"""Teaching assertions for assignment tests.

Each check compares what a student function returned with what it should
have, and on failure raises a CheckFailure that says what was checked, on
which input, what came back and how to fix it. Numeric checks use explicit
tolerances; nothing compares floats for equality.

Property checks (dtype, device, shape, type) say nothing about whether a
value is right, so a test that awards points must also compare a value with
`close`; `count_comparisons` lets the grading session verify that it did.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Callable, Iterator

import pytest
import torch

from autograder.checks.describe import brief, describe
from autograder.checks.devices import meta_cannot_run, same_device
from autograder.checks.failure import CheckFailure
from autograder.errors import UsageError
from autograder.runner.errors import StudentException, SubmissionError

__all__ = [
    "CheckFailure",
    "close",
    "is_tensor",
    "shape",
    "dtype",
    "device",
    "on_device",
    "finite",
    "python_float",
    "no_grad",
    "raises",
    "that",
    "gradients",
    "models",
    "training",
]

DEVICE_HINT = "create new tensors with device=x.device (or torch.*_like) instead of a fixed device"


class Comparisons:
    """How many values a test compared with `close`."""

    def __init__(self) -> None:
        self.count = 0


_comparisons: ContextVar[Comparisons | None] = ContextVar("comparisons", default=None)


@contextmanager
def count_comparisons() -> Iterator[Comparisons]:
    """Count the value comparisons made inside the block (one test's body)."""
    counter = Comparisons()
    token = _comparisons.set(counter)
    try:
        yield counter
    finally:
        _comparisons.reset(token)


def record_comparison() -> None:
    """Count a value comparison that a check family makes its own way (not through `close`)."""
    counter = _comparisons.get()
    if counter is not None:
        counter.count += 1


def that(condition: bool, problem: str, *, got: Any = None, inputs: str | None = None, hint: str | None = None) -> None:
    """The general check: fail with `problem` unless `condition` holds."""
    if not condition:
        raise CheckFailure(problem, got=None if got is None else describe(got), got_brief=None if got is None else brief(got), inputs=inputs, hint=hint)


def is_tensor(got: Any, *, what: str, inputs: str | None = None, hint: str | None = None) -> torch.Tensor:
    if not isinstance(got, torch.Tensor):
        raise CheckFailure(
            f"{what} should return a torch.Tensor, but returned a {type(got).__name__}",
            got=describe(got), got_brief=brief(got),
            inputs=inputs,
            hint=hint,
        )
    return got


def shape(got: Any, expected: tuple[int, ...], *, what: str, inputs: str | None = None, hint: str | None = None) -> None:
    tensor = is_tensor(got, what=what, inputs=inputs)
    if tuple(tensor.shape) != tuple(expected):
        raise CheckFailure(
            f"{what} has shape {tuple(tensor.shape)} but should have shape {tuple(expected)}",
            problem_brief=f"{what} has the wrong shape",
            inputs=inputs,
            hint=hint,
        )


def dtype(got: Any, expected: torch.dtype, *, what: str, inputs: str | None = None, hint: str | None = None) -> None:
    tensor = is_tensor(got, what=what, inputs=inputs)
    if tensor.dtype != expected:
        raise CheckFailure(
            f"{what} should keep the input's dtype {expected}, but is {tensor.dtype}",
            inputs=inputs,
            hint=hint or "avoid .float()/.double() and tensors created without dtype=; use the input's dtype",
        )


def device(got: Any, expected: torch.device, *, what: str, inputs: str | None = None, hint: str | None = None) -> None:
    tensor = is_tensor(got, what=what, inputs=inputs)
    if not same_device(tensor.device, expected):
        raise CheckFailure(
            f"{what} should stay on the input's device {expected}, but is on {tensor.device}",
            inputs=inputs,
            hint=hint or DEVICE_HINT,
        )


def _to_device(value: Any, target: torch.device) -> Any:
    if isinstance(value, torch.Tensor):
        return value.to(target)
    if isinstance(value, (list, tuple)):
        return type(value)(_to_device(v, target) for v in value)
    if isinstance(value, dict):
        return {k: _to_device(v, target) for k, v in value.items()}
    return value


def _tensors(value: Any) -> Iterator[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _tensors(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tensors(item)


def on_device(
    target: torch.device,
    function: Callable[..., Any],
    args: tuple[Any, ...],
    expected: Any,
    *,
    what: str,
    rtol: float,
    atol: float,
    kwargs: dict[str, Any] | None = None,
    inputs: str | None = None,
    hint: str | None = None,
) -> None:
    """`function` gives `expected` for `args` on the CPU, and again with every tensor
    argument moved to `target`, where every tensor it returns must stay.

    The CPU value comes first, so that a wrong function earns nothing for
    keeping its device. On the meta device (no GPU here) values cannot be
    compared, and code that needs values cannot run: such a test is skipped,
    for no points either way, rather than passed or failed. A function that
    returns a number always needs values, so its test asks for the `gpu`
    fixture instead, and the session skips that test where there is no GPU.
    """
    if target.type == "meta" and next(_tensors(expected), None) is None:
        raise UsageError(
            f"check.on_device cannot check {what} on the meta device: a function that returns a number needs "
            "tensor values, which meta tensors do not have; ask for the `gpu` fixture instead of `device`"
        )
    kwargs = kwargs or {}
    close(function(*args, **kwargs), expected, what=what, inputs=inputs, rtol=rtol, atol=atol, hint=hint)
    where = f"{inputs + ', ' if inputs else ''}on {target}"
    try:
        got = function(*_to_device(args, target), **_to_device(kwargs, target))
    except StudentException as exc:
        # The call gave the right value on the CPU, so it is written: on meta, NotImplementedError is
        # torch's answer to reading values (`.tolist()`), whose message is not kept for a stub's sake.
        if target.type == "meta" and (meta_cannot_run(str(exc)) or exc.is_a(NotImplementedError)):
            pytest.skip(
                f"not checked on this machine: {what} reads tensor values (.item(), a boolean mask, `if` on a tensor, ...), "
                "which the meta device that stands in for a GPU here cannot do; a grader with a GPU checks it"
            )
        raise CheckFailure(
            f"{what} fails for inputs on {target}", got=str(exc), got_brief=exc.brief, inputs=where, hint=hint or DEVICE_HINT
        ) from None
    for tensor in _tensors(got):
        device(tensor, target, what=what, inputs=where)
    if target.type != "meta":
        close(got, expected, what=f"{what} on {target}", inputs=where, rtol=rtol, atol=atol, hint=hint)


def finite(got: Any, *, what: str, inputs: str | None = None, hint: str | None = None) -> None:
    tensor = is_tensor(got, what=what, inputs=inputs)
    if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
        bad = int((~torch.isfinite(tensor)).sum())
        raise CheckFailure(
            f"{what} contains {bad} NaN or infinite value(s)",
            got=describe(tensor), got_brief=brief(tensor),
            inputs=inputs,
            hint=hint,
        )


def python_float(got: Any, *, what: str, inputs: str | None = None, hint: str | None = None) -> float:
    if isinstance(got, bool) or not isinstance(got, float):
        raise CheckFailure(
            f"{what} should return a Python float, but returned a {type(got).__name__}",
            got=describe(got), got_brief=brief(got),
            inputs=inputs,
            hint=hint or "convert a 0-dim tensor with .item()",
        )
    return got


def no_grad(got: Any, *, what: str, inputs: str | None = None, hint: str | None = None) -> None:
    tensor = is_tensor(got, what=what, inputs=inputs)
    if tensor.requires_grad:
        raise CheckFailure(
            f"{what} requires grad, so it still carries a computation graph",
            inputs=inputs,
            hint=hint or "compute it under torch.no_grad() or return .detach()",
        )


def _index(flat_index: int, shape_: tuple[int, ...]) -> tuple[int, ...]:
    index = []
    for size in reversed(shape_):
        index.append(flat_index % size)
        flat_index //= size
    return tuple(reversed(index))


def close(
    got: Any,
    expected: Any,
    *,
    what: str,
    rtol: float,
    atol: float,
    inputs: str | None = None,
    hint: str | None = None,
) -> None:
    """`got` matches `expected` elementwise within atol + rtol·|expected|.

    Numbers are compared as numbers (a 0-dim tensor counts as one); tensors
    must also agree in shape. NaN and infinities in `got` are reported on
    their own, because they point at overflow rather than at a wrong formula.
    """
    record_comparison()
    if not isinstance(expected, torch.Tensor):
        if isinstance(got, torch.Tensor) and got.numel() == 1:
            got = got.item()
        if not isinstance(got, (int, float)) or isinstance(got, bool):
            raise CheckFailure(f"{what} should be a number, but is a {type(got).__name__}", got=describe(got), got_brief=brief(got), inputs=inputs, hint=hint)
        if math.isnan(got) or (math.isinf(got) and not math.isinf(expected)):
            raise CheckFailure(f"{what} is {got}", got=describe(got), got_brief=brief(got), inputs=inputs, hint=hint)
        if abs(got - expected) > atol + rtol * abs(expected):
            raise CheckFailure(
                f"{what} is wrong (tolerance atol={atol:g}, rtol={rtol:g})",
                got=describe(got), got_brief=brief(got),
                expected=describe(expected),
                inputs=inputs,
                hint=hint,
                detail=f"off by {abs(got - expected):.3g}",
            )
        return

    tensor = is_tensor(got, what=what, inputs=inputs, hint=hint)
    if tuple(tensor.shape) != tuple(expected.shape):
        raise CheckFailure(
            f"{what} has shape {tuple(tensor.shape)} but should have shape {tuple(expected.shape)}",
            problem_brief=f"{what} has the wrong shape",
            inputs=inputs,
            hint=hint,
        )
    a = tensor.detach().to("cpu", torch.float64)
    b = expected.detach().to("cpu", torch.float64)
    if a.is_complex() or b.is_complex():
        raise CheckFailure(f"{what} is complex", got=describe(tensor), got_brief=brief(tensor), inputs=inputs, hint=hint)
    bad_values = ~torch.isfinite(a) & torch.isfinite(b)
    if bool(bad_values.any()):
        raise CheckFailure(
            f"{what} contains {int(bad_values.sum())} NaN or infinite value(s) where a finite value was expected",
            problem_brief=f"{what} contains NaN or infinite values where finite values were expected",
            got=describe(tensor), got_brief=brief(tensor),
            inputs=inputs,
            hint=hint,
        )
    error = (a - b).abs()
    allowed = atol + rtol * b.abs()
    both_inf = torch.isinf(a) & torch.isinf(b) & (a == b)
    wrong = (error > allowed) & ~both_inf
    if bool(wrong.any()):
        excess = torch.where(wrong, error - allowed, torch.zeros_like(error))
        worst = int(excess.reshape(-1).argmax())
        where = "" if a.dim() == 0 else f" in {int(wrong.sum())} of {a.numel()} entries; the worst is at index {_index(worst, tuple(a.shape))}"
        raise CheckFailure(
            f"{what} is wrong{where} (tolerance atol={atol:g}, rtol={rtol:g})",
            problem_brief=f"{what} is wrong (tolerance atol={atol:g}, rtol={rtol:g})",
            got=describe(tensor), got_brief=brief(tensor),
            expected=describe(expected),
            inputs=inputs,
            hint=hint,
            detail=f"off by {error.reshape(-1)[worst].item():.3g}",
        )


@contextmanager
def raises(
    exc_type: type[BaseException], *, what: str, inputs: str | None = None, hint: str | None = None
) -> Iterator[None]:
    """The block must raise `exc_type` (or a subclass) from student code."""
    try:
        yield
    except StudentException as exc:
        if not exc.is_a(exc_type):
            raise CheckFailure(
                f"{what} should raise {exc_type.__name__}, but raised {exc.type_name}",
                got=str(exc),
                got_brief=exc.brief,
                inputs=inputs,
                hint=hint,
            ) from None
        return
    except exc_type:
        return
    except CheckFailure:
        raise
    except Exception as exc:
        if isinstance(exc, SubmissionError):
            raise
        raise CheckFailure(
            f"{what} should raise {exc_type.__name__}, but raised {type(exc).__name__}: {exc}",
            inputs=inputs,
            hint=hint,
        ) from None
    raise CheckFailure(f"{what} should raise {exc_type.__name__}, but returned normally", inputs=inputs, hint=hint)



from autograder.checks import gradients, models, training  # noqa: E402  (families built on the checks above)
