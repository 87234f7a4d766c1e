"""Hidden MLP tests: layer sizes, registered parameters, raw scores, float64 and devices."""

import pytest
import torch

from autograder.testing import check, graded

SIZES = [(3, 5, 2), (10, 32, 7)]
FORWARD_HINT = "forward returns linear2(activation(linear1(x))): raw scores, with no activation or softmax on the output"


def _weights(d, h, c, rng, dtype=torch.float32):
    """Weights under the exercise's names; linear2's bias is shifted down so that many scores are negative."""
    return {
        "linear1.weight": torch.randn(h, d, generator=rng, dtype=dtype),
        "linear1.bias": torch.randn(h, generator=rng, dtype=dtype),
        "linear2.weight": torch.randn(c, h, generator=rng, dtype=dtype) / h**0.5,
        "linear2.bias": torch.randn(c, generator=rng, dtype=dtype) - 1.0,
    }


def _scores(w, x):
    hidden = torch.relu(x @ w["linear1.weight"].T + w["linear1.bias"])
    return hidden @ w["linear2.weight"].T + w["linear2.bias"]


def _signed_case(d, h, c, rng, rows=None, n=0, dtype=torch.float32):
    """Weights and inputs (`rows`, or n random rows) whose scores have both signs, drawn again until
    they do: an activation on the output then always changes some score."""
    while True:
        weights = _weights(d, h, c, rng, dtype)
        x = torch.randn(n, d, generator=rng, dtype=dtype) if rows is None else rows
        scores = _scores(weights, x)
        if bool((scores < 0).any()) and bool((scores > 0).any()):
            return weights, x


def _shapes(d, h, c):
    return {"linear1.weight": (h, d), "linear1.bias": (h,), "linear2.weight": (c, h), "linear2.bias": (c,)}


@graded("MLP", "MLP{sizes} has nn.Linear, nn.ReLU and nn.Linear layers of the right sizes", points=0.5)
@pytest.mark.parametrize("sizes", SIZES)
def test_mlp_layer_sizes(submission, sizes):
    d, h, c = sizes
    name = f"MLP{sizes}"
    net = submission.MLP(d, h, c)
    check.models.linear(check.models.layer(net, "linear1", what=name), d, h, what=f"{name}.linear1")
    check.models.activation(check.models.layer(net, "activation", what=name), torch.relu, name="nn.ReLU()", what=f"{name}.activation")
    check.models.linear(check.models.layer(net, "linear2", what=name), h, c, what=f"{name}.linear2")


@graded("MLP", "state_dict() holds the four parameters of MLP(4, 6, 3) and loads given weights", points=1)
def test_mlp_state_dict(submission, rng):
    net = submission.MLP(4, 6, 3)
    check.models.parameter_shapes(net.state_dict(), _shapes(4, 6, 3), what="MLP(4, 6, 3).state_dict()")
    weights = _weights(4, 6, 3, rng)
    net.load_state_dict(weights)
    check.models.same_parameters(net.state_dict(), weights, what="MLP(4, 6, 3).state_dict() after load_state_dict", rtol=0, atol=0)


@graded("MLP", "forward gives the raw scores of MLP{sizes} for given weights", points=1)
@pytest.mark.parametrize("sizes", SIZES)
def test_mlp_forward(submission, rng, sizes):
    d, h, c = sizes
    weights, x = _signed_case(d, h, c, rng, n=9)
    net = submission.MLP(d, h, c)
    net.load_state_dict(weights)
    check.close(net(x), _scores(weights, x), what=f"MLP{sizes}(x)", inputs=f"given weights, random x of shape (9, {d})", rtol=1e-5, atol=1e-6, hint=FORWARD_HINT)


@graded("MLP", "a batch of one row gives one row of scores", points=0.5)
def test_mlp_single_row(submission, rng):
    weights, x = _signed_case(3, 5, 2, rng, rows=torch.tensor([[0.5, -1.0, 2.0]]))
    net = submission.MLP(3, 5, 2)
    net.load_state_dict(weights)
    check.close(net(x), _scores(weights, x), what="MLP(3, 5, 2)(x)", inputs="x = [[0.5, -1, 2]]", rtol=1e-5, atol=1e-6, hint=FORWARD_HINT)


@graded("MLP", "a float64 model computes in float64", points=0.5)
def test_mlp_float64(submission, rng):
    weights, x = _signed_case(3, 5, 2, rng, n=6, dtype=torch.float64)
    net = submission.MLP(3, 5, 2)
    net.double()
    net.load_state_dict(weights)
    got = net(x)
    inputs = "model.double() with given float64 weights, float64 x of shape (6, 3)"
    check.close(got, _scores(weights, x), what="MLP(3, 5, 2)(x)", inputs=inputs, rtol=1e-12, atol=1e-12, hint="do not convert x with .float(): layers follow the model's dtype")
    check.dtype(got, torch.float64, what="MLP(3, 5, 2)(x)", inputs=inputs)


@graded("MLP", "moves to another device with .to() and computes there", points=0.5)
def test_mlp_device(submission, rng, device):
    weights, x = _signed_case(3, 5, 2, rng, n=4)
    net = submission.MLP(3, 5, 2)
    net.load_state_dict(weights)

    def moved_and_called(x):
        net.to(x.device)
        return net(x)

    check.on_device(device, moved_and_called, (x,), _scores(weights, x), what="MLP(3, 5, 2).to(x.device)(x)", inputs="given weights, x of shape (4, 3)", rtol=1e-5, atol=1e-6)
