"""Correct in another style: a for loop that breaks, and nn.functional.mse_loss with separate parameters."""
import torch
import torch.nn.functional as F


def gradient_descent_1d(df, x0, lr, eps=1e-6, max_steps=10_000):
    x = float(x0)
    for step in range(max_steps):
        grad = df(x)
        if abs(grad) < eps:
            return x, step
        x = x - lr * grad
    return x, max_steps


def fit_linear_regression(x, y, lr=0.1, epochs=1000):
    w = torch.full((), -1.0, dtype=x.dtype, device=x.device).requires_grad_()
    b = torch.full((), 5.0, dtype=x.dtype, device=x.device).requires_grad_()
    losses = []
    for _ in range(epochs):
        loss = F.mse_loss(w * x + b, y)
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for p in (w, b):
                p.sub_(lr * p.grad)
                p.grad = None
    return w.item(), b.item(), losses
