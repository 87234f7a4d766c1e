"""Checks for hand-derived gradients: compared with central finite differences.

A gradient can be checked without knowing how it was derived. Nudge one
input entry by a small h in each direction and watch the function move:

    (f(x + h) - f(x - h)) / 2h  =  f'(x) + O(h**2)

In float64 with h = 1e-6 this estimate agrees with the true derivative to
about eight digits, far closer than any chain-rule mistake (a missing factor,
a wrong transpose, a forgotten activation derivative) can hide in. So the
check is also the lesson: when it fails, its message names the entry that
disagrees with the estimate, and says when the whole gradient is off by one
constant factor (a mean's 1/N, the 2 of a square, a flipped sign), which is
a mistake of its own kind.

The functions differentiated here are trusted ones (the tests build them
from the reference solution); student code is never called by these checks.
"""

from __future__ import annotations

from typing import Any, Callable

import torch

from autograder.checks import CheckFailure, _index, close, is_tensor

Function = Callable[[torch.Tensor], Any]

DEFAULT_EPS = 1e-6
FORMULA = "(f(x + h) - f(x - h)) / 2h"


def _float64(x: torch.Tensor) -> torch.Tensor:
    if not isinstance(x, torch.Tensor) or not x.is_floating_point():
        raise TypeError(f"finite differences need a floating-point tensor, got {type(x).__name__}")
    return x.detach().to(torch.float64).clone()


def _scalar(value: Any) -> float:
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise ValueError(f"finite_differences needs a scalar-valued f; f returned shape {tuple(value.shape)}")
        return float(value.item())
    return float(value)


def finite_differences(f: Function, x: torch.Tensor, eps: float = DEFAULT_EPS) -> torch.Tensor:
    """The gradient of a scalar-valued `f` at `x`, estimated entry by entry with central differences.

    Entry i is (f(x + h e_i) - f(x - h e_i)) / 2h with h = `eps`, computed in
    float64 on a copy of `x` (which is left unchanged). The result is float64
    and shaped like `x`, like the gradient it estimates.
    """
    if not eps > 0:
        raise ValueError(f"eps must be > 0, got {eps!r}")
    point = _float64(x)
    flat = point.view(-1)
    gradient = torch.empty_like(flat)
    for i in range(flat.numel()):
        original = flat[i].item()
        flat[i] = original + eps
        above = _scalar(f(point))
        flat[i] = original - eps
        below = _scalar(f(point))
        flat[i] = original
        gradient[i] = (above - below) / (2 * eps)
    return gradient.view(point.shape)


def elementwise_derivative(f: Function, x: torch.Tensor, eps: float = DEFAULT_EPS) -> torch.Tensor:
    """The derivative of an elementwise `f` (sigmoid, x**2, ...) at every entry of `x`, by central differences.

    For a function that acts on each entry alone, one pair of calls
    estimates all derivatives at once: (f(x + h) - f(x - h)) / 2h, in float64.
    """
    if not eps > 0:
        raise ValueError(f"eps must be > 0, got {eps!r}")
    point = _float64(x)
    above = torch.as_tensor(f(point + eps), dtype=torch.float64)
    below = torch.as_tensor(f(point - eps), dtype=torch.float64)
    if above.shape != point.shape:
        raise ValueError(f"elementwise_derivative needs an elementwise f; f maps shape {tuple(point.shape)} to {tuple(above.shape)}")
    return (above - below) / (2 * eps)


def _constant_factor(got: torch.Tensor, estimate: torch.Tensor, atol: float) -> float | None:
    """The c with got = c * estimate in every entry (to 1e-3), when there is one other than 1."""
    significant = estimate.abs() > max(atol, 1e-12)
    if int(significant.sum()) < 2:
        return None
    ratios = got[significant] / estimate[significant]
    factor = ratios.median().item()
    if not torch.isfinite(ratios).all() or abs(factor) < 1e-12 or abs(factor - 1) < 1e-3:
        return None
    if not torch.allclose(got, factor * estimate, rtol=1e-3, atol=atol):
        return None
    return factor


def _explain(got: torch.Tensor, estimate: torch.Tensor, *, what: str, rtol: float, atol: float, eps: float) -> tuple[str, str, str]:
    """The problem as a student reads it, its brief form for hidden tests, and the numbers behind it."""
    ours = got.detach().to("cpu", torch.float64)
    error = (ours - estimate).abs()
    excess = error - (atol + rtol * estimate.abs())
    worst = int(excess.reshape(-1).argmax())
    scalar = estimate.dim() == 0
    where = "" if scalar else f" most at index {_index(worst, tuple(estimate.shape))}"
    problem = f"{what} disagrees{where} with the central difference {FORMULA}, h = {eps:g}"
    brief = f"{what} disagrees with the central difference {FORMULA}"
    factor = _constant_factor(ours, estimate, atol)
    if factor is not None and abs(factor + 1) < 1e-3:
        problem += "; your gradient has the opposite sign of the estimate everywhere: a sign is flipped"
    elif factor is not None:
        problem += (
            f"; your gradient is {factor:.4g} times the estimate everywhere: "
            "a constant factor is missing or extra (a mean's 1/N, the 2 of a square, ...)"
        )
    if factor is not None:
        brief += "; your gradient is a constant multiple of the estimate: a constant factor is missing, extra or of the wrong sign"
    there = "you give" if scalar else "at that index you give"
    detail = f"{there} {ours.reshape(-1)[worst].item():.6g}, the estimate is {estimate.reshape(-1)[worst].item():.6g}"
    return problem, brief, detail


def matches_finite_differences(
    got: Any,
    f: Function,
    x: torch.Tensor,
    *,
    what: str,
    rtol: float,
    atol: float,
    inputs: str | None = None,
    hint: str | None = None,
    eps: float = DEFAULT_EPS,
    elementwise: bool = False,
) -> None:
    """`got` is the derivative of `f` at `x`: compared with central finite differences, in float64.

    `f` is scalar-valued (a loss as a function of one parameter tensor) and
    `got` its gradient, shaped like `x`; or, with `elementwise=True`, `f` acts
    on each entry alone and `got` holds its derivative at each entry. The
    comparison is `close`'s (atol + rtol * |estimate|), so it counts as a
    value comparison; its failure names the entry that disagrees most, and a
    gradient that is a constant multiple of the right one.
    """
    estimate = (elementwise_derivative if elementwise else finite_differences)(f, x, eps)
    try:
        close(got, estimate, what=what, rtol=rtol, atol=atol, inputs=inputs, hint=hint)
    except CheckFailure as failure:
        tensor = is_tensor(got, what=what, inputs=inputs, hint=hint)
        if tuple(tensor.shape) != tuple(estimate.shape) or not bool(torch.isfinite(tensor).all()) or tensor.is_complex():
            raise
        problem, brief, detail = _explain(tensor, estimate, what=what, rtol=rtol, atol=atol, eps=eps)
        raise CheckFailure(
            problem,
            got=failure.got,
            got_brief=failure.got_brief,
            problem_brief=brief,
            expected=failure.expected,
            inputs=inputs,
            hint=hint,
            detail=detail,
        ) from None
