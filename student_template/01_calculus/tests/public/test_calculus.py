"""Public tests: run them with `autograder check` or the notebook's check cells.

They check the lecture's worked examples, compare your derivatives with
finite differences (f(x + h) - f(x - h)) / 2h, and your backpropagation with
what autograd computes on the grader's side. Passing them is a good sign, not
full marks: the grader also checks other shapes, dtypes, the sigmoid's tails
and the gradient of every parameter on other networks.
"""

import torch

from autograder.testing import check, graded

CHAIN_HINT = "dy/dx = dy/du * du/dx with u = 3x**3 + 2: the outer factor 2u times the inner factor 9x**2"
TAILS_HINT = "write both tails with e = exp(-|z|), which never overflows: 1/(1+e) for z >= 0, e/(1+e) for z < 0"
KEYS = ("loss", "W2", "b2", "W1", "b1")
"""In the order backpropagation computes them, so that the first one reported wrong is where to look."""
PARAMETERS = ("W1", "b1", "W2", "b2")
BACKWARD_HINT = {
    "loss": "the loss is the mean of (y_hat - y)**2 over all N * O entries, as a 0-dim tensor",
    "W2": "dL/dW2 = dL/dy_hat.T @ h, with dL/dy_hat = 2 (y_hat - y) / (N * O)",
    "b2": "dL/db2 is dL/dy_hat summed over the examples (dim 0): one entry per output",
    "W1": "dL/da = (dL/dy_hat @ W2) * h * (1 - h), through the sigmoid's derivative, then dL/dW1 = dL/da.T @ x",
    "b1": "dL/db1 is dL/da summed over the examples (dim 0), where dL/da includes the sigmoid's derivative h * (1 - h)",
}

# The lecture's linear layer (three scores for a two-feature input), used as the hidden layer.
LECTURE_X = [[0.5, 1.0]]
LECTURE_W1 = [[0.2, 0.5], [2.1, -1.3], [-3.0, -2.2]]
LECTURE_B1 = [0.5, -0.2, 4.1]
LECTURE_W2 = [[1.0, -1.0, 0.5]]
LECTURE_B2 = [0.1]
LECTURE_INPUTS = "x = [[0.5, 1]], W1 = [[0.2, 0.5], [2.1, -1.3], [-3, -2.2]], b1 = [0.5, -0.2, 4.1], W2 = [[1, -1, 0.5]], b2 = [0.1]"


def _lecture_network() -> tuple[torch.Tensor, ...]:
    return tuple(torch.tensor(v) for v in (LECTURE_X, LECTURE_W1, LECTURE_B1, LECTURE_W2, LECTURE_B2))


