"""Replies a hostile worker could send: each is refused quickly, as a ValueError, without a large allocation.

The tensor blobs are made with torch.save directly (a worker is free to skip
`codec.encode`), or by rewriting a real archive's files by hand.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from typing import Any, Callable

import numpy as np
import pytest
import torch

from autograder_worker import codec


def _save(value: Any) -> bytes:
    buffer = io.BytesIO()
    torch.save(value, buffer)
    return buffer.getvalue()


def _message(blob: bytes = b"", head: bytes = b'{"status": "ok"}') -> bytes:
    return len(head).to_bytes(4, "big") + head + blob


def _rewrite(blob: bytes, edit: Callable[[str, bytes], bytes], compression: int = zipfile.ZIP_STORED) -> bytes:
    """The archive `blob` with each file passed through `edit`, written again by Python's zipfile."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(blob)) as source, zipfile.ZipFile(out, "w", compression) as target:
        for info in source.infolist():
            target.writestr(info.filename, edit(info.filename, source.read(info.filename)))
    return out.getvalue()


def _refused(message: bytes, match: str) -> None:
    started = time.monotonic()
    with pytest.raises(ValueError, match=match):
        codec.unpack(message)
    assert time.monotonic() - started < 5


def _decode(tree: Any, tensors: list[torch.Tensor] | None = None) -> Any:
    return codec.decode(tree, tensors or [], lambda handle: ("handle", handle["id"]))


# --- the envelope and the JSON header


@pytest.mark.parametrize(
    ("message", "match"),
    [
        (b"\x00\x00", "shorter than its header length"),
        ((100).to_bytes(4, "big") + b"{}", "ends inside its header"),
        ((2**31).to_bytes(4, "big") + b"{}", "larger than"),
        (_message(head=b"[1, 2]"), "not an object"),
        (_message(head=b'{"a": "\\xff\\xfe"}'.replace(b"\\xff\\xfe", b"\xff\xfe")), "utf-8"),
        (_message(head=b'{"a": '), "Expecting value"),
    ],
)
def test_malformed_envelopes_are_refused(message, match):
    _refused(message, match)


