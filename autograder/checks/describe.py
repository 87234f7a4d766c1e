"""Short, readable descriptions of values for failure messages.

A student reads these, so a tensor is shown with its shape, dtype and device
and a few values, never as a wall of numbers.
"""

from __future__ import annotations

import math
from typing import Any

import torch

MAX_SHOWN = 12


def _number(x: float) -> str:
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return str(x)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    return f"{x:.6g}"


def _nested(values: Any) -> str:
    if isinstance(values, list):
        return "[" + ", ".join(_nested(v) for v in values) + "]"
    return _number(values)


def describe_tensor(t: torch.Tensor) -> str:
    head = f"tensor of shape {tuple(t.shape)}, {str(t.dtype).replace('torch.', '')}, on {t.device}"
    if t.numel() == 0:
        return head + ", empty"
    flat = t.detach().cpu()
    if flat.numel() <= MAX_SHOWN:
        return f"{head}: {_nested(flat.tolist())}"
    if flat.is_floating_point():
        finite = flat[torch.isfinite(flat)]
        bad = flat.numel() - finite.numel()
        stats = f"min {_number(finite.min().item())}, max {_number(finite.max().item())}" if finite.numel() else "no finite values"
        return f"{head} ({stats}{f', {bad} NaN/inf' if bad else ''})"
    return f"{head} (min {flat.min().item()}, max {flat.max().item()})"


def brief(value: Any) -> str:
    """What a value is, without its values, sizes or lengths: all a hidden test may
    show of it, since those could carry the hidden input back to the student."""
    if isinstance(value, torch.Tensor):
        return f"tensor with {value.dim()} dimension(s), {str(value.dtype).replace('torch.', '')}, on {value.device}"
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def describe(value: Any) -> str:
    """Describe any value a student function may return."""
    if isinstance(value, torch.Tensor):
        return describe_tensor(value)
    if isinstance(value, float):
        return f"{_number(value)} ({type(value).__name__})"
    if isinstance(value, (list, tuple)) and len(value) > MAX_SHOWN:
        return f"{type(value).__name__} of {len(value)} items"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(describe(v) for v in value)
        return f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    text = repr(value)
    return text if len(text) <= 200 else text[:200] + "..."
