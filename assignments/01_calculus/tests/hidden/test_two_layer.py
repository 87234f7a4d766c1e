"""Hidden tests of the two-layer network: forward values and shapes, and every gradient of the backward pass.

Gradients are compared with the reference and, independently, with central
finite differences of the loss in float64, computed here from the reference
forward pass: a gradient that matches both is right whatever way it was written.
"""

import pytest
import torch

from autograder.testing import check, graded

PARAMETERS = ("W1", "b1", "W2", "b2")
KEYS = ("loss", "W2", "b2", "W1", "b1")
"""In the order backpropagation computes them, so that the first one reported wrong is where to look."""
SIZES = [(1, 2, 3, 2), (5, 3, 4, 1), (16, 6, 8, 3)]
FORWARD_HINT = "h = sigmoid(x @ W1.T + b1), then h @ W2.T + b2, with no activation on the output"
BACKWARD_HINT = {
    "loss": "the loss is the mean of (y_hat - y)**2 over all N * O entries, as a 0-dim tensor",
    "W2": "dL/dW2 = dL/dy_hat.T @ h, with dL/dy_hat = 2 (y_hat - y) / (N * O)",
    "b2": "dL/db2 is dL/dy_hat summed over the examples (dim 0): one entry per output",
    "W1": "look at the chain rule factors: dL/da = (dL/dy_hat @ W2) * h * (1 - h), the sigmoid's derivative, then dL/dW1 = dL/da.T @ x",
    "b1": "dL/db1 is dL/da summed over the examples (dim 0), where dL/da includes the sigmoid's derivative h * (1 - h)",
}
FLOAT32 = {"rtol": 1e-4, "atol": 1e-6}
FLOAT64 = {"rtol": 1e-8, "atol": 1e-10}


def _tolerances(dtype):
    return FLOAT32 if dtype == torch.float32 else FLOAT64


def _network(n, d, h, o, rng, dtype=torch.float64):
    """x, y, W1, b1, W2, b2 for N examples of D features, H hidden units and O outputs, drawn from `rng`."""

    def draw(*shape):
        return torch.randn(shape, generator=rng, dtype=dtype)

    return draw(n, d), draw(n, o), draw(h, d), draw(h), draw(o, h), draw(o)


def _describe(n, d, h, o, dtype):
    return f"random x ({n}, {d}), y ({n}, {o}), W1 ({h}, {d}), b1 ({h},), W2 ({o}, {h}), b2 ({o},), {dtype}"


def _gradients(got, inputs):
    """The returned dict, after checking that it holds every key."""
    check.that(isinstance(got, dict), "two_layer_backward(...) should return a dict", got=got, inputs=inputs, hint=f"return the keys {list(KEYS)}")
    for key in KEYS:
        check.that(key in got, f"the dict of two_layer_backward(...) has no key {key!r}", inputs=inputs, hint=f"return the keys {list(KEYS)}")
    return got


def _check_against(got, expected, keys, inputs, tolerances):
    for key in keys:
        check.close(got[key], expected[key], what=f"two_layer_backward(...)[{key!r}]", inputs=inputs, hint=BACKWARD_HINT[key], **tolerances)


@graded("two_layer_forward", "matches the reference for N, D, H, O = {sizes}", points=1)
@pytest.mark.parametrize("sizes", SIZES)
def test_two_layer_forward_sizes(submission, reference, rng, sizes):
    n, d, h, o = sizes
    x, _, W1, b1, W2, b2 = _network(n, d, h, o, rng)
    got = submission.two_layer_forward(x, W1, b1, W2, b2)
    inputs = _describe(n, d, h, o, torch.float64)
    check.shape(got, (n, o), what="two_layer_forward(x, W1, b1, W2, b2)", inputs=inputs, hint="the output has one row per example and one column per output unit")
    check.close(got, reference.two_layer_forward(x, W1, b1, W2, b2), what="two_layer_forward(x, W1, b1, W2, b2)", inputs=inputs, hint=FORWARD_HINT, **FLOAT64)


@graded("two_layer_forward", "keeps the {dtype} dtype", points=0.5)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_two_layer_forward_dtype(submission, reference, rng, dtype):
    args = _network(4, 3, 5, 2, rng, dtype=dtype)
    x, _, W1, b1, W2, b2 = args
    got = submission.two_layer_forward(x, W1, b1, W2, b2)
    inputs = _describe(4, 3, 5, 2, dtype)
    check.close(got, reference.two_layer_forward(x, W1, b1, W2, b2), what="two_layer_forward(x, W1, b1, W2, b2)", inputs=inputs, hint=FORWARD_HINT, **_tolerances(dtype))
    check.dtype(got, dtype, what="two_layer_forward(x, W1, b1, W2, b2)", inputs=inputs)


