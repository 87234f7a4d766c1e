"""Hidden cross-entropy tests: all three target kinds, dtypes, large logits."""

import pytest
import torch
import torch.nn.functional as F

from autograder.testing import check, graded

STABILITY_HINT = (
    "never take log(softmax(z)): use log softmax(z)_k = z_k - logsumexp(z), "
    "with logsumexp(z) = m + log(sum exp(z - m)) and m = max z"
)
MEAN_HINT = "the loss is the mean over the batch of -sum_k t_k log softmax(z)_k (mean, not sum)"
SOFT_HINT = "for (N, C) float targets, the loss is -(targets * log_softmax(logits)).sum(dim=1).mean()"


def _case(n, c, dtype, rng):
    logits = torch.randn(n, c, generator=rng, dtype=dtype) * 2
    indices = torch.randint(0, c, (n,), generator=rng)
    soft = torch.rand(n, c, generator=rng, dtype=dtype) + 0.05
    return logits, indices, soft / soft.sum(dim=1, keepdim=True)


def _tolerances(dtype):
    """float32 resolves a logit of 8 only to 5e-7, and a stable formula rounds a few times (m + log(sum exp(z - m)),
    then z - that): an honest float32 loss may be off by a few 1e-6 where it is small; a mistake is off by far more."""
    return {"rtol": 1e-5, "atol": 1e-5 if dtype == torch.float32 else 1e-7}


def _check(submission, logits, targets, inputs, hint):
    check.close(
        submission.cross_entropy(logits, targets),
        F.cross_entropy(logits, targets),
        what="cross_entropy(logits, targets)",
        inputs=inputs,
        hint=hint,
        **_tolerances(logits.dtype),
    )


@graded("cross_entropy", "class-index targets, shape ({n}, {c}), {dtype}")
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("n,c", [(1, 2), (5, 3), (32, 10)])
def test_cross_entropy_indices(submission, rng, n, c, dtype):
    logits, indices, _ = _case(n, c, dtype, rng)
    _check(submission, logits, indices, f"random logits ({n}, {c}) {dtype}, int64 class indices", MEAN_HINT)


@graded("cross_entropy", "one-hot targets, shape ({n}, {c})")
@pytest.mark.parametrize("n,c", [(4, 3), (16, 5)])
def test_cross_entropy_one_hot(submission, rng, n, c):
    logits, indices, _ = _case(n, c, torch.float64, rng)
    one_hot = F.one_hot(indices, c).to(torch.float64)
    _check(submission, logits, one_hot, f"random logits ({n}, {c}), one-hot float targets ({n}, {c})", SOFT_HINT)


@graded("cross_entropy", "soft (probability) targets, {dtype}")
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_cross_entropy_soft(submission, rng, dtype):
    logits, _, soft = _case(6, 4, dtype, rng)
    _check(submission, logits, soft, f"random logits (6, 4) {dtype}, rows of target probabilities", SOFT_HINT)


@graded("cross_entropy", "averages over the batch")
def test_cross_entropy_mean(submission):
    logits = torch.zeros(4, 2, dtype=torch.float64)
    check.close(
        submission.cross_entropy(logits, torch.tensor([0, 1, 0, 1])),
        F.cross_entropy(logits, torch.tensor([0, 1, 0, 1])),
        what="cross_entropy(logits, targets)",
        inputs="four rows of logits [0, 0], targets [0, 1, 0, 1]",
        rtol=1e-9,
        atol=1e-12,
        hint=MEAN_HINT,
    )


@graded("cross_entropy", "finite and exact for logits of +-1e4 ({kind} targets)")
@pytest.mark.parametrize("kind", ["class-index", "one-hot"])
def test_cross_entropy_large_logits(submission, kind):
    logits = torch.tensor([[1e4, -1e4, 0.0], [0.0, 1e4, -1e4], [5.0, 1e4, 1e4]])
    indices = torch.tensor([1, 1, 0])
    targets = indices if kind == "class-index" else F.one_hot(indices, 3).to(torch.float32)
    inputs = f"logits = [[1e4, -1e4, 0], [0, 1e4, -1e4], [5, 1e4, 1e4]], {kind} targets for classes [1, 1, 0]"
    got = submission.cross_entropy(logits, targets)
    check.finite(got, what="cross_entropy(logits, targets)", inputs=inputs, hint=STABILITY_HINT)
    check.close(got, F.cross_entropy(logits, targets), what="cross_entropy(logits, targets)", inputs=inputs, rtol=1e-6, atol=1e-3, hint=STABILITY_HINT)


@graded("cross_entropy", "returns a 0-dim tensor")
def test_cross_entropy_scalar(submission, rng):
    logits, indices, _ = _case(3, 4, torch.float32, rng)
    got = submission.cross_entropy(logits, indices)
    inputs = "logits (3, 4), targets (3,)"
    check.shape(got, (), what="cross_entropy(logits, targets)", inputs=inputs, hint="reduce to a single number with .mean(); do not call .item()")
    check.close(got, F.cross_entropy(logits, indices), what="cross_entropy(logits, targets)", inputs=inputs, hint=MEAN_HINT, **_tolerances(torch.float32))


@graded("cross_entropy", "keeps the {dtype} dtype")
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_cross_entropy_dtype(submission, rng, dtype):
    logits, indices, _ = _case(3, 4, dtype, rng)
    got = submission.cross_entropy(logits, indices)
    inputs = f"logits (3, 4) {dtype}, int64 targets"
    check.close(got, F.cross_entropy(logits, indices), what="cross_entropy(logits, targets)", inputs=inputs, hint=MEAN_HINT, **_tolerances(dtype))
    check.dtype(got, dtype, what="cross_entropy(logits, targets)", inputs=inputs)


@graded("cross_entropy", "stays on the input's device")
def test_cross_entropy_device(submission, rng, device):
    logits, indices, _ = _case(3, 4, torch.float32, rng)
    check.on_device(
        device,
        submission.cross_entropy,
        (logits, indices),
        F.cross_entropy(logits, indices),
        what="cross_entropy(logits, targets)",
        inputs="logits (3, 4) and int64 targets",
        **_tolerances(torch.float32),
    )
