"""Values crossing the process boundary: faithful, and never able to run code."""

import json
import pickle
import warnings

import numpy as np
import pytest
import torch

from autograder_worker import codec


def roundtrip(value):
    tensors: list[torch.Tensor] = []
    tree = codec.encode(value, tensors, None)
    header, back = codec.unpack(codec.pack({"value": tree}, tensors))
    return codec.decode(header["value"], back, lambda tree: ("handle", tree["id"]))


def _owns_its_memory(tensor: torch.Tensor) -> bool:
    return (
        tensor.is_contiguous()
        and tensor.storage_offset() == 0
        and tensor.untyped_storage().nbytes() == tensor.numel() * tensor.element_size()
    )


def test_plain_values_round_trip_with_their_types():
    value = {"a": [1, 2.5, None, True, "x"], "b": (1, (2, 3)), 3: float("inf")}
    assert roundtrip(value) == value
    assert isinstance(roundtrip((1, 2)), tuple)
    assert isinstance(roundtrip(np.float64(0.5)), np.float64)
    assert roundtrip(torch.float64) is torch.float64
    assert roundtrip(torch.device("cpu")) == torch.device("cpu")


def test_tensors_keep_dtype_shape_and_grad_flag():
    x = torch.arange(6, dtype=torch.float64).reshape(2, 3).requires_grad_(True)
    back = roundtrip({"x": x * 2, "i": torch.tensor([1, 2])})
    assert back["x"].dtype == torch.float64 and back["x"].shape == (2, 3)
    assert back["x"].requires_grad and back["x"].is_leaf
    assert torch.equal(back["x"].detach(), (x * 2).detach())
    assert back["i"].dtype == torch.int64 and not back["i"].requires_grad


def _sample(dtype: torch.dtype) -> torch.Tensor:
    """Values that use every byte of the dtype: extremes, signs and, for floats, nan and inf."""
    if dtype is torch.bool:
        return torch.tensor([[True, False, True], [False, False, True]])
    if dtype.is_floating_point or dtype.is_complex:
        real = torch.tensor([[0.0, -1.5, 3.25], [float("inf"), float("-inf"), 1e-3]], dtype=torch.float64)
        value = real.to(dtype) if dtype.is_floating_point else torch.complex(real, -real).to(dtype)
        return value
    info = torch.iinfo(dtype)
    return torch.tensor([[info.min, info.max, 0], [1, info.max - 1, info.min + 1]], dtype=dtype)


@pytest.mark.parametrize("dtype", list(codec.DTYPES.values()), ids=list(codec.DTYPES))
def test_every_allowed_dtype_round_trips_bit_for_bit(dtype):
    sent = _sample(dtype)
    back = roundtrip([sent, sent[1, 2], sent[:0]])
    assert [t.dtype for t in back] == [dtype] * 3
    assert [t.shape for t in back] == [(2, 3), (), (0, 3)]
    assert back[0].view(torch.uint8).tolist() == sent.view(torch.uint8).tolist()
    assert back[1].reshape(1).view(torch.uint8).tolist() == sent[1, 2].reshape(1).view(torch.uint8).tolist()


def test_nan_payloads_and_negative_zero_survive():
    sent = torch.tensor([float("nan"), -0.0, 0.0])
    back = roundtrip(sent)
    assert back.view(torch.int32).tolist() == sent.view(torch.int32).tolist()


@pytest.mark.parametrize(
    "make",
    [
        lambda base: base.t(),
        lambda base: base[1:3, ::2],
        lambda base: base[:, 5],
        lambda base: base[2:],
        lambda base: base[0].expand(3, 6),
        lambda base: base.unfold(1, 3, 1),
        lambda base: base.to(torch.complex64).conj(),
        lambda base: base.to(torch.complex64).conj().imag,
        lambda base: base.as_strided((2, 2), (0, 7), 3),
    ],
    ids=["transposed", "strided", "column", "offset", "expanded", "overlapping", "conjugated", "negated", "stride-0"],
)
def test_views_arrive_as_their_values_in_memory_of_their_own(make):
    base = torch.arange(24.0).reshape(4, 6)
    view = make(base)
    back = roundtrip(view)
    assert back.shape == view.shape and back.dtype == view.dtype
    assert torch.equal(back, view.resolve_conj().resolve_neg())
    assert _owns_its_memory(back)


