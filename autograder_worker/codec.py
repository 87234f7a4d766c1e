"""Plain-data encoding of values that cross the process boundary.

A value becomes a JSON tree plus a list of tensors; the tensors travel as one
`torch.save` blob and are read back with `torch.load(weights_only=True)`, so
decoding never runs code chosen by the sender. Objects that are not plain
data (a student's model, say) stay in the worker and cross as handles, and a
test's function passed to student code crosses as a callback: a number that
the worker calls back through the trusted side, which runs the function.

The worker runs student code, so its replies are hostile bytes until checked.
Decoding follows a strict schema with small caps, and every failure is a
ValueError with the reason:

- the JSON header's nesting depth and number of tokens are counted on its
  raw bytes before it is parsed, so that neither a deep nest (a
  RecursionError in the parser) nor millions of tiny lists can cost more
  than the bytes did;
- a tree holds only the known tags, dtypes from an allowlist and device
  strings of a known form;
- the tensor archive must be stored uncompressed (a deflated record could
  inflate far beyond the frame it came in), with few files;
- each tensor must be dense and strided, on the cpu, cuda or meta device
  (meta: device tests run there without a GPU), with a shape that its own
  storage's bytes back, no two elements in the same place (a stride-0 view
  of four bytes can claim a shape of 10^12 elements, which any later copy or
  comparison would try to allocate), and all of them together no larger
  than MAX_TENSOR_BYTES. These checks read only the metadata: nothing
  touches a tensor's elements before they pass.
"""

from __future__ import annotations

import io
import json
import math
import re
import struct
import zipfile
from collections import OrderedDict
from typing import Any, Callable

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
"""All tensors of one message together, counted as numel times element size (a view counts whole)."""
MAX_ARCHIVE_FILES = MAX_TENSORS + 16
MAX_PICKLE_BYTES = 4 * 1024 * 1024

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

_END = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_END = struct.Struct("<4sQ2H2L4Q")


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


def _extent(sizes: tuple[int, ...], strides: tuple[int, ...]) -> int | None:
    """The largest element index a tensor reaches from its offset, or None if two elements share a place.

    Dimensions of size one or zero reach nothing. The others, taken by
    increasing stride, must each step past everything the smaller ones reach:
    a stride-0 (broadcast) dimension, or windows that overlap, fail this.
    """
    reach = 0
    for size, stride in sorted(((s, st) for s, st in zip(sizes, strides) if s > 1), key=lambda pair: pair[1]):
        if stride <= reach:
            return None
        reach += (size - 1) * stride
    return reach


def _sendable(tensor: torch.Tensor) -> torch.Tensor:
    """`tensor` as the receiver will accept it: detached, dense, and one element per place."""
    kind = _kind(tensor)
    if kind is not None:
        raise EncodeError(f"cannot send a {kind} tensor; send a dense one (`.to_dense()`, `.dequantize()`)")
    if tensor.dtype not in DTYPES.values():
        raise EncodeError(f"cannot send a tensor of dtype {_dtype_name(tensor.dtype)}; use one of {', '.join(DTYPES)}")
    plain = tensor.detach()
    if plain.numel() and _extent(tuple(plain.shape), plain.stride()) is None:
        plain = plain.clone(memory_format=torch.contiguous_format)
    return plain


