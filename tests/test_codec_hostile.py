"""Replies a hostile worker could send: each is refused quickly, as a ValueError, before any tensor is allocated.

A worker is free to skip `codec.pack`, so the messages are forged by hand:
a header whose tensor table says anything, followed by any bytes.
"""

from __future__ import annotations

import io
import json
import math
import time
from typing import Any

import numpy as np
import pytest
import torch

from autograder_worker import codec


def _message(data: bytes = b"", head: bytes = b'{"status": "ok"}') -> bytes:
    return len(head).to_bytes(4, "big") + head + data


def _forge(table: Any, data: bytes = b"", pad: bool = True) -> bytes:
    """A message whose header lists `table`, padded as `pack` pads it, followed by `data`."""
    head = json.dumps({"status": "ok", codec.TENSORS: table}).encode("utf-8")
    if pad:
        head += b" " * (-(4 + len(head)) % codec.ALIGN)
    return _message(data, head)


def _entry(dtype: Any = "float32", shape: Any = (2,), device: Any = "cpu", offset: Any = 0, nbytes: Any = None) -> dict[str, Any]:
    """A table entry, honest unless told otherwise."""
    if nbytes is None:
        nbytes = 0 if device == "meta" else math.prod(shape) * codec.DTYPES[dtype].itemsize
    return {"dtype": dtype, "shape": list(shape), "device": device, "offset": offset, "nbytes": nbytes}


def _refused(message: bytes, match: str) -> None:
    """`message` is refused quickly, and before any tensor is allocated."""

    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a tensor was allocated before the message was checked")

    started = time.monotonic()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(torch, "empty", forbidden)
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


# --- the tensor table and the bytes after the header


def test_a_forged_honest_message_is_what_pack_makes():
    sent = torch.tensor([1.5, -2.0])
    forged = _forge([_entry()], sent.numpy().tobytes())
    assert forged == codec.pack({"status": "ok"}, [sent])
    header, (back,) = codec.unpack(forged)
    assert header == {"status": "ok"} and torch.equal(back, sent)


@pytest.mark.parametrize(
    ("entry", "data", "match"),
    [
        (_entry(shape=[2], nbytes=12), bytes(12), "12 bytes were given for shape \\[2\\] of float32 on cpu, which takes 8"),
        (_entry(shape=[4], nbytes=8), bytes(8), "which takes 16"),
        (_entry(dtype="float64", shape=[2], nbytes=8), bytes(8), "which takes 16"),
        (_entry(shape=[2], nbytes=-8), b"", "-8 bytes were given"),
        (_entry(shape=[2], nbytes="8"), bytes(8), "bytes were given"),
        (_entry(shape=[2], nbytes=8.0), bytes(8), "bytes were given"),
        (_entry(shape=[2], nbytes=True), bytes(8), "bytes were given"),
        (_entry(shape=[2], device="meta", nbytes=8), bytes(8), "which takes 0"),
    ],
)
def test_byte_counts_that_disagree_with_the_shape_are_refused(entry, data, match):
    _refused(_forge([entry], data), match)


def test_truncated_messages_are_refused():
    two = codec.pack({}, [torch.zeros(3), torch.zeros(100)])
    _refused(two[:-1], "ends inside the bytes of tensor 1")
    _refused(two[: len(two) - 400 - 1], "ends inside the bytes of tensor 1")
    _refused(_forge([_entry(shape=[10**6])]), "ends inside the bytes of tensor 0")
    _refused(_forge([_entry(shape=[4])], bytes(15)), "ends inside the bytes of tensor 0")


def test_trailing_bytes_are_refused():
    _refused(codec.pack({}, [torch.zeros(3)]) + b"x", "1 bytes after its last tensor")
    _refused(_forge([_entry(shape=[2], device="meta")], bytes(8)), "8 bytes after its last tensor")
    _refused(_message(b"junk"), "4 bytes after its header")


def test_a_torch_save_archive_after_the_header_is_only_bytes(capsys):
    class Payload:
        def __reduce__(self):
            return (print, ("this must never run",))

    buffer = io.BytesIO()
    torch.save([Payload()], buffer)
    archive = buffer.getvalue()
    _refused(_message(archive), "bytes after its header")
    _, (back,) = codec.unpack(_forge([_entry("uint8", [len(archive)])], archive))
    assert back.numpy().tobytes() == archive
    assert "never run" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("entry", "match"),
    [
        (_entry(shape=[10**6, 10**6], nbytes=4 * 10**12), "spans more than"),
        (_entry(shape=[10**6, 10**6], nbytes=4), "spans more than"),
        (_entry(dtype="float64", shape=[2] * 64, nbytes=8), "spans more than"),
        (_entry(shape=[0, 2**62, 2**62], nbytes=0), "spans more than"),
        (_entry(shape=[2**64 - 1], nbytes=4), "spans more than"),
        (_entry(shape=[10**4000], nbytes=0), "spans more than"),
        (_entry(shape=[10**12], device="meta"), "spans more than"),
        (_entry(shape=[1] * 65, nbytes=4), "at most 64 non-negative integers"),
        (_entry(shape=[-1], nbytes=4), "non-negative integers"),
        (_entry(shape=[3, -2], nbytes=0), "non-negative integers"),
        (_entry(shape=[-(2**63)], nbytes=0), "non-negative integers"),
        (_entry(shape=[True, 2], nbytes=8), "non-negative integers"),
        (_entry(shape=[2.0], nbytes=8), "non-negative integers"),
        (_entry(shape=["2"], nbytes=8), "non-negative integers"),
        ({**_entry(), "shape": 2}, "its shape must be a list"),
        ({**_entry(), "shape": {"0": 2}}, "its shape must be a list"),
        ({**_entry(), "shape": None}, "its shape must be a list"),
    ],
)
def test_huge_negative_and_malformed_shapes_are_refused(entry, match):
    _refused(_forge([entry], bytes(8)), f"tensor 0: .*{match}")