def test_deep_nesting_is_a_value_error_not_a_recursion_error():
    _refused(_message(head=b'{"v": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"), "nested deeper than")
    _refused(_message(head=b'{"v": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_000 + b"}"), "nested deeper than")
    _refused(_message(head=b"[" * 100_000), "nested deeper than")
    header, _ = codec.unpack(_message(head=b'{"v": ' + b"[" * 60 + b"]" * 60 + b"}"))
    assert isinstance(header["v"], list)


def test_millions_of_tiny_values_are_refused_before_parsing():
    _refused(_message(head=b'{"v": [' + b"[]," * 1_000_000 + b"[]]}"), "more than")
    _refused(_message(head=b'{"v": [' + b'"",' * 1_000_000 + b'""]}'), "too many strings")


def test_brackets_and_quotes_inside_strings_are_text():
    source = 'def f(x):\n    return [[[[x]]]], {"a": "\\\\"}, \'"\'\n' * 5000
    header, _ = codec.unpack(codec.pack({"op": "load", "source": source, "tricky": '\\"[[[[' * 1000}, []))
    assert header["source"] == source and header["tricky"] == '\\"[[[[' * 1000


def test_unterminated_escapes_cost_linear_time():
    _refused(_message(head=b'{"v": "' + b'\\"' * 2_000_000), "Unterminated string|Expecting|Invalid")


# --- the value tree


@pytest.mark.parametrize(
    ("tree", "match"),
    [
        ({codec.TAG: "pickle", "v": "..."}, "unknown value tag"),
        ({codec.TAG: ["tensor"]}, "unknown value tag"),
        ({"a": 1}, "unknown value tag"),
        ({codec.TAG: "tensor", "i": -1, "grad": False}, "tensor index"),
        ({codec.TAG: "tensor", "i": 0, "grad": False}, "tensor index"),
        ({codec.TAG: "tensor", "i": True, "grad": False}, "tensor index"),
        ({codec.TAG: "tensor", "i": 0}, "exactly the fields"),
        ({codec.TAG: "tuple", "v": [], "extra": 1}, "exactly the fields"),
        ({codec.TAG: "tuple", "v": "abc"}, "must be a list"),
        ({codec.TAG: "dict", "v": [[["unhashable"], 1]]}, "pairs"),
        ({codec.TAG: "dict", "v": [[1, 2, 3]]}, "pairs"),
        ({codec.TAG: "dtype", "v": "Tensor"}, "unknown dtype"),
        ({codec.TAG: "dtype", "v": "float"}, "unknown dtype"),
        ({codec.TAG: "dtype", "v": "qint8"}, "unknown dtype"),
        ({codec.TAG: "dtype", "v": ["float32"]}, "unknown dtype"),
        ({codec.TAG: "device", "v": "cuda:99999999999999999999"}, "not a device"),
        ({codec.TAG: "device", "v": "xla:0"}, "not a device"),
        ({codec.TAG: "device", "v": "cpu\n"}, "not a device"),
        ({codec.TAG: "device", "v": "meta:-1"}, "not a device"),
        ({codec.TAG: "device", "v": 7}, "not a device"),
        ({codec.TAG: "np", "dtype": "O", "v": 1}, "not a NumPy scalar"),
        ({codec.TAG: "np", "dtype": "V1000000000", "v": 1}, "not a NumPy scalar"),
        ({codec.TAG: "np", "dtype": "float64", "v": "1e3"}, "not a NumPy scalar"),
        ({codec.TAG: "np", "dtype": "int8", "v": 1000}, "is not a int8"),
        ({codec.TAG: "handle", "id": "7"}, "handle"),
        ({codec.TAG: "handle", "id": 7, "attr": "x"}, "handle"),
        (b"bytes", "not a value"),
    ],
)
def test_trees_off_the_schema_are_refused(tree, match):
    with pytest.raises(ValueError, match=match):
        _decode(tree)


def test_a_tree_nested_past_the_cap_is_refused():
    tree: Any = 1
    for _ in range(codec.MAX_JSON_DEPTH + 1):
        tree = [tree]
    with pytest.raises(ValueError, match="nested deeper"):
        _decode(tree)


def test_schema_values_still_decode():
    assert _decode({codec.TAG: "device", "v": "cuda:1"}) == torch.device("cuda", 1)
    assert _decode({codec.TAG: "device", "v": "meta"}) == torch.device("meta")
    assert _decode({codec.TAG: "np", "dtype": "int8", "v": 7}) == np.int8(7)
    assert _decode({codec.TAG: "handle", "id": 3, "type": "MLP"}) == ("handle", 3)
    assert _decode({codec.TAG: "dict", "v": [[True, 1], [2, 3]]}) == {True: 1, 2: 3}


# --- tensors


def test_a_stride_zero_view_with_a_huge_shape_is_refused_without_allocating():
    huge = torch.empty(4).as_strided((10**6, 10**6), (0, 0))
    blob = _save([huge])
    assert len(blob) < 4096, "torch.save keeps the four bytes and the claimed shape"
    _refused(_message(blob), "overlap")


def test_overlapping_windows_are_refused():
    windows = torch.arange(10.0).as_strided((3, 4), (1, 2))
    _refused(_message(_save([windows])), "overlap")


def test_a_meta_tensor_claiming_terabytes_is_refused():
    _refused(_message(_save([torch.empty(10**12, device="meta")])), "at most")


def test_many_views_of_one_storage_count_in_full():
    block = torch.zeros(1024, 1024)
    blob = _save([block] * 300)
    assert len(blob) < 8 * 1024 * 1024
    _refused(_message(blob), "at most")


def test_more_tensors_than_allowed_are_refused():
    one = torch.zeros(1)
    _refused(_message(_save([one] * (codec.MAX_TENSORS + 1))), "at most")


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: torch.eye(3).to_sparse(), "sparse_coo"),
        (lambda: torch.eye(3).to_sparse_csr(), "sparse_csr|could not be read"),
        (lambda: torch.quantize_per_tensor(torch.ones(3), 0.1, 0, torch.qint8), "quantized|could not be read"),
        (lambda: torch.ones(3, dtype=torch.complex32), "dtype"),
        (lambda: torch.ones(3, requires_grad=True), "requiring grad"),
        (lambda: torch.nn.Parameter(torch.ones(3)), "list of at most"),
    ],
)
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_only_plain_dense_tensors_cross(make, match):
    _refused(_message(_save([make()])), match)


def test_a_view_past_its_storage_is_refused():
    blob = _save([torch.zeros(4)])
    grown = _rewrite(blob, lambda name, data: data.replace(b"K\x04\x85q\x07K\x01\x85", b"K\x40\x85q\x07K\x01\x85") if name.endswith("data.pkl") else data)
    _refused(_message(grown), "larger than its storage|could not be read")


def test_a_compressed_archive_is_refused():
    deflated = _rewrite(_save([torch.zeros(1000)]), lambda name, data: data, zipfile.ZIP_DEFLATED)
    assert torch.load(io.BytesIO(deflated), weights_only=True)[0].shape == (1000,), "torch itself would inflate it"
    _refused(_message(deflated), "compressed")


def test_archives_of_other_shapes_are_refused():
    blob = _save([torch.zeros(3)])
    _refused(_message(b"\x00" * 100), "not a torch.save archive")
    _refused(_message(blob + b"junk"), "not a torch.save archive")
    commented = blob[:-2] + (4).to_bytes(2, "little") + b"note"
    _refused(_message(commented), "not a torch.save archive")
    locator = len(blob) - 22 - 20
    moved = blob[: locator + 8] + (0).to_bytes(8, "little") + blob[locator + 16 :]
    _refused(_message(moved), "not a torch.save archive")
    _refused(_message(_save({"x": torch.zeros(1)})), "list of at most")


def test_dense_views_and_meta_tensors_still_cross():
    base = torch.arange(24.0).reshape(4, 6)
    views = [base.t(), base[1:3, ::2], base[:, 5], torch.empty(2, 3, device="meta"), torch.zeros(0, 5).as_strided((0, 5), (0, 0))]
    _, back = codec.unpack(_message(_save(views)))
    assert all(torch.equal(a, b) for a, b in zip(back[:3], views[:3]))
    assert back[3].device.type == "meta" and back[3].shape == (2, 3)
    assert back[4].shape == (0, 5)


def test_encode_sends_broadcast_views_as_dense_copies():
    row = torch.arange(3.0)
    tensors: list[torch.Tensor] = []
    tree = codec.encode({"wide": row.expand(4, 3)}, tensors, None)
    header, back = codec.unpack(codec.pack({"value": tree}, tensors))
    value = codec.decode(header["value"], back, lambda tree: None)
    assert torch.equal(value["wide"], row.expand(4, 3)) and value["wide"].stride() == (3, 1)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_encode_refuses_tensors_the_receiver_would_refuse():
    with pytest.raises(codec.EncodeError, match="dense"):
        codec.encode(torch.eye(2).to_sparse(), [], None)
    with pytest.raises(codec.EncodeError, match="dtype complex32"):
        codec.encode(torch.ones(2, dtype=torch.complex32), [], None)


def test_a_realistic_reply_passes_every_check():
    state = torch.nn.Linear(8, 4).state_dict()
    tensors: list[torch.Tensor] = []
    value = codec.encode({"state": state, "losses": [float(i) for i in range(2000)], "dtype": torch.float64}, tensors, None)
    header, back = codec.unpack(codec.pack({"status": "ok", "value": value, "ops": ["torch.ops.aten.mm.default"] * 10}, tensors))
    decoded = codec.decode(header["value"], back, lambda tree: None)
    assert torch.equal(decoded["state"]["weight"], state["weight"]) and len(decoded["losses"]) == 2000
    assert json.loads(json.dumps(header))["status"] == "ok"
