"""Devices as a user means them, and the second device that device tests use.

`torch.device("cuda")` and `torch.device("cuda:0")` compare unequal, yet on a
machine whose current GPU is 0 they are the same place: a tensor created with
`device="cuda"` reports `cuda:0`. Every device comparison in a test goes
through `same_device`, which fills in the index the way torch does.

Device tests need a device other than the CPU. With a GPU that is the current
CUDA device; without one it is `meta`, on which tensors have a shape, a dtype
and a device but no values: code that creates a tensor on a fixed device fails
there as it would on a GPU (mixing `cpu` and `meta` tensors raises), while
code that reads values (`.item()`, boolean masks) cannot run at all, which
`meta_cannot_run` recognises so that the test is skipped rather than failed.
"""

from __future__ import annotations

import torch

META = torch.device("meta")

INDEXLESS = ("cpu", "meta")

# Errors raised only because meta tensors hold no values, never by a device mistake.
META_LIMITS = (
    "cannot be called on meta tensors",
    "cannot copy out of meta tensor",
    "with meta tensors",
    "'meta' backend",
    "register_meta",
)


def _current_index(device_type: str) -> int:
    """The index torch gives a device of `device_type` created without one."""
    module = getattr(torch, device_type, None)
    available = getattr(module, "is_available", None)
    current = getattr(module, "current_device", None)
    if available is None or current is None or not available():
        return 0
    return int(current())


def canonical(device: torch.device | str) -> torch.device:
    """`device` with its index filled in (`cuda` becomes `cuda:N`, N the current GPU)."""
    device = torch.device(device)
    if device.index is not None or device.type in INDEXLESS:
        return device
    return torch.device(device.type, _current_index(device.type))


def same_device(a: torch.device | str, b: torch.device | str) -> bool:
    """Whether `a` and `b` name the same device, as a tensor created on either would report."""
    first, second = canonical(a), canonical(b)
    if first.type in INDEXLESS:
        return first.type == second.type
    return first == second


def second_device() -> torch.device:
    """Where device tests put their inputs: the current GPU if there is one, else meta."""
    if torch.cuda.is_available():
        return canonical("cuda")
    return META


def meta_cannot_run(message: str) -> bool:
    """Whether an error message says only that meta tensors hold no values."""
    lowered = message.lower()
    return any(limit in lowered for limit in META_LIMITS)
