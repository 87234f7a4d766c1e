"""Devices without a GPU: how devices compare, and device tests run on the meta device."""

import pytest
import torch

from autograder import checks as check
from autograder.checks.devices import META, canonical, meta_cannot_run, same_device, second_device
from autograder.checks.failure import CheckFailure
from autograder.errors import UsageError
from autograder.runner.local import LocalSubmission


class OnFirstGpu(torch.Tensor):
    """A CPU tensor that reports what a tensor made with device="cuda" reports on a GPU machine."""

    @property
    def device(self):
        return torch.device("cuda", 0)


@pytest.fixture
def gpu_one(monkeypatch):
    """A machine whose current CUDA device is 1."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 1)


def test_an_indexless_device_is_the_current_one():
    assert same_device("cuda", "cuda:0")
    assert same_device(torch.device("cuda:0"), torch.device("cuda"))
    assert same_device("cpu", torch.device("cpu", 0))
    assert not same_device("cpu", "meta")
    assert not same_device("cuda:0", "cuda:1")


def test_the_current_gpu_decides_what_cuda_means(gpu_one):
    assert canonical("cuda") == torch.device("cuda", 1)
    assert same_device("cuda", "cuda:1") and not same_device("cuda", "cuda:0")
    assert second_device() == torch.device("cuda", 1)


def test_without_a_gpu_the_second_device_is_meta():
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    assert second_device() == META


def test_a_tensor_on_cuda_0_stays_on_the_device_called_cuda():
    got = torch.ones(3).as_subclass(OnFirstGpu)
    check.device(got, torch.device("cuda"), what="softmax(logits)")
    with pytest.raises(CheckFailure, match="should stay on the input's device cuda:1, but is on cuda:0"):
        check.device(got, torch.device("cuda:1"), what="softmax(logits)")


def _call(function):
    """The function as a test reaches it: through a submission, which reports student exceptions."""
    return LocalSubmission({"f": function}, "m").f


def _softmax(z):
    e = torch.exp(z - z.amax(dim=-1, keepdim=True))
    return e / e.sum(dim=-1, keepdim=True)


LOGITS = torch.tensor([[1.1, -0.45, 0.4], [3.0, 3.0, 3.0]])


def test_correct_device_agnostic_code_passes_on_meta():
    with check.count_comparisons() as counter:
        check.on_device(META, _call(_softmax), (LOGITS,), torch.softmax(LOGITS, -1), what="softmax(z)", rtol=1e-6, atol=1e-7)
    assert counter.count == 1


def test_a_wrong_value_fails_before_the_device_is_looked_at():
    with pytest.raises(CheckFailure, match="softmax.z. is wrong"):
        check.on_device(META, _call(lambda z: z), (LOGITS,), torch.softmax(LOGITS, -1), what="softmax(z)", rtol=1e-6, atol=1e-7)


def test_a_tensor_made_on_a_fixed_device_fails_on_meta():
    def fixed(z):
        return _softmax(z) + torch.zeros(z.shape, device="cpu")

    with pytest.raises(CheckFailure) as info:
        check.on_device(META, _call(fixed), (LOGITS,), torch.softmax(LOGITS, -1), what="softmax(z)", rtol=1e-6, atol=1e-7)
    text = str(info.value)
    assert "softmax(z) fails for inputs on meta" in text and "not on the expected device meta" in text
    assert "device=x.device" in text


def test_a_result_left_on_the_cpu_fails_on_meta():
    def back_on_cpu(z):
        return _softmax(z) if z.device.type == "cpu" else torch.zeros(z.shape)

    with pytest.raises(CheckFailure, match="should stay on the input's device meta, but is on cpu"):
        check.on_device(META, _call(back_on_cpu), (LOGITS,), torch.softmax(LOGITS, -1), what="softmax(z)", rtol=1e-6, atol=1e-7)


def test_code_that_reads_values_is_skipped_on_meta_not_failed():
    def reads_values(z):
        if bool((z > 1e3).any()):
            raise ValueError("too large")
        return _softmax(z)

    with pytest.raises(pytest.skip.Exception, match="reads tensor values"):
        check.on_device(META, _call(reads_values), (LOGITS,), torch.softmax(LOGITS, -1), what="softmax(z)", rtol=1e-6, atol=1e-7)


def test_on_a_device_with_values_the_second_result_is_compared_too():
    calls = []

    def drifts(z):
        calls.append(1)
        return _softmax(z) * (1.0 if len(calls) == 1 else 1.1)

    with pytest.raises(CheckFailure, match=r"softmax\(z\) on cpu is wrong"):
        check.on_device(torch.device("cpu"), _call(drifts), (LOGITS,), torch.softmax(LOGITS, -1), what="softmax(z)", rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    "message, meta_only",
    [
        ("f() raised RuntimeError: Tensor.item() cannot be called on meta tensors", True),
        ("f() raised NotImplementedError: Cannot copy out of meta tensor; no data!", True),
        ("f() raised NotImplementedError: aten::_unique2: attempted to run this operator with Meta tensors", True),
        ("f() raised NotImplementedError: Could not run 'aten::foo' with arguments from the 'Meta' backend.", True),
        ("f() raised RuntimeError: Tensor on device cpu is not on the expected device meta!", False),
        ("f() raised TypeError: can't convert meta device type tensor to numpy.", False),
        ("f() raised ValueError: bad shapes", False),
    ],
)
def test_only_errors_about_missing_values_count_as_limits_of_meta(message, meta_only):
    assert meta_cannot_run(message) is meta_only


def test_a_number_cannot_be_checked_on_meta_and_the_test_writer_is_told_so():
    calls = []

    def accuracy(z):
        calls.append(z.device)
        return 0.5

    with pytest.raises(UsageError, match="ask for the `gpu` fixture instead of `device`"):
        check.on_device(META, _call(accuracy), (LOGITS,), 0.5, what="accuracy(z)", rtol=0, atol=1e-6)
    assert calls == []


def test_code_that_copies_values_out_is_skipped_on_meta_not_taken_for_a_stub():
    def copies_out(z):
        rows = [torch.tensor(row, dtype=z.dtype, device=z.device) for row in z.tolist()]
        return _softmax(torch.stack(rows))

    with pytest.raises(pytest.skip.Exception, match="reads tensor values"):
        check.on_device(META, _call(copies_out), (LOGITS,), torch.softmax(LOGITS, -1), what="softmax(z)", rtol=1e-6, atol=1e-7)
