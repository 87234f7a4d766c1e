# Correct: the lecture's sigmoid formula as written, which is finite in both
# tails (1 / (1 + inf) is 0), and a backward pass that reuses the forward.
import torch


def composite_derivative(x):
    return 54 * x**5 + 36 * x**2


def sigmoid(z):
    return 1 / (1 + torch.exp(-z))


def sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1 - s)


def two_layer_forward(x, W1, b1, W2, b2):
    h = sigmoid(x @ W1.T + b1)
    return h @ W2.T + b2


def two_layer_backward(x, y, W1, b1, W2, b2):
    n, o = y.shape
    a = x @ W1.T + b1
    h = sigmoid(a)
    y_hat = two_layer_forward(x, W1, b1, W2, b2)
    loss = ((y_hat - y) ** 2).mean()
    dy = 2 * (y_hat - y) / (n * o)
    dW2 = dy.T @ h
    db2 = dy.sum(dim=0)
    dh = dy @ W2
    da = dh * sigmoid_derivative(a)
    dW1 = da.T @ x
    db1 = da.sum(dim=0)
    return {"loss": loss, "W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
