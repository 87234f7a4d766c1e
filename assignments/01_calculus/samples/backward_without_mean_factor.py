# Mistake: the loss is the mean, but its gradient forgets the mean's 1 / (N * O).
import torch


def composite_derivative(x):
    return 2 * (3 * x**3 + 2) * 9 * x**2


def sigmoid(z):
    e = torch.exp(-z.abs())
    return torch.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1 - s)


def two_layer_forward(x, W1, b1, W2, b2):
    h = sigmoid(x @ W1.T + b1)
    return h @ W2.T + b2


def two_layer_backward(x, y, W1, b1, W2, b2):
    a = x @ W1.T + b1
    h = sigmoid(a)
    err = h @ W2.T + b2 - y
    g = 2 * err
    ga = (g @ W2) * h * (1 - h)
    return {"loss": (err**2).mean(), "W1": ga.T @ x, "b1": ga.sum(0), "W2": g.T @ h, "b2": g.sum(0)}
