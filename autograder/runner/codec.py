"""Plain-data encoding of values that cross the process boundary.

A value becomes a JSON tree plus a list of tensors; the tensors travel as one
`torch.save` blob and are read back with `torch.load(weights_only=True)`, so
decoding never runs code chosen by the sender. Objects that are not plain
data (a student's model, say) stay in the worker and cross as handles.
"""

from __future__ import annotations

import io
import json
from collections import OrderedDict
from typing import Any, Callable

import numpy as np
import torch

TAG = "$t"
Tree = Any


class EncodeError(TypeError):
    """A value that has no plain-data form and no handle table to hold it."""


def _dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def encode(value: Any, tensors: list[torch.Tensor], to_handle: Callable[[Any], Tree] | None) -> Tree:
    """Turn `value` into a JSON tree, appending its tensors to `tensors`."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.generic):
        return {TAG: "np", "dtype": str(value.dtype), "v": value.item()}
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, torch.Tensor):
        plain = value.as_subclass(torch.Tensor) if type(value) is not torch.Tensor else value
        tensors.append(plain.detach())
        return {TAG: "tensor", "i": len(tensors) - 1, "grad": bool(value.requires_grad)}
    if isinstance(value, torch.dtype):
        return {TAG: "dtype", "v": _dtype_name(value)}
    if isinstance(value, torch.device):
        return {TAG: "device", "v": str(value)}
    if isinstance(value, tuple) and type(value) in (tuple, torch.Size):
        return {TAG: "tuple", "v": [encode(v, tensors, to_handle) for v in value]}
    if type(value) is list:
        return [encode(v, tensors, to_handle) for v in value]
    if type(value) in (dict, OrderedDict) and all(isinstance(k, (str, int)) for k in value):
        return {TAG: "dict", "v": [[k, encode(v, tensors, to_handle)] for k, v in value.items()]}
    if to_handle is not None:
        return to_handle(value)
    raise EncodeError(f"cannot send a {type(value).__name__} to the worker")


def decode(tree: Tree, tensors: list[torch.Tensor], from_handle: Callable[[dict[str, Any]], Any]) -> Any:
    """Inverse of `encode`; handles are rebuilt by `from_handle`."""
    if isinstance(tree, list):
        return [decode(v, tensors, from_handle) for v in tree]
    if not isinstance(tree, dict):
        return tree
    tag = tree.get(TAG)
    if tag == "tensor":
        tensor = tensors[tree["i"]]
        if tree.get("grad") and (tensor.is_floating_point() or tensor.is_complex()):
            tensor.requires_grad_(True)
        return tensor
    if tag == "tuple":
        return tuple(decode(v, tensors, from_handle) for v in tree["v"])
    if tag == "dict":
        return {k: decode(v, tensors, from_handle) for k, v in tree["v"]}
    if tag == "dtype":
        dtype = getattr(torch, str(tree["v"]), None)
        if not isinstance(dtype, torch.dtype):
            raise ValueError(f"unknown dtype {tree['v']!r}")
        return dtype
    if tag == "device":
        return torch.device(str(tree["v"]))
    if tag == "np":
        return np.dtype(str(tree["dtype"])).type(tree["v"])
    if tag == "handle":
        return from_handle(tree)
    raise ValueError(f"unknown value tag {tag!r}")


def pack(header: dict[str, Any], tensors: list[torch.Tensor]) -> bytes:
    """One message: 4-byte header length, JSON header, then the tensor blob."""
    head = json.dumps(header).encode("utf-8")
    blob = b""
    if tensors:
        buffer = io.BytesIO()
        torch.save(tensors, buffer)
        blob = buffer.getvalue()
    return len(head).to_bytes(4, "big") + head + blob


def unpack(message: bytes) -> tuple[dict[str, Any], list[torch.Tensor]]:
    size = int.from_bytes(message[:4], "big")
    header = json.loads(message[4 : 4 + size].decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError("message header is not an object")
    blob = message[4 + size :]
    tensors: list[torch.Tensor] = []
    if blob:
        loaded = torch.load(io.BytesIO(blob), weights_only=True)
        if not isinstance(loaded, list) or not all(isinstance(t, torch.Tensor) for t in loaded):
            raise ValueError("tensor blob is not a list of tensors")
        tensors = loaded
    return header, tensors
