"""Mistake: updates the parameters in place outside torch.no_grad(), which autograd refuses."""
import torch


def gradient_descent_1d(df, x0, lr, eps=1e-6, max_steps=10_000):
    x = float(x0)
    steps = 0
    while True:
        g = df(x)
        if abs(g) < eps or steps >= max_steps:
            return x, steps
        x = x - lr * g
        steps += 1


def fit_linear_regression(x, y, lr=0.1, epochs=1000):
    w = torch.tensor(-1.0, dtype=x.dtype, device=x.device, requires_grad=True)
    b = torch.tensor(5.0, dtype=x.dtype, device=x.device, requires_grad=True)
    losses = []
    for _ in range(epochs):
        loss = ((w * x + b - y) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        w -= lr * w.grad
        b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
    return w.item(), b.item(), losses
