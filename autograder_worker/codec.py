"""Plain-data encoding of values that cross the process boundary.

A value becomes a JSON tree plus a list of tensors. Objects that are not plain
data (a student's model, say) stay in the worker and cross as handles, and a
test's function passed to student code crosses as a callback: a number that
the worker calls back through the trusted side, which runs the function.

The tensors travel as their raw bytes after the JSON header, which describes
each one (dtype, shape, device, where its bytes lie). No object is rebuilt
from the bytes and there is no archive, because a format read with a few
comparisons leaves nothing to exploit: nothing in it can run code or
inflate, and no shared storage, stride or view lets a forged tensor claim
more elements than it brought. It is also cheaper: a tensor's bytes are
copied once into a message and once out of it. Both ends run on one
machine, so the bytes are in its native order.

The worker runs student code, so its replies are hostile bytes until checked.
Decoding follows a strict schema with small caps, and every failure is a
ValueError with the reason:

- the JSON header's nesting depth and number of tokens are counted on its
  raw bytes before it is parsed, so that neither a deep nest (a
  RecursionError in the parser) nor millions of tiny lists can cost more
  than the bytes did;
- a tree holds only the known tags, dtypes from an allowlist and device
  strings of a known form;
- the whole tensor table is checked before any tensor is allocated: each
  shape times its element size must be the byte count given, and each
  tensor's bytes must start where the previous one's end (rounded up to
  ALIGN) and the message must end with the last one, so tensors neither
  overlap nor hide gaps and what decoding allocates is what was received.
  Meta tensors bring no bytes (device tests run there without a GPU), so
  their shapes count against MAX_TENSOR_BYTES like everyone else's;
- a bool tensor may hold only bytes 0 and 1: torch assumes so, and another
  byte makes a value that is neither true nor false to its kernels;
- each tensor arrives in a fresh contiguous allocation of its own, so the
  receiver may write to it without changing another tensor or the message.
"""

from __future__ import annotations

import json
import math
import re
from collections import OrderedDict
from typing import Any, Callable, NamedTuple

import numpy as np
import torch

TAG = "$t"
Tree = Any

MAX_HEADER_BYTES = 64 * 1024 * 1024
"""A header's bytes. Not small, because the load request carries the submission's
source (intake allows 25 MB of it); what parsing costs is bounded by the two caps below."""
MAX_JSON_DEPTH = 64
"""Nesting of JSON arrays and objects; a dict inside a tuple inside a list costs about six."""
MAX_JSON_TOKENS = 200_000
"""Brackets and commas outside strings: a bound on how many values the header holds."""
MAX_TENSORS = 4096
MAX_TENSOR_DIMS = 64
MAX_TENSOR_BYTES = 1024 * 1024 * 1024
"""All tensors of one message together, counted as numel times element size (meta ones too)."""
ALIGN = 64
"""Each tensor's bytes start on a multiple of this (a cache line) from the message's start,
so every element in a message lies on a multiple of its own size."""
TENSORS = "$tensors"
"""The header's field that describes the tensors; `unpack` takes it out again."""
_FIELDS = frozenset({"dtype", "shape", "device", "offset", "nbytes"})

