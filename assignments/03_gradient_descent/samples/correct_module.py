"""Correct: the lecture's code, with both parameters in one tensor."""
import torch


def gradient_descent_1d(df, x0, lr, eps=1e-6, max_steps=10_000):
    x = x0 * 1.0
    n = 0
    g = df(x)
    while abs(g) >= eps and n < max_steps:
        x -= lr * g
        n += 1
        g = df(x)
    return x, n


def fit_linear_regression(x, y, lr=0.1, epochs=1000):
    params = torch.tensor([-1.0, 5.0], dtype=x.dtype, device=x.device, requires_grad=True)
    history = []
    for epoch in range(epochs):
        y_pred = params[0] * x + params[1]
        loss = ((y_pred - y) ** 2).mean()
        history.append(float(loss))
        loss.backward()
        with torch.no_grad():
            params -= lr * params.grad
        params.grad.zero_()
    w, b = params.tolist()
    return w, b, history
