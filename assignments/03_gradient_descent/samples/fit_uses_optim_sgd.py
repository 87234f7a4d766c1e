"""Banned: the right numbers, but the update is torch.optim.SGD's, not the student's."""
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
    optimizer = torch.optim.SGD([w, b], lr=lr)
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = ((w * x + b - y) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        optimizer.step()
    return w.item(), b.item(), losses
