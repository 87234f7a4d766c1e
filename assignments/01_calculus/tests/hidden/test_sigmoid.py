"""Hidden tests of sigmoid and sigmoid_derivative: values, both tails, dtypes, device."""

import pytest
import torch

from autograder.testing import check, graded

TAILS = [-1e4, -1e3, -100.0, -30.0, -5.0, 0.0, 5.0, 30.0, 100.0, 1e3, 1e4]
TAILS_INPUTS = "z = [-1e4, -1e3, -100, -30, -5, 0, 5, 30, 100, 1e3, 1e4]"
TAILS_HINT = (
    "exp overflows far in a tail: write both tails with e = exp(-|z|), which never overflows, "
    "and make sure both branches of a torch.where are finite everywhere"
)
SIGMOID_HINT = "sigmoid(z) = 1 / (1 + exp(-z))"
DERIVATIVE_HINT = "the sigmoid's derivative is sigmoid(z) * (1 - sigmoid(z))"
# Values of the size of float32's rounding near 1 (6e-8) are below the tolerance: a formula
# that rounds sigmoid(-20) = 2e-9 to 0 (0.5 * (1 + tanh(z / 2)), say) is right within float32.
FLOAT32 = {"rtol": 1e-5, "atol": 1e-7}
FLOAT64 = {"rtol": 1e-9, "atol": 1e-12}


def _tolerances(dtype):
    return FLOAT32 if dtype == torch.float32 else FLOAT64


def _z(shape, dtype, rng, scale=4.0):
    return torch.randn(shape, generator=rng, dtype=dtype) * scale


@graded("sigmoid", "matches the reference for shape {shape}, {dtype}", points=0.5)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("shape", [(9,), (4, 5), (2, 3, 4)])
def test_sigmoid_reference(submission, reference, rng, shape, dtype):
    z = _z(shape, dtype, rng)
    check.close(
        submission.sigmoid(z), reference.sigmoid(z),
        what="sigmoid(z)", inputs=f"random z of shape {shape}, {dtype}", hint=SIGMOID_HINT, **_tolerances(dtype),
    )


@graded("sigmoid", "finite and exact far in both tails ({dtype})", points=1)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_sigmoid_far_tails(submission, reference, dtype):
    z = torch.tensor(TAILS, dtype=dtype)
    got = submission.sigmoid(z)
    check.finite(got, what="sigmoid(z)", inputs=TAILS_INPUTS, hint=TAILS_HINT)
    check.close(got, reference.sigmoid(z), what="sigmoid(z)", inputs=TAILS_INPUTS, hint=TAILS_HINT, **_tolerances(dtype))


@graded("sigmoid", "values between 0 and 1 for widely spread scores", points=0.5)
def test_sigmoid_range(submission, reference, rng):
    z = _z((8, 10), torch.float32, rng, scale=300.0)
    inputs = "random z of shape (8, 10) between about -1000 and 1000, float32"
    got = submission.sigmoid(z)
    check.finite(got, what="sigmoid(z)", inputs=inputs, hint=TAILS_HINT)
    tensor = check.is_tensor(got, what="sigmoid(z)")
    check.that(bool((tensor >= 0).all()) and bool((tensor <= 1).all()), "sigmoid(z) has values outside [0, 1]", got=tensor, inputs=inputs)
    check.close(tensor, reference.sigmoid(z), what="sigmoid(z)", inputs=inputs, hint=TAILS_HINT, **FLOAT32)


@graded("sigmoid", "keeps the {dtype} dtype", points=0.5)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_sigmoid_dtype(submission, reference, rng, dtype):
    z = _z((2, 3), dtype, rng)
    got = submission.sigmoid(z)
    inputs = f"z of shape (2, 3), {dtype}"
    check.close(got, reference.sigmoid(z), what="sigmoid(z)", inputs=inputs, hint=SIGMOID_HINT, **_tolerances(dtype))
    check.dtype(got, dtype, what="sigmoid(z)", inputs=inputs)


@graded("sigmoid", "stays on the input's device", points=0.5)
def test_sigmoid_device(submission, reference, rng, device):
    z = _z((2, 3), torch.float32, rng)
    check.on_device(device, submission.sigmoid, (z,), reference.sigmoid(z), what="sigmoid(z)", inputs="z of shape (2, 3)", **FLOAT32)


@graded("sigmoid_derivative", "matches the reference for shape {shape}, {dtype}", points=0.5)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("shape", [(9,), (4, 5)])
def test_sigmoid_derivative_reference(submission, reference, rng, shape, dtype):
    z = _z(shape, dtype, rng)
    check.close(
        submission.sigmoid_derivative(z), reference.sigmoid_derivative(z),
        what="sigmoid_derivative(z)", inputs=f"random z of shape {shape}, {dtype}", hint=DERIVATIVE_HINT, **_tolerances(dtype),
    )


@graded("sigmoid_derivative", "matches finite differences of the sigmoid, random z number {draw}", points=0.5)
@pytest.mark.parametrize("draw", [1, 2, 3])
def test_sigmoid_derivative_finite_differences(submission, reference, rng, draw):
    z = _z((3, 4), torch.float64, rng)
    check.gradients.matches_finite_differences(
        submission.sigmoid_derivative(z),
        reference.sigmoid,
        z,
        what="sigmoid_derivative(z)",
        inputs="random z of shape (3, 4), float64",
        rtol=1e-6,
        atol=1e-9,
        elementwise=True,
        hint=DERIVATIVE_HINT,
    )


@graded("sigmoid_derivative", "finite and exact far in both tails ({dtype})", points=1)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_sigmoid_derivative_far_tails(submission, reference, dtype):
    z = torch.tensor(TAILS, dtype=dtype)
    got = submission.sigmoid_derivative(z)
    check.finite(got, what="sigmoid_derivative(z)", inputs=TAILS_INPUTS, hint=TAILS_HINT)
    check.close(got, reference.sigmoid_derivative(z), what="sigmoid_derivative(z)", inputs=TAILS_INPUTS, hint=DERIVATIVE_HINT, **_tolerances(dtype))


@graded("sigmoid_derivative", "keeps the {dtype} dtype", points=0.5)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_sigmoid_derivative_dtype(submission, reference, rng, dtype):
    z = _z((2, 3), dtype, rng)
    got = submission.sigmoid_derivative(z)
    inputs = f"z of shape (2, 3), {dtype}"
    check.close(got, reference.sigmoid_derivative(z), what="sigmoid_derivative(z)", inputs=inputs, hint=DERIVATIVE_HINT, **_tolerances(dtype))
    check.dtype(got, dtype, what="sigmoid_derivative(z)", inputs=inputs)


@graded("sigmoid_derivative", "stays on the input's device", points=0.5)
def test_sigmoid_derivative_device(submission, reference, rng, device):
    z = _z((2, 3), torch.float32, rng)
    check.on_device(
        device, submission.sigmoid_derivative, (z,), reference.sigmoid_derivative(z),
        what="sigmoid_derivative(z)", inputs="z of shape (2, 3)", **FLOAT32,
    )