def test_received_tensors_can_be_written_without_touching_each_other_or_the_message():
    block = torch.zeros(3, 4)
    tree = codec.encode({"a": block, "b": block}, tensors := [], None)
    message = codec.pack({"value": tree}, tensors)
    kept = bytearray(message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        header, back = codec.unpack(message)
        value = codec.decode(header["value"], back, lambda tree: None)
        value["a"].add_(1)
    assert torch.equal(value["b"], block) and torch.equal(value["a"], block + 1)
    assert message == kept


def test_meta_tensors_cross_as_shape_and_dtype_only():
    sent = torch.empty(1000, 1000, dtype=torch.bfloat16, device="meta")
    message = codec.pack({}, [sent])
    assert len(message) < 512
    _, (back,) = codec.unpack(message)
    assert back.is_meta and back.shape == (1000, 1000) and back.dtype == torch.bfloat16


def test_the_header_describes_each_tensor_and_where_its_bytes_lie():
    a, b = torch.arange(3, dtype=torch.int16), torch.ones(2, 2, dtype=torch.float64)
    message = codec.pack({"status": "ok"}, [a, b])
    size = int.from_bytes(message[:4], "big")
    header = json.loads(message[4 : 4 + size])
    assert header["status"] == "ok"
    assert header[codec.TENSORS] == [
        {"dtype": "int16", "shape": [3], "device": "cpu", "offset": 0, "nbytes": 6},
        {"dtype": "float64", "shape": [2, 2], "device": "cpu", "offset": codec.ALIGN, "nbytes": 32},
    ]
    start = 4 + size
    assert start % codec.ALIGN == 0
    assert message[start : start + 6] == a.numpy().tobytes()
    assert message[start + codec.ALIGN :] == b.numpy().tobytes()
    assert codec.unpack(message)[0] == {"status": "ok"}


def test_a_header_without_tensors_is_just_the_json():
    assert codec.pack({"op": "ping"}, []) == b'\x00\x00\x00\x0e{"op": "ping"}'


def test_the_tensor_table_field_is_reserved():
    with pytest.raises(codec.EncodeError, match="cannot have a field"):
        codec.pack({codec.TENSORS: []}, [torch.zeros(1)])


def test_tensor_subclasses_arrive_as_plain_tensors():
    class Sneaky(torch.Tensor):
        pass

    back = roundtrip(torch.zeros(2).as_subclass(Sneaky))
    assert type(back) is torch.Tensor


def test_unknown_objects_need_a_handle_table():
    with pytest.raises(codec.EncodeError):
        codec.encode(object(), [], None)
    tree = codec.encode([object()], [], lambda v: {codec.TAG: "handle", "id": 7})
    assert tree == [{codec.TAG: "handle", "id": 7}]


def test_decoding_never_unpickles(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("unpickling was attempted")

    monkeypatch.setattr(torch, "load", forbidden)
    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "Unpickler", forbidden)
    state = torch.nn.Linear(3, 2).state_dict()
    back = roundtrip(state)
    assert all(torch.equal(back[key], state[key]) for key in state)


def test_unknown_tags_are_refused():
    with pytest.raises(ValueError, match="unknown value tag"):
        codec.decode({codec.TAG: "pickle", "v": "..."}, [], lambda t: None)
    with pytest.raises(ValueError, match="unknown dtype"):
        codec.decode({codec.TAG: "dtype", "v": "Tensor"}, [], lambda t: None)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_tensors_come_back_on_their_device():
    sent = torch.arange(12.0, device="cuda").reshape(3, 4).t()
    message = codec.pack({}, [sent])
    _, (back,) = codec.unpack(message)
    assert back.device == sent.device and torch.equal(back, sent) and _owns_its_memory(back)
    size = int.from_bytes(message[:4], "big")
    assert json.loads(message[4 : 4 + size])[codec.TENSORS][0]["device"] == f"cuda:{sent.device.index}"