DTYPES: dict[str, torch.dtype] = {
    str(dtype).removeprefix("torch."): dtype
    for dtype in (
        torch.bool,
        torch.uint8,
        torch.uint16,
        torch.uint32,
        torch.uint64,
        torch.int8,
        torch.int16,
        torch.int32,
        torch.int64,
        torch.float16,
        torch.bfloat16,
        torch.float32,
        torch.float64,
        torch.complex64,
        torch.complex128,
    )
}
"""The dtypes that cross: numbers and booleans, not quantized or bit-packed ones."""
NUMPY_DTYPES = frozenset(
    {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16", "float32", "float64"}
)
"""NumPy scalars whose value JSON can carry (`.item()` is a bool, int or float)."""
DEVICE_TYPES = ("cpu", "cuda", "meta")
_DEVICE = re.compile(r"(cpu|cuda|meta)(:[0-9]{1,3})?")
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_OPENING = np.frombuffer(b"[{", dtype=np.uint8)

_ITEMSIZE = {dtype: torch.empty(0, dtype=dtype).element_size() for dtype in DTYPES.values()}
_PADDING = bytes(ALIGN)


class EncodeError(TypeError):
    """A value that has no plain-data form and no handle table to hold it."""


def _dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def _kind(tensor: torch.Tensor) -> str | None:
    """What makes `tensor` other than a plain dense one (sparse, nested, quantized), if anything."""
    if tensor.layout is not torch.strided:
        return str(tensor.layout).removeprefix("torch.")
    if tensor.is_nested:
        return "nested"
    if tensor.is_quantized:
        return "quantized"
    return None


def _sendable(tensor: torch.Tensor) -> torch.Tensor:
    """`tensor` detached, once it is checked to be of a kind that `pack` can describe."""
    kind = _kind(tensor)
    if kind is not None:
        raise EncodeError(f"cannot send a {kind} tensor; send a dense one (`.to_dense()`, `.dequantize()`)")
    if tensor.dtype not in _ITEMSIZE:
        raise EncodeError(f"cannot send a tensor of dtype {_dtype_name(tensor.dtype)}; use one of {', '.join(DTYPES)}")
    if tensor.device.type not in DEVICE_TYPES:
        raise EncodeError(f"cannot send a tensor on the {tensor.device.type} device; use one of {', '.join(DEVICE_TYPES)}")
    return tensor.detach()


def encode(value: Any, tensors: list[torch.Tensor], to_handle: Callable[[Any], Tree] | None) -> Tree:
    """Turn `value` into a JSON tree, appending its tensors to `tensors`.

    A tensor's requires_grad flag travels in the tree: `pack` sends only values.
    """
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
        tensors.append(_sendable(plain))
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


def _fields(tree: dict[str, Any], *names: str) -> list[Any]:
    """The values of exactly the fields `names` (besides the tag), or a ValueError."""
    if set(tree) != {TAG, *names}:
        raise ValueError(f"a {tree[TAG]!r} value must have exactly the fields {', '.join(names)}")
    return [tree[name] for name in names]


def _index(value: Any, count: int) -> int:
    if type(value) is not int or not 0 <= value < count:
        raise ValueError(f"tensor index {value!r} is not one of the {count} tensors sent")
    return value


def _device(value: Any) -> torch.device:
    if not isinstance(value, str) or not _DEVICE.fullmatch(value):
        raise ValueError(f"not a device: {str(value)[:40]!r}")
    try:
        return torch.device(value)
    except (RuntimeError, ValueError) as exc:
        raise ValueError(f"not a device: {value!r}") from exc


def _numpy_scalar(dtype: Any, value: Any) -> np.generic:
    if dtype not in NUMPY_DTYPES or type(value) not in (bool, int, float):
        raise ValueError(f"not a NumPy scalar: {str(dtype)[:40]!r}")
    try:
        scalar: np.generic = np.dtype(dtype).type(value)
    except (OverflowError, ValueError, TypeError) as exc:
        raise ValueError(f"{value!r} is not a {dtype}") from exc
    return scalar


def decode(tree: Tree, tensors: list[torch.Tensor], from_handle: Callable[[dict[str, Any]], Any]) -> Any:
    """Inverse of `encode`; handles are rebuilt by `from_handle`. A tree off the schema is a ValueError."""
    return _decode(tree, tensors, from_handle, 0)


def _decode(tree: Tree, tensors: list[torch.Tensor], from_handle: Callable[[dict[str, Any]], Any], depth: int) -> Any:
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"value nested deeper than {MAX_JSON_DEPTH} levels")
    if tree is None or type(tree) in (bool, int, float, str):
        return tree
    if type(tree) is list:
        return [_decode(v, tensors, from_handle, depth + 1) for v in tree]
    if type(tree) is not dict:
        raise ValueError(f"a {type(tree).__name__} is not a value")
    tag = tree.get(TAG)
    if tag == "tensor":
        index, grad = _fields(tree, "i", "grad")
        tensor = tensors[_index(index, len(tensors))]
        if grad is True and (tensor.is_floating_point() or tensor.is_complex()):
            tensor.requires_grad_(True)
        return tensor
    if tag in ("tuple", "dict"):
        (items,) = _fields(tree, "v")
        if type(items) is not list:
            raise ValueError(f"a {tag}'s items must be a list")
        if tag == "tuple":
            return tuple(_decode(v, tensors, from_handle, depth + 1) for v in items)
        if not all(type(item) is list and len(item) == 2 and type(item[0]) in (str, int, bool) for item in items):
            raise ValueError("a dict's items must be [key, value] pairs with string or integer keys")
        return {key: _decode(v, tensors, from_handle, depth + 1) for key, v in items}
    if tag == "dtype":
        (name,) = _fields(tree, "v")
        if not isinstance(name, str) or name not in DTYPES:
            raise ValueError(f"unknown dtype {str(name)[:40]!r}")
        return DTYPES[name]
    if tag == "device":
        (device,) = _fields(tree, "v")
        return _device(device)
    if tag == "np":
        dtype, value = _fields(tree, "dtype", "v")
        return _numpy_scalar(dtype, value)
    if tag == "handle":
        if type(tree.get("id")) is not int or not set(tree) <= {TAG, "id", "type"} or not isinstance(tree.get("type", ""), str):
            raise ValueError("a handle must have an integer id and at most a type name")
        return from_handle(tree)
    if tag == "callback":
        (number,) = _fields(tree, "id")
        if type(number) is not int:
            raise ValueError("a callback must have an integer id")
        return from_handle(tree)
    raise ValueError(f"unknown value tag {str(tag)[:40]!r}")


