"""Hidden tests of composite_derivative: shapes, dtypes, finite differences, device."""

import pytest
import torch

from autograder.testing import check, graded

CHAIN_HINT = "dy/dx = dy/du * du/dx with u = 3x**3 + 2: the outer factor 2u (at u, not at x) times the inner factor 9x**2"


def _x(shape, dtype, rng):
    return torch.randn(shape, generator=rng, dtype=dtype)


def _composite(t):
    """y = f(g(x)) itself, whose slope the finite differences estimate."""
    return (3 * t**3 + 2) ** 2


@graded("composite_derivative", "matches the reference for shape {shape}, {dtype}", points=0.5)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("shape", [(6,), (3, 4)])
def test_composite_derivative_reference(submission, reference, rng, shape, dtype):
    x = _x(shape, dtype, rng)
    check.close(
        submission.composite_derivative(x),
        reference.composite_derivative(x),
        what="composite_derivative(x)",
        inputs=f"random x of shape {shape}, {dtype}",
        rtol=1e-5,
        atol=1e-5,
        hint=CHAIN_HINT,
    )


@graded("composite_derivative", "matches finite differences of (3x**3 + 2)**2, random x number {draw}", points=0.5)
@pytest.mark.parametrize("draw", [1, 2, 3])
def test_composite_derivative_random_finite_differences(submission, rng, draw):
    x = _x((2, 5), torch.float64, rng) * 1.5
    check.gradients.matches_finite_differences(
        submission.composite_derivative(x),
        _composite,
        x,
        what="composite_derivative(x)",
        inputs="random x of shape (2, 5), float64",
        rtol=1e-6,
        atol=1e-6,
        elementwise=True,
        hint=CHAIN_HINT,
    )


@graded("composite_derivative", "keeps the {dtype} dtype", points=0.5)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_composite_derivative_dtype(submission, reference, rng, dtype):
    x = _x((5,), dtype, rng)
    got = submission.composite_derivative(x)
    inputs = f"x of shape (5,), {dtype}"
    check.close(got, reference.composite_derivative(x), what="composite_derivative(x)", inputs=inputs, rtol=1e-5, atol=1e-5, hint=CHAIN_HINT)
    check.dtype(got, dtype, what="composite_derivative(x)", inputs=inputs)


@graded("composite_derivative", "stays on the input's device", points=0.5)
def test_composite_derivative_device(submission, reference, rng, device):
    x = _x((4,), torch.float32, rng)
    check.on_device(
        device, submission.composite_derivative, (x,), reference.composite_derivative(x),
        what="composite_derivative(x)", inputs="x of shape (4,)", rtol=1e-5, atol=1e-5,
    )