def encode(value: Any, tensors: list[torch.Tensor], to_handle: Callable[[Any], Tree] | None) -> Tree:
    """Turn `value` into a JSON tree, appending its tensors to `tensors`.

    A broadcast or overlapping view is sent as a copy of its elements, since
    the receiver refuses tensors whose elements share memory.
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


def pack(header: dict[str, Any], tensors: list[torch.Tensor]) -> bytes:
    """One message: 4-byte header length, JSON header, then the tensor blob."""
    head = json.dumps(header).encode("utf-8")
    blob = b""
    if tensors:
        buffer = io.BytesIO()
        torch.save(tensors, buffer)
        blob = buffer.getvalue()
    return len(head).to_bytes(4, "big") + head + blob


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


def _check_archive(blob: bytes) -> None:
    """Refuse a tensor archive with many files or any compressed one, before torch reads it.

    torch.save writes a zip of stored (uncompressed) files and always a zip64
    end record just before the classic one; both are read where Python's
    zipfile and torch's reader look for them, so both see the same listing.
    """
    not_archive = ValueError("tensor blob is not a torch.save archive")
    if len(blob) < _END.size:
        raise not_archive
    end_at = len(blob) - _END.size
    signature, _, _, _, files, listing_size, _, comment = _END.unpack_from(blob, end_at)
    if signature != b"PK\x05\x06" or comment:
        raise not_archive
    locator_at = end_at - _ZIP64_LOCATOR.size
    if locator_at >= 0 and blob[locator_at : locator_at + 4] == b"PK\x06\x07":
        _, _, record_at, _ = _ZIP64_LOCATOR.unpack_from(blob, locator_at)
        if record_at != locator_at - _ZIP64_END.size or blob[record_at : record_at + 4] != b"PK\x06\x06":
            raise not_archive
        *_, files, listing_size, _ = _ZIP64_END.unpack_from(blob, record_at)
    if files > MAX_ARCHIVE_FILES or listing_size > MAX_ARCHIVE_FILES * 1024:
        raise ValueError(f"tensor archive holds more than {MAX_ARCHIVE_FILES} files")
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, struct.error, EOFError) as exc:
        raise not_archive from exc
    if len(infos) > MAX_ARCHIVE_FILES:
        raise ValueError(f"tensor archive holds more than {MAX_ARCHIVE_FILES} files")
    for info in infos:
        if info.compress_type != zipfile.ZIP_STORED or info.file_size != info.compress_size:
            raise ValueError(f"tensor archive holds a compressed file ({info.filename[:80]!r})")
        if info.filename.endswith("data.pkl") and info.file_size > MAX_PICKLE_BYTES:
            raise ValueError("tensor archive's index is larger than allowed")
    if sum(info.file_size for info in infos) > len(blob):
        raise ValueError("tensor archive's files are larger than the archive")


def _tensor_bytes(tensor: torch.Tensor) -> int:
    """The bytes `tensor` spans, once it is checked to be a dense, non-overlapping view of its own storage."""
    kind = _kind(tensor)
    if kind is not None:
        raise ValueError(f"a {kind} tensor was sent; only dense tensors cross")
    if tensor.dtype not in DTYPES.values():
        raise ValueError(f"a tensor of dtype {_dtype_name(tensor.dtype)} was sent")
    if tensor.device.type not in DEVICE_TYPES:
        raise ValueError(f"a tensor on the {tensor.device.type} device was sent")
    if tensor.requires_grad:
        raise ValueError("a tensor arrived requiring grad; that flag travels in the header")
    sizes, strides, offset = tuple(tensor.shape), tuple(tensor.stride()), tensor.storage_offset()
    if len(sizes) > MAX_TENSOR_DIMS:
        raise ValueError(f"a tensor with {len(sizes)} dimensions was sent")
    if offset < 0 or min(sizes + strides, default=0) < 0:
        raise ValueError(f"a tensor with negative sizes, strides or offset was sent: {sizes}, {strides}, {offset}")
    count = math.prod(sizes)
    if count == 0:
        return 0
    reach = _extent(sizes, strides)
    if reach is None:
        raise ValueError(f"a tensor whose elements overlap was sent: shape {sizes}, strides {strides}")
    itemsize = tensor.element_size()
    if (offset + reach + 1) * itemsize > tensor.untyped_storage().nbytes():
        raise ValueError(f"a tensor larger than its storage was sent: shape {sizes}, strides {strides}, offset {offset}")
    return count * itemsize


def _load_tensors(blob: bytes) -> list[torch.Tensor]:
    _check_archive(blob)
    try:
        loaded = torch.load(io.BytesIO(blob), weights_only=True)
    except Exception as exc:  # noqa: BLE001  (whatever the bytes make torch raise, they are unreadable)
        raise ValueError(f"tensor blob could not be read safely ({type(exc).__name__})") from exc
    if type(loaded) is not list or len(loaded) > MAX_TENSORS or not all(type(t) is torch.Tensor for t in loaded):
        raise ValueError(f"tensor blob is not a list of at most {MAX_TENSORS} tensors")
    total = sum(_tensor_bytes(t) for t in loaded)
    if total > MAX_TENSOR_BYTES:
        raise ValueError(f"tensors of {total} bytes were sent; at most {MAX_TENSOR_BYTES} cross in one message")
    return loaded


def unpack(message: bytes) -> tuple[dict[str, Any], list[torch.Tensor]]:
    """Read a message made by `pack`; anything else is a ValueError saying what was wrong."""
    if len(message) < 4:
        raise ValueError("message is shorter than its header length")
    size = int.from_bytes(message[:4], "big")
    if size > MAX_HEADER_BYTES:
        raise ValueError(f"message header of {size} bytes is larger than {MAX_HEADER_BYTES}")
    if 4 + size > len(message):
        raise ValueError("message ends inside its header")
    header = _load_header(message[4 : 4 + size])
    blob = message[4 + size :]
    return header, _load_tensors(blob) if blob else []