def _align(offset: int) -> int:
    """The first multiple of ALIGN at or after `offset`."""
    return -(-offset // ALIGN) * ALIGN


def _raw(tensor: torch.Tensor) -> memoryview:
    """The bytes of `tensor`'s elements in row-major order; no copy for a contiguous cpu tensor."""
    plain = tensor.resolve_conj().resolve_neg().contiguous().to("cpu")
    return plain.reshape(-1).view(torch.uint8).numpy().data


def pack(header: dict[str, Any], tensors: list[torch.Tensor]) -> bytes:
    """One message: 4-byte header length, JSON header describing the tensors, then their bytes.

    The tensors' bytes are gathered by one join, which is the only copy of a
    contiguous cpu tensor; a view or a cuda tensor is made contiguous on the
    cpu first. Meta tensors have no bytes to send.
    """
    if TENSORS in header:
        raise EncodeError(f"a message header cannot have a field {TENSORS!r}: it describes the tensors")
    if not tensors:
        head = json.dumps(header).encode("utf-8")
        return len(head).to_bytes(4, "big") + head
    table: list[dict[str, Any]] = []
    chunks: list[bytes | memoryview] = []
    end = 0
    for tensor in tensors:
        plain = _sendable(tensor)
        offset = _align(end)
        nbytes = 0 if plain.is_meta else plain.numel() * _ITEMSIZE[plain.dtype]
        table.append({"dtype": _dtype_name(plain.dtype), "shape": list(plain.shape), "device": str(plain.device), "offset": offset, "nbytes": nbytes})
        if offset > end:
            chunks.append(_PADDING[: offset - end])
        if nbytes:
            chunks.append(_raw(plain))
        end = offset + nbytes
    head = json.dumps({**header, TENSORS: table}).encode("utf-8")
    head += b" " * (-(4 + len(head)) % ALIGN)
    return b"".join([len(head).to_bytes(4, "big"), head, *chunks])


def _check_json_shape(head: bytes) -> None:
    """Refuse a header too deep or with too many values, from its raw bytes, before it is parsed.

    Escaped backslashes and then escaped quotes are removed (left to right, as
    JSON reads them), so every quote left opens or closes a string; what lies
    between pairs of them is string content, and the rest is the structure,
    whose brackets and commas are counted. This costs a few passes of C over
    the bytes whatever they hold; for invalid JSON it can only overcount.
    """
    unescaped = head.replace(b"\\\\", b"").replace(b'\\"', b"")
    if unescaped.count(b'"') > 2 * MAX_JSON_TOKENS:
        raise ValueError("message header holds too many strings")
    structure = b"".join(unescaped.split(b'"')[::2])
    brackets = structure.translate(None, _NOT_BRACKET)
    if len(brackets) + structure.count(b",") > MAX_JSON_TOKENS:
        raise ValueError(f"message header holds more than {MAX_JSON_TOKENS} values")
    if brackets:
        steps = np.where(np.isin(np.frombuffer(brackets, dtype=np.uint8), _OPENING), 1, -1)
        if int(steps.cumsum().max()) > MAX_JSON_DEPTH:
            raise ValueError(f"message header is nested deeper than {MAX_JSON_DEPTH} levels")


def _load_header(head: bytes) -> dict[str, Any]:
    _check_json_shape(head)
    try:
        header = json.loads(head.decode("utf-8"))
    except RecursionError:
        raise ValueError("message header is nested too deeply") from None
    if not isinstance(header, dict):
        raise ValueError("message header is not an object")
    return header


class _Spec(NamedTuple):
    """One tensor of a message, as its header describes it once checked."""

    dtype: torch.dtype
    shape: tuple[int, ...]
    device: torch.device
    offset: int
    nbytes: int


def _cuda_has(device: torch.device) -> bool:
    return torch.cuda.is_available() and (device.index or 0) < torch.cuda.device_count()


def _spec(entry: Any, offset_due: int) -> _Spec:
    """The tensor that a table entry describes, if it is well formed, fits the caps and starts at `offset_due`."""
    if type(entry) is not dict or entry.keys() != _FIELDS:
        raise ValueError(f"its entry must have exactly the fields {', '.join(sorted(_FIELDS))}")
    name, shape, offset, nbytes = entry["dtype"], entry["shape"], entry["offset"], entry["nbytes"]
    if not isinstance(name, str) or name not in DTYPES:
        raise ValueError(f"unknown dtype {str(name)[:40]!r}")
    dtype, device = DTYPES[name], _device(entry["device"])
    if device.type == "cuda" and not _cuda_has(device):
        raise ValueError(f"it was sent from {device}, which this process cannot use")
    if type(shape) is not list or len(shape) > MAX_TENSOR_DIMS or not all(type(size) is int and size >= 0 for size in shape):
        raise ValueError(f"its shape must be a list of at most {MAX_TENSOR_DIMS} non-negative integers, not {str(shape)[:80]}")
    span = _ITEMSIZE[dtype]
    for size in shape:
        span *= max(size, 1)
        if span > MAX_TENSOR_BYTES:
            raise ValueError(f"its shape {str(shape)[:80]} of {name} spans more than {MAX_TENSOR_BYTES} bytes")
    due = 0 if device.type == "meta" else math.prod(shape) * _ITEMSIZE[dtype]
    if type(nbytes) is not int or nbytes != due:
        raise ValueError(f"{str(nbytes)[:40]} bytes were given for shape {shape} of {name} on {device}, which takes {due}")
    if type(offset) is not int or offset != offset_due:
        raise ValueError(f"its bytes must start at offset {offset_due}, not {str(offset)[:40]}")
    return _Spec(dtype, tuple(shape), device, offset, nbytes)


def _check_tensors(table: Any, message: bytes, start: int) -> list[_Spec]:
    """The tensors of a message whose header ends at `start`, once all of them are checked against the caps and its bytes."""
    if type(table) is not list or len(table) > MAX_TENSORS:
        raise ValueError(f"message header's {TENSORS!r} is not a list of at most {MAX_TENSORS} tensors")
    if table and start % ALIGN:
        raise ValueError(f"message header does not end on a multiple of {ALIGN} bytes")
    specs: list[_Spec] = []
    end = total = 0
    for number, entry in enumerate(table):
        try:
            spec = _spec(entry, _align(end))
        except ValueError as exc:
            raise ValueError(f"tensor {number}: {exc}") from None
        total += math.prod(spec.shape) * _ITEMSIZE[spec.dtype]
        if total > MAX_TENSOR_BYTES:
            raise ValueError(f"tensors of more than {MAX_TENSOR_BYTES} bytes were sent; at most {MAX_TENSOR_BYTES} cross in one message")
        end = spec.offset + spec.nbytes
        if start + end > len(message):
            raise ValueError(f"message ends inside the bytes of tensor {number}")
        if spec.dtype is torch.bool and spec.nbytes and np.frombuffer(message, np.uint8, spec.nbytes, start + spec.offset).max() > 1:
            raise ValueError(f"tensor {number}: a bool tensor holds a byte other than 0 and 1")
        specs.append(spec)
    if start + end != len(message):
        raise ValueError(f"message has {len(message) - start - end} bytes after {'its last tensor' if table else 'its header'}")
    return specs


def _receive(message: bytes, start: int, spec: _Spec) -> torch.Tensor:
    """A fresh contiguous tensor holding a checked tensor's bytes, on the device it was sent from."""
    if spec.device.type == "meta":
        return torch.empty(spec.shape, dtype=spec.dtype, device="meta")
    tensor = torch.empty(spec.shape, dtype=spec.dtype)
    if spec.nbytes:
        tensor.reshape(-1).view(torch.uint8).numpy()[:] = np.frombuffer(message, np.uint8, spec.nbytes, start + spec.offset)
    return tensor.to(spec.device) if spec.device.type == "cuda" else tensor


def unpack(message: bytes) -> tuple[dict[str, Any], list[torch.Tensor]]:
    """Read a message made by `pack`; anything else is a ValueError saying what was wrong.

    Every tensor is checked before the first is allocated, so a message
    refused late costs no more memory than one refused early.
    """
    if len(message) < 4:
        raise ValueError("message is shorter than its header length")
    size = int.from_bytes(message[:4], "big")
    if size > MAX_HEADER_BYTES:
        raise ValueError(f"message header of {size} bytes is larger than {MAX_HEADER_BYTES}")
    if 4 + size > len(message):
        raise ValueError("message ends inside its header")
    header = _load_header(message[4 : 4 + size])
    specs = _check_tensors(header.pop(TENSORS, []), message, 4 + size)
    return header, [_receive(message, 4 + size, spec) for spec in specs]