def test_meta_tensors_together_count_against_the_cap():
    half = codec.MAX_TENSOR_BYTES // 2 // 4
    _refused(_forge([_entry(shape=[half], device="meta")] * 3), "at most .* cross in one message")
    _, back = codec.unpack(_forge([_entry(shape=[half], device="meta")] * 2))
    assert [t.shape for t in back] == [(half,), (half,)]


@pytest.mark.parametrize("dtype", ["complex32", "qint8", "quint4x2", "float", "Tensor", "torch.float32", "", ["float32"], None])
def test_unknown_dtypes_are_refused(dtype):
    _refused(_forge([{**_entry(), "dtype": dtype}], bytes(8)), "tensor 0: unknown dtype")


@pytest.mark.parametrize(
    ("offsets", "match"),
    [
        ((1, 64), "tensor 0: its bytes must start at offset 0, not 1"),
        ((0, 8), "tensor 1: its bytes must start at offset 64, not 8"),
        ((0, 0), "tensor 1: its bytes must start at offset 64, not 0"),
        ((0, 128), "tensor 1: its bytes must start at offset 64, not 128"),
        ((0, -64), "not -64"),
        ((0, "64"), "not 64"),
        ((0, 64.0), "not 64.0"),
    ],
)
def test_offsets_other_than_the_next_aligned_one_are_refused(offsets, match):
    first, second = offsets
    data = bytes(8) + bytes(56) + bytes(8)
    _refused(_forge([_entry(offset=first), _entry(offset=second)], data), match)


def test_the_tensor_bytes_must_start_aligned():
    assert codec.ALIGN == 64
    _refused(_forge([_entry()], bytes(8), pad=False), "does not end on a multiple of 64 bytes")


def test_more_tensors_than_allowed_are_refused():
    _refused(codec.pack({}, [torch.zeros(0)] * (codec.MAX_TENSORS + 1)), f"at most {codec.MAX_TENSORS} tensors")
    _, back = codec.unpack(codec.pack({}, [torch.ones(1)] * codec.MAX_TENSORS))
    assert len(back) == codec.MAX_TENSORS and len({t.data_ptr() for t in back}) == codec.MAX_TENSORS


@pytest.mark.parametrize(
    ("table", "match"),
    [
        ({}, "is not a list"),
        (None, "is not a list"),
        ([["float32", [2], "cpu", 0, 8]], "tensor 0: its entry must have exactly the fields"),
        ([{k: v for k, v in _entry().items() if k != "offset"}], "exactly the fields"),
        ([{**_entry(), "strides": [1]}], "exactly the fields"),
        ([{**_entry(), "device": "xla:0"}], "tensor 0: not a device"),
        ([{**_entry(), "device": "cuda:99999"}], "not a device"),
        ([{**_entry(), "device": "cpu\n"}], "not a device"),
        ([{**_entry(), "device": 7}], "not a device"),
    ],
)
def test_malformed_tables_are_refused(table, match):
    _refused(_forge(table, bytes(8)), match)


def test_tensors_from_a_gpu_this_process_lacks_are_refused(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    _refused(_forge([_entry(device="cuda:0")], bytes(8)), "sent from cuda:0, which this process cannot use")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    _refused(_forge([_entry(device="cuda:3")], bytes(8)), "sent from cuda:3, which this process cannot use")


def test_a_bool_byte_other_than_zero_or_one_is_refused():
    _refused(_forge([_entry("bool", [3])], b"\x00\x01\x02"), "tensor 0: a bool tensor holds a byte other than 0 and 1")
    _, (back,) = codec.unpack(_forge([_entry("bool", [3])], b"\x00\x01\x01"))
    assert back.tolist() == [False, True, True]


def test_a_late_bad_tensor_stops_the_early_good_ones_from_being_allocated():
    good = _entry(shape=[1024 * 1024])
    bad = {**_entry(offset=4 * 1024 * 1024), "dtype": "qint8"}
    _refused(_forge([good, bad], bytes(4 * 1024 * 1024 + 8)), "tensor 1: unknown dtype")


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
    with pytest.raises(codec.EncodeError, match="dense"):
        codec.encode(torch.quantize_per_tensor(torch.ones(3), 0.1, 0, torch.qint8), [], None)
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
