"""Calculus for neural networks: the chain rule, the sigmoid and backpropagation by hand.

Training a network means following the gradient of its loss downhill, and
every gradient a network needs comes from one rule of calculus: the chain
rule. PyTorch's autograd applies it for you; in this assignment you apply it
yourself, first to a function of one variable, then to the sigmoid, and
finally to a whole two-layer network. Autograd is banned here, so each
derivative you return is one you worked out.

A derivative you worked out can be checked without knowing the answer: nudge
the input by a small h and watch the output move. The central difference
(f(x + h) - f(x - h)) / 2h is close to f'(x), and the grader compares your
gradients with it.
"""

import torch


def composite_derivative(x: torch.Tensor) -> torch.Tensor:
    """Elementwise dy/dx of y = f(g(x)) with f(u) = u**2 and g(x) = 3x**3 + 2.

    The chain rule splits the derivative of a composition into the
    derivatives of its parts: with u = g(x),

        dy/dx = dy/du * du/dx = (2u) * (9x**2) = 2(3x**3 + 2) * 9x**2 = 54x**5 + 36x**2.

    Both factors matter. The outer one, 2u, is f' evaluated at the inner
    value u = g(x) (not at x); the inner one, 9x**2, is how fast u itself
    moves with x. Dropping the inner factor is the classic chain-rule slip.

    Example (the lecture's): at x = 1, u = 5, so dy/dx = (2 * 5) * 9 = 90.

    Args:
        x: a tensor of any shape, float32 or float64.

    Returns:
        dy/dx at every entry of x: same shape, dtype and device.
    """
    raise NotImplementedError("composite_derivative: write your solution here")


def sigmoid(z: torch.Tensor) -> torch.Tensor:
    """The logistic sigmoid 1 / (1 + exp(-z)), finite for every z up to |z| = 1e4.

    The sigmoid squeezes a score into (0, 1), so it can be read as a
    probability. Its two tails need care, because exp overflows to inf past
    about 88 (float32) or 709 (float64):

    - For z >= 0, exp(-z) is at most 1, and 1 / (1 + exp(-z)) is safe.
    - For z < 0, exp(-z) can overflow. 1 / (1 + inf) still gives 0, but the
      equivalent exp(z) / (1 + exp(z)) gives inf / inf = NaN on the other
      tail. Writing both tails with e = exp(-|z|), which lies in (0, 1] and
      never overflows, avoids the question: sigmoid(z) = 1 / (1 + e) for
      z >= 0 and e / (1 + e) for z < 0.

    torch.where(condition, a, b) computes both a and b everywhere and then
    picks, so both of them must be free of inf and NaN for every z, not only
    where they are picked.

    Example (the lecture's scores): sigmoid(-6.8542) = 1.0539e-03,
    sigmoid(1.5257) = 0.82137, and sigmoid(0) = 0.5.

    Args:
        z: a tensor of any shape, float32 or float64.

    Returns:
        Values in [0, 1] (exactly 0 and 1 far in the tails): same shape,
        dtype and device as z.
    """
    raise NotImplementedError("sigmoid: write your solution here")


def sigmoid_derivative(z: torch.Tensor) -> torch.Tensor:
    """dsigmoid/dz = sigmoid(z) * (1 - sigmoid(z)).

    Differentiating 1 / (1 + exp(-z)) with the chain rule gives
    exp(-z) / (1 + exp(-z))**2, which is sigmoid(z) * (1 - sigmoid(z)): the
    derivative is built from the value itself. It is largest at z = 0
    (0.5 * 0.5 = 0.25) and vanishes in both tails, which is why a saturated
    sigmoid passes almost no gradient back.

    Since 1 - sigmoid(z) = sigmoid(-z), the product can also be written
    sigmoid(z) * sigmoid(-z), which keeps full precision in the tails.

    Args:
        z: a tensor of any shape, float32 or float64.

    Returns:
        Values in [0, 0.25], finite for |z| up to 1e4: same shape, dtype and
        device as z.
    """
    raise NotImplementedError("sigmoid_derivative: write your solution here")


def two_layer_forward(
    x: torch.Tensor, W1: torch.Tensor, b1: torch.Tensor, W2: torch.Tensor, b2: torch.Tensor
) -> torch.Tensor:
    """The outputs of a two-layer network with a sigmoid hidden layer.

    Each row of x is one example. The hidden layer computes
    h = sigmoid(x @ W1.T + b1), and the output layer h @ W2.T + b2. The
    output is left as it is (no sigmoid there): these are raw predictions,
    compared with targets by a squared error.

    Example (the lecture's layer): for x = [[0.5, 1]],
    W1 = [[0.2, 0.5], [2.1, -1.3], [-3, -2.2]] and b1 = [0.5, -0.2, 4.1], the
    hidden scores x @ W1.T + b1 are [[1.1, -0.45, 0.4]].

    Args:
        x: (N, D) inputs.
        W1: (H, D) hidden weights; b1: (H,) hidden biases.
        W2: (O, H) output weights; b2: (O,) output biases.

    Returns:
        (N, O) outputs, with the dtype and device of x.
    """
    raise NotImplementedError("two_layer_forward: write your solution here")


def two_layer_backward(
    x: torch.Tensor,
    y: torch.Tensor,
    W1: torch.Tensor,
    b1: torch.Tensor,
    W2: torch.Tensor,
    b2: torch.Tensor,
) -> dict[str, torch.Tensor]:
    """The mean squared error of `two_layer_forward` and its gradients, by backpropagation.

    The loss is L = mean over all N * O entries of (y_hat - y)**2. Write the
    forward pass as a chain of named steps and keep the intermediate values:

        a = x @ W1.T + b1      (N, H)  hidden scores
        h = sigmoid(a)         (N, H)  hidden activations
        y_hat = h @ W2.T + b2  (N, O)  outputs
        L = mean((y_hat - y)**2)

    Then walk the chain backwards, multiplying by one local derivative per
    step (the chain rule), from dL/dy_hat down to the first layer:

        dL/dy_hat = 2 (y_hat - y) / (N * O)   the mean divides by every entry
        dL/dW2 = dL/dy_hat.T @ h              (O, H)
        dL/db2 = dL/dy_hat summed over rows   (O,)   each row used b2 once
        dL/dh  = dL/dy_hat @ W2               (N, H)
        dL/da  = dL/dh * h * (1 - h)          (N, H) the sigmoid's derivative
        dL/dW1 = dL/da.T @ x                  (H, D)
        dL/db1 = dL/da summed over rows       (H,)

    A gradient always has the shape of its parameter: when a shape does not
    fit, a transpose or a sum over the batch is missing.

    Args:
        x: (N, D) inputs; y: (N, O) targets.
        W1: (H, D), b1: (H,), W2: (O, H), b2: (O,) the parameters.

    Returns:
        {"loss": L as a 0-dim tensor, "W1": dL/dW1, "b1": dL/db1, "W2": dL/dW2,
        "b2": dL/db2}, each gradient shaped like its parameter, all with the
        dtype and device of x.
    """
    raise NotImplementedError("two_layer_backward: write your solution here")
