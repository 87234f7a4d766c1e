# Mistake: sigmoid returns its input (right shape, dtype and device, every value wrong);
# the other functions use a helper of their own, so the mistake stays in sigmoid.
import torch


def composite_derivative(x):
    return 2 * (3 * x**3 + 2) * 9 * x**2


def sigmoid(z):
    return z


def sigmoid_derivative(z):
    e = torch.exp(-z.abs())
    return e / (1 + e) ** 2


def two_layer_forward(x, W1, b1, W2, b2):
    return _logistic(x @ W1.T + b1) @ W2.T + b2


def two_layer_backward(x, y, W1, b1, W2, b2):
    a = x @ W1.T + b1
    h = _logistic(a)
    err = h @ W2.T + b2 - y
    g = 2 * err / err.numel()
    ga = (g @ W2) * sigmoid_derivative(a)
    return {"loss": (err**2).mean(), "W1": ga.T @ x, "b1": ga.sum(0), "W2": g.T @ h, "b2": g.sum(0)}


def _logistic(z):
    return 1 / (1 + torch.exp(-z))
