"""Hidden softmax tests: shapes, dtypes, `dim`, large logits, device."""

import pytest
import torch
import torch.nn.functional as F

from autograder.testing import check, graded

STABILITY_HINT = "subtract the max along dim before exp: softmax(z) = softmax(z - max z), so exp never overflows"
DIM_HINT = "reduce along `dim` (max and sum) with keepdim=True instead of a fixed dimension"


def _logits(shape, dtype, rng, scale=3.0):
    return torch.randn(shape, generator=rng, dtype=dtype) * scale


@graded("softmax", "matches the reference for shape {shape}, {dtype}")
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 5)])
def test_softmax_shapes(submission, rng, shape, dtype):
    logits = _logits(shape, dtype, rng)
    check.close(
        submission.softmax(logits),
        F.softmax(logits, dim=-1),
        what="softmax(logits)",
        inputs=f"random logits of shape {shape}, {dtype}",
        rtol=1e-5,
        atol=1e-7,
        hint="work along the last dimension (dim=-1) for any number of dimensions",
    )


@graded("softmax", "uses the given dim={dim}")
@pytest.mark.parametrize("dim", [0, 1, -2])
def test_softmax_dim(submission, rng, dim):
    logits = _logits((3, 4, 5), torch.float64, rng)
    check.close(
        submission.softmax(logits, dim=dim),
        F.softmax(logits, dim=dim),
        what=f"softmax(logits, dim={dim})",
        inputs="random logits of shape (3, 4, 5)",
        rtol=1e-6,
        atol=1e-9,
        hint=DIM_HINT,
    )


@graded("softmax", "finite and exact for logits of +-1e4 ({dtype})")
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_softmax_large_logits(submission, dtype):
    logits = torch.tensor([[1e4, -1e4, 0.0], [1e4, 1e4, -1e4], [-1e4, -1e4, -1e4]], dtype=dtype)
    got = submission.softmax(logits)
    inputs = "logits = [[1e4, -1e4, 0], [1e4, 1e4, -1e4], [-1e4, -1e4, -1e4]]"
    check.finite(got, what="softmax(logits)", inputs=inputs, hint=STABILITY_HINT)
    # float32 resolves 1e4 only to about 1e-3, so exp(z - logsumexp(z)), as stable
    # as shifting by the max, may be off by that much; an overflow is off by far more.
    atol = 1e-3 if dtype == torch.float32 else 1e-6
    check.close(got, F.softmax(logits, dim=-1), what="softmax(logits)", inputs=inputs, rtol=0, atol=atol, hint=STABILITY_HINT)


@graded("softmax", "rows are probabilities for widely spread logits")
def test_softmax_rows_sum_to_one(submission, rng):
    logits = _logits((8, 10), torch.float32, rng, scale=200.0)
    got = submission.softmax(logits)
    inputs = "random logits of shape (8, 10) between about -600 and 600"
    check.finite(got, what="softmax(logits)", inputs=inputs, hint=STABILITY_HINT)
    tensor = check.is_tensor(got, what="softmax(logits)")
    check.that(bool((tensor >= 0).all()) and bool((tensor <= 1).all()), "softmax(logits) has entries outside [0, 1]", got=tensor, inputs=inputs)
    # float32 resolves a logit of 600 only to 6e-5 (one of 4000 to 5e-4), so exp(z - logsumexp(z)),
    # as stable as shifting by the max, may be off by that much; an overflow gives NaN or 0.
    check.close(tensor.sum(dim=-1), torch.ones(8), what="the row sums of softmax(logits)", inputs=inputs, rtol=0, atol=3e-4, hint=STABILITY_HINT)
    check.close(tensor, F.softmax(logits, dim=-1), what="softmax(logits)", inputs=inputs, rtol=3e-4, atol=1e-6, hint=STABILITY_HINT)


@graded("softmax", "equal logits give equal probabilities")
def test_softmax_uniform(submission):
    logits = torch.full((2, 4), 3.0)
    check.close(
        submission.softmax(logits),
        torch.full((2, 4), 0.25),
        what="softmax(logits)",
        inputs="logits of shape (2, 4), all equal to 3",
        rtol=0,
        atol=1e-7,
        hint="each of C equal scores gets probability 1/C",
    )


@graded("softmax", "keeps the {dtype} dtype")
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_softmax_dtype(submission, rng, dtype):
    logits = _logits((2, 3), dtype, rng)
    got = submission.softmax(logits)
    inputs = f"logits of shape (2, 3), {dtype}"
    check.close(got, F.softmax(logits, dim=-1), what="softmax(logits)", inputs=inputs, rtol=1e-5, atol=1e-7)
    check.dtype(got, dtype, what="softmax(logits)", inputs=inputs)


@graded("softmax", "stays on the input's device")
def test_softmax_device(submission, rng, device):
    logits = _logits((2, 3), torch.float32, rng)
    check.on_device(device, submission.softmax, (logits,), F.softmax(logits, dim=-1), what="softmax(logits)", inputs="logits of shape (2, 3)", rtol=1e-5, atol=1e-7)