def _autograd_gradients(x, y, W1, b1, W2, b2) -> dict[str, torch.Tensor]:
    """The loss and gradients that PyTorch's autograd computes, here on the grader's side."""
    params = {name: p.clone().requires_grad_() for name, p in (("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2))}
    hidden = torch.sigmoid(x @ params["W1"].T + params["b1"])
    loss = ((hidden @ params["W2"].T + params["b2"] - y) ** 2).mean()
    loss.backward()
    return {"loss": loss.detach(), **{name: p.grad for name, p in params.items()}}


def _random_network(dtype=torch.float32):
    """x (4, 3), y (4, 2), W1 (5, 3), b1 (5,), W2 (2, 5), b2 (2,), drawn from a seeded generator."""
    generator = torch.Generator().manual_seed(0)
    shapes = [(4, 3), (4, 2), (5, 3), (5,), (2, 5), (2,)]
    return tuple(torch.randn(shape, generator=generator, dtype=dtype) for shape in shapes)


RANDOM_INPUTS = "random x (4, 3), y (4, 2), W1 (5, 3), b1 (5,), W2 (2, 5), b2 (2,)"


def _returned(got, inputs):
    check.that(isinstance(got, dict), "two_layer_backward(...) should return a dict", got=got, inputs=inputs)
    for key in KEYS:
        check.that(key in got, f"the dict of two_layer_backward(...) has no key {key!r}", inputs=inputs, hint=f"return the keys {list(KEYS)}")
    return got


def _check_gradients(got, expected, inputs, rtol, atol):
    got = _returned(got, inputs)
    for key in KEYS:
        check.close(got[key], expected[key], what=f"two_layer_backward(...)[{key!r}]", inputs=inputs, rtol=rtol, atol=atol, hint=BACKWARD_HINT[key])


@graded("composite_derivative", "lecture example: 54x**5 + 36x**2 at x = -1, 0, 1, 2", points=1)
def test_composite_derivative_lecture_example(submission):
    x = torch.tensor([-1.0, 0.0, 1.0, 2.0])
    check.close(
        submission.composite_derivative(x),
        torch.tensor([-18.0, 0.0, 90.0, 1872.0]),
        what="composite_derivative(x)",
        inputs="x = [-1, 0, 1, 2]",
        rtol=1e-6,
        atol=1e-5,
        hint=CHAIN_HINT,
    )


@graded("composite_derivative", "matches finite differences of (3x**3 + 2)**2", points=1)
def test_composite_derivative_finite_differences(submission):
    x = torch.linspace(-1.5, 1.5, 7, dtype=torch.float64)
    check.gradients.matches_finite_differences(
        submission.composite_derivative(x),
        lambda t: (3 * t**3 + 2) ** 2,
        x,
        what="composite_derivative(x)",
        inputs="x = 7 points from -1.5 to 1.5, float64",
        rtol=1e-6,
        atol=1e-6,
        elementwise=True,
        hint=CHAIN_HINT,
    )


@graded("sigmoid", "lecture example: the flamingo scores", points=1)
def test_sigmoid_lecture_example(submission):
    scores = torch.tensor([-6.8542, -1.9968, 0.0, 0.042701, 1.5257, 1.8254])
    check.close(
        submission.sigmoid(scores),
        torch.tensor([1.0539e-03, 1.1954e-01, 0.5, 5.1067e-01, 8.2137e-01, 8.6121e-01]),
        what="sigmoid(scores)",
        inputs="scores = [-6.8542, -1.9968, 0, 0.042701, 1.5257, 1.8254]",
        rtol=1e-4,
        atol=1e-6,
        hint="sigmoid(z) = 1 / (1 + exp(-z))",
    )


@graded("sigmoid", "finite and exact at z = -1e4 and 1e4", points=1)
def test_sigmoid_tails(submission):
    z = torch.tensor([-1e4, -100.0, 0.0, 100.0, 1e4])
    inputs = "z = [-1e4, -100, 0, 100, 1e4]"
    got = submission.sigmoid(z)
    check.finite(got, what="sigmoid(z)", inputs=inputs, hint=TAILS_HINT)
    check.close(got, torch.tensor([0.0, 0.0, 0.5, 1.0, 1.0]), what="sigmoid(z)", inputs=inputs, rtol=0, atol=1e-12, hint=TAILS_HINT)


@graded("sigmoid_derivative", "sigmoid(z) * (1 - sigmoid(z)) at the flamingo scores", points=1)
def test_sigmoid_derivative_values(submission):
    scores = torch.tensor([-6.8542, -1.9968, 0.0, 0.042701, 1.5257, 1.8254])
    probabilities = torch.sigmoid(scores)
    check.close(
        submission.sigmoid_derivative(scores),
        probabilities * (1 - probabilities),
        what="sigmoid_derivative(scores)",
        inputs="scores = [-6.8542, -1.9968, 0, 0.042701, 1.5257, 1.8254]",
        rtol=1e-5,
        atol=1e-7,
        hint="the derivative is sigmoid(z) * (1 - sigmoid(z)); at z = 0 it is 0.25",
    )


@graded("two_layer_forward", "lecture layer: one example, three hidden units, one output", points=1)
def test_two_layer_forward_lecture_example(submission):
    x, W1, b1, W2, b2 = _lecture_network()
    hidden = torch.sigmoid(torch.tensor([[1.1, -0.45, 0.4]]))
    check.close(
        submission.two_layer_forward(x, W1, b1, W2, b2),
        hidden @ W2.T + b2,
        what="two_layer_forward(x, W1, b1, W2, b2)",
        inputs=LECTURE_INPUTS,
        rtol=1e-5,
        atol=1e-6,
        hint="the hidden scores x @ W1.T + b1 are [[1.1, -0.45, 0.4]]; apply sigmoid to them, but not to the output",
    )


@graded("two_layer_backward", "lecture network, target 1: loss and gradients match autograd", points=1)
def test_two_layer_backward_lecture_example(submission):
    x, W1, b1, W2, b2 = _lecture_network()
    y = torch.tensor([[1.0]])
    _check_gradients(
        submission.two_layer_backward(x, y, W1, b1, W2, b2),
        _autograd_gradients(x, y, W1, b1, W2, b2),
        inputs=LECTURE_INPUTS + ", y = [[1]]",
        rtol=1e-5,
        atol=1e-6,
    )


@graded("two_layer_backward", "a batch of 4 examples: loss and gradients match autograd", points=1)
def test_two_layer_backward_batch(submission):
    args = _random_network()
    _check_gradients(submission.two_layer_backward(*args), _autograd_gradients(*args), inputs=RANDOM_INPUTS, rtol=1e-5, atol=1e-6)


@graded("two_layer_backward", "every gradient matches finite differences of the loss (float64)", points=1)
def test_two_layer_backward_finite_differences(submission):
    args = _random_network(torch.float64)
    x, y = args[:2]
    params = dict(zip(PARAMETERS, args[2:]))
    inputs = RANDOM_INPUTS + ", float64"
    got = _returned(submission.two_layer_backward(*args), inputs)
    for key in KEYS[1:]:

        def loss(value, key=key):
            """The loss as a function of one parameter, the others held fixed."""
            p = {**params, key: value}
            outputs = torch.sigmoid(x @ p["W1"].T + p["b1"]) @ p["W2"].T + p["b2"]
            return ((outputs - y) ** 2).mean()

        check.gradients.matches_finite_differences(
            got[key], loss, params[key], what=f"two_layer_backward(...)[{key!r}]", inputs=inputs, rtol=1e-6, atol=1e-8, hint=BACKWARD_HINT[key]
        )
