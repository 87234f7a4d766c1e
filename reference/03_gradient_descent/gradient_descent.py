"""Gradient descent: down a curve by hand, then down a loss with autograd.

Gradient descent minimises a function by walking against its slope: at x,
compute the derivative g, step to x - lr * g, and repeat until the slope is
(almost) flat. First you write that loop for a function of one number, where
you are handed the derivative. Then you use the same idea to fit a line to
data, letting PyTorch's autograd compute the gradient of the loss for you,
exactly as every neural network is trained.
"""

from typing import Callable

import torch


def gradient_descent_1d(
    df: Callable[[float], float],
    x0: float,
    lr: float,
    eps: float = 1e-6,
    max_steps: int = 10_000,
) -> tuple[float, int]:
    """Minimise a function of one number, given its derivative `df`.

    The loop, exactly:

        x = x0
        repeat:
            g = df(x)
            stop if |g| < eps, or if max_steps updates have been made
            x = x - lr * g

    Stopping on |g| < eps means "the slope is flat: we are at a minimum".
    `max_steps` is the safety net for when that never happens: a learning
    rate that is too large makes x jump further out at every step (try
    df(x) = 2x with lr = 1.5), and a very small one crawls.

    Call `df` once per step: in real training every gradient costs a full
    backward pass, so nobody computes the same one twice.

    Example (the lecture's bowl f(x) = (x - 3)^2, so df(x) = 2(x - 3)):
    from x0 = 0 with lr = 0.1, each step shrinks the distance to 3 by a
    factor 0.8, and after 70 updates |g| < 1e-6 with x = 2.9999995.

    Args:
        df: the derivative of the function to minimise; takes and returns a float.
        x0: the starting point.
        lr: the learning rate (step size) eta.
        eps: stop as soon as |df(x)| < eps.
        max_steps: the most updates to make.

    Returns:
        (x, steps): the last x, as a Python float, and the number of updates
        made, as a Python int.
    """
    x = float(x0)
    steps = 0
    while True:
        g = df(x)
        if abs(g) < eps or steps >= max_steps:
            return x, steps
        x -= lr * g
        steps += 1


def fit_linear_regression(
    x: torch.Tensor,
    y: torch.Tensor,
    lr: float = 0.1,
    epochs: int = 1000,
) -> tuple[float, float, list[float]]:
    """Fit y_hat = w * x + b to the points (x, y) by gradient descent on the mean squared error.

    Start from w = -1, b = 5 (the lecture's starting line) and run `epochs`
    epochs. Each epoch uses the whole data set once:

        1. forward: y_hat = w * x + b
        2. loss: the mean of (y_hat - y)^2; record loss.item()
        3. loss.backward(): autograd fills w.grad and b.grad
        4. under torch.no_grad(): w -= lr * w.grad, and the same for b
           (without no_grad, autograd would try to record the update itself)
        5. zero w.grad and b.grad, since backward() adds to them

    Create w and b as tensors with requires_grad=True, and with x's dtype
    and device, so that float64 data is fitted in float64 and data on a GPU
    is fitted there. torch.optim is banned here: write the update yourself.

    Example (the lecture's data, y = 2x + 3 plus a little noise): the loss
    starts at 0.783 and ends near 0.0022 after 1000 epochs with lr = 0.1,
    with w close to 2 and b close to 3.

    Args:
        x: 1-D tensor of inputs.
        y: 1-D tensor of targets, like x.
        lr: the learning rate.
        epochs: the number of full passes (updates).

    Returns:
        (w, b, losses): the final w and b as Python floats, and a list of
        `epochs` Python floats where losses[i] is the loss of epoch i,
        computed before that epoch's update (so losses[0] is the loss of the
        starting line).
    """
    w = torch.tensor(-1.0, dtype=x.dtype, device=x.device, requires_grad=True)
    b = torch.tensor(5.0, dtype=x.dtype, device=x.device, requires_grad=True)
    losses: list[float] = []
    for _ in range(epochs):
        loss = ((w * x + b - y) ** 2).mean()
        losses.append(loss.item())
        loss.backward()  # autograd fills w.grad and b.grad
        with torch.no_grad():
            for parameter in (w, b):
                parameter -= lr * parameter.grad
                parameter.grad.zero_()
    return w.item(), b.item(), losses