@graded("two_layer_forward", "stays on the input's device", points=0.5)
def test_two_layer_forward_device(submission, reference, rng, device):
    x, _, W1, b1, W2, b2 = _network(3, 2, 4, 2, rng, dtype=torch.float32)
    check.on_device(
        device, submission.two_layer_forward, (x, W1, b1, W2, b2), reference.two_layer_forward(x, W1, b1, W2, b2),
        what="two_layer_forward(x, W1, b1, W2, b2)", inputs=_describe(3, 2, 4, 2, torch.float32), **FLOAT32,
    )


@graded("two_layer_backward", "every gradient, shaped like its parameter, matches the reference for N, D, H, O = {sizes}", points=1)
@pytest.mark.parametrize("sizes", SIZES)
def test_two_layer_backward_sizes(submission, reference, rng, sizes):
    n, d, h, o = sizes
    args = _network(n, d, h, o, rng)
    inputs = _describe(n, d, h, o, torch.float64)
    got = _gradients(submission.two_layer_backward(*args), inputs)
    for key, parameter in zip(PARAMETERS, args[2:]):
        check.shape(got[key], tuple(parameter.shape), what=f"two_layer_backward(...)[{key!r}]", inputs=inputs, hint="a gradient has the shape of its parameter")
    _check_against(got, reference.two_layer_backward(*args), KEYS[1:], inputs, FLOAT64)


@graded("two_layer_backward", "dL/d{parameter} matches finite differences of the loss, random network number {draw}", points=0.5)
@pytest.mark.parametrize("draw", [1, 2])
@pytest.mark.parametrize("parameter", PARAMETERS)
def test_two_layer_backward_gradient_finite_differences(submission, reference, rng, parameter, draw):
    args = _network(5, 3, 4, 2, rng)
    x, y = args[:2]
    params = dict(zip(PARAMETERS, args[2:]))
    inputs = _describe(5, 3, 4, 2, torch.float64)

    def loss(value):
        """The loss as a function of one parameter, the others held fixed (the reference forward pass)."""
        outputs = reference.two_layer_forward(x, **{**params, parameter: value})
        return ((outputs - y) ** 2).mean()

    got = _gradients(submission.two_layer_backward(*args), inputs)
    check.gradients.matches_finite_differences(
        got[parameter], loss, params[parameter],
        what=f"two_layer_backward(...)[{parameter!r}]", inputs=inputs, rtol=1e-6, atol=1e-8, hint=BACKWARD_HINT[parameter],
    )


@graded("two_layer_backward", "the loss is a 0-dim tensor equal to the mean squared error, N, D, H, O = {sizes}", points=0.5)
@pytest.mark.parametrize("sizes", SIZES)
def test_two_layer_backward_loss(submission, reference, rng, sizes):
    n, d, h, o = sizes
    args = _network(n, d, h, o, rng)
    inputs = _describe(n, d, h, o, torch.float64)
    got = _gradients(submission.two_layer_backward(*args), inputs)
    check.shape(got["loss"], (), what="two_layer_backward(...)['loss']", inputs=inputs, hint="reduce with .mean() and return the tensor, not .item()")
    check.close(got["loss"], reference.two_layer_backward(*args)["loss"], what="two_layer_backward(...)['loss']", inputs=inputs, hint=BACKWARD_HINT["loss"], **FLOAT64)


@graded("two_layer_backward", "keeps the {dtype} dtype", points=0.5)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_two_layer_backward_dtype(submission, reference, rng, dtype):
    args = _network(4, 3, 5, 2, rng, dtype=dtype)
    inputs = _describe(4, 3, 5, 2, dtype)
    got = _gradients(submission.two_layer_backward(*args), inputs)
    _check_against(got, reference.two_layer_backward(*args), KEYS, inputs, _tolerances(dtype))
    for key in KEYS:
        check.dtype(got[key], dtype, what=f"two_layer_backward(...)[{key!r}]", inputs=inputs)


@graded("two_layer_backward", "stays on the input's device", points=1)
def test_two_layer_backward_device(submission, reference, rng, device):
    args = _network(3, 2, 4, 2, rng, dtype=torch.float32)
    inputs = _describe(3, 2, 4, 2, torch.float32)

    def flattened(*arguments):
        """Every returned tensor, on the inputs' device, in one flat tensor that check.on_device can compare."""
        got = _gradients(submission.two_layer_backward(*arguments), inputs)
        for key in KEYS:
            check.device(got[key], arguments[0].device, what=f"two_layer_backward(...)[{key!r}]", inputs=inputs)
        return torch.cat([got[key].reshape(-1) for key in KEYS])

    expected = reference.two_layer_backward(*args)
    check.on_device(
        device, flattened, args, torch.cat([expected[key].reshape(-1) for key in KEYS]),
        what="two_layer_backward(...) (every entry of every key, in order)", inputs=inputs, **FLOAT32,
    )
