"""Correct, handed in as a folder: the layers and the loss live in a helper module."""
import torch

from layers import affine, affine_backward, logistic, mse, mse_backward


def composite_derivative(x):
    u = 3 * x**3 + 2
    return (2 * u) * (9 * x**2)


def sigmoid(z):
    return logistic(z)


def sigmoid_derivative(z):
    s = logistic(z)
    return s * (1 - s)


def two_layer_forward(x, W1, b1, W2, b2):
    return affine(sigmoid(affine(x, W1, b1)), W2, b2)


def two_layer_backward(x, y, W1, b1, W2, b2):
    a = affine(x, W1, b1)
    h = sigmoid(a)
    y_hat = affine(h, W2, b2)
    d_y_hat = mse_backward(y_hat, y)
    d_h, dW2, db2 = affine_backward(d_y_hat, h, W2)
    _, dW1, db1 = affine_backward(d_h * sigmoid_derivative(a), x, W1)
    return {"loss": mse(y_hat, y), "W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


if __name__ == "__main__":
    print(composite_derivative(torch.tensor([1.0])))
