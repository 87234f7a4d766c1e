"""Values crossing the process boundary: faithful, and never able to run code."""

import io
import pickle

import numpy as np
import pytest
import torch

from autograder_worker import codec


def roundtrip(value):
    tensors: list[torch.Tensor] = []
    tree = codec.encode(value, tensors, None)
    header, back = codec.unpack(codec.pack({"value": tree}, tensors))
    return codec.decode(header["value"], back, lambda tree: ("handle", tree["id"]))


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
    assert back["x"].requires_grad
    assert torch.equal(back["x"].detach(), (x * 2).detach())
    assert back["i"].dtype == torch.int64 and not back["i"].requires_grad


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


def test_a_pickled_object_in_the_tensor_blob_is_refused(capsys):
    class Payload:
        def __reduce__(self):
            return (print, ("this must never run",))

    buffer = io.BytesIO()
    torch.save([Payload()], buffer)
    head = b'{"status": "ok"}'
    message = len(head).to_bytes(4, "big") + head + buffer.getvalue()
    with pytest.raises(ValueError, match="could not be read safely") as refused:
        codec.unpack(message)
    assert isinstance(refused.value.__cause__, pickle.UnpicklingError)
    assert "never run" not in capsys.readouterr().out


def test_unknown_tags_are_refused():
    with pytest.raises(ValueError, match="unknown value tag"):
        codec.decode({codec.TAG: "pickle", "v": "..."}, [], lambda t: None)
    with pytest.raises(ValueError, match="unknown dtype"):
        codec.decode({codec.TAG: "dtype", "v": "Tensor"}, [], lambda t: None)
