"""Correct, handed in as a folder: the loss and the update live in a helper module."""
import torch

from training_utils import mse, sgd_step


def gradient_descent_1d(df, x0, lr, eps=1e-6, max_steps=10_000):
    x = float(x0)
    updates = 0
    while updates < max_steps:
        g = df(x)
        if abs(g) < eps:
            break
        x -= lr * g
        updates += 1
    return x, updates


def fit_linear_regression(x, y, lr=0.1, epochs=1000):
    w = torch.tensor(-1.0, dtype=x.dtype, device=x.device, requires_grad=True)
    b = torch.tensor(5.0, dtype=x.dtype, device=x.device, requires_grad=True)
    losses = []
    for _ in range(epochs):
        loss = mse(w * x + b, y)
        losses.append(loss.item())
        loss.backward()
        sgd_step([w, b], lr)
    return w.item(), b.item(), losses
