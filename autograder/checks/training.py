"""Checks for training loops: loss histories compared epoch by epoch, and convergence.

A training loop's mistakes show in its loss history long before they show
in its final weights: a missing `zero_grad` still converges, but its second
epoch already differs from the reference run from the same weights. So a
history is compared entry by entry, and the message names the first epoch
that differs, which is where the student should look.
"""

from __future__ import annotations

import math
from typing import Any

from autograder.checks import CheckFailure, close, python_float, record_comparison
from autograder.checks.describe import brief, describe


def python_floats(got: Any, length: int, *, what: str, inputs: str | None = None, hint: str | None = None) -> list[float]:
    """`got` is a list of `length` Python floats (a loss history, say)."""
    if not isinstance(got, list):
        raise CheckFailure(
            f"{what} should return a list of Python floats, but returned a {type(got).__name__}",
            got=describe(got),
            got_brief=brief(got),
            inputs=inputs,
            hint=hint or "collect each epoch's loss with losses.append(loss.item())",
        )
    if len(got) != length:
        raise CheckFailure(
            f"{what} should hold {length} entries (one per epoch), but holds {len(got)}",
            problem_brief=f"{what} has the wrong number of entries",
            inputs=inputs,
            hint=hint or "record exactly one loss per epoch",
        )
    for index, value in enumerate(got):
        python_float(value, what=f"entry {index} of {what}", inputs=inputs, hint="convert each loss with .item()")
    return got


def trajectory(
    got: Any,
    expected: list[float],
    *,
    what: str,
    rtol: float,
    atol: float,
    inputs: str | None = None,
    hint: str | None = None,
) -> None:
    """`got` is the same history as `expected`, entry by entry, within atol + rtol·|expected|."""
    values = python_floats(got, len(expected), what=what, inputs=inputs, hint=hint)
    for epoch, (value, want) in enumerate(zip(values, expected)):
        close(
            value,
            want,
            what=f"{what}[{epoch}] (the first entry that differs)",
            inputs=inputs,
            rtol=rtol,
            atol=atol,
            hint=hint,
        )


def converges(
    losses: Any,
    *,
    what: str,
    below: float | None = None,
    factor: float | None = None,
    inputs: str | None = None,
    hint: str | None = None,
) -> None:
    """The history ends finite and low: under `below`, and/or under `factor` times its first entry."""
    if below is None and factor is None:
        raise ValueError("converges needs `below`, `factor` or both")
    values = python_floats(losses, len(losses) if isinstance(losses, list) else 0, what=what, inputs=inputs, hint=hint)
    if not values:
        raise CheckFailure(f"{what} is empty", inputs=inputs, hint=hint)
    bad = [i for i, v in enumerate(values) if not math.isfinite(v)]
    if bad:
        raise CheckFailure(
            f"{what} becomes NaN or infinite at entry {bad[0]}: training diverged",
            problem_brief=f"{what} becomes NaN or infinite: training diverged",
            got=describe(values),
            got_brief=brief(values),
            inputs=inputs,
            hint=hint or "a learning rate that is too large, or a gradient step with the wrong sign, makes the loss blow up",
        )
    limit = min(x for x in (below, None if factor is None else factor * values[0]) if x is not None)
    record_comparison()
    if values[-1] > limit:
        raise CheckFailure(
            f"{what} does not go down enough: it ends at {values[-1]:.4g}, "
            f"which should be below {limit:.4g}",
            problem_brief=f"{what} does not go down enough",
            inputs=inputs,
            hint=hint or "check the sign of the update (p = p - lr * grad) and that gradients are reset every step",
        )
