# Correct, object-oriented: each layer a class of its own with forward and backward methods,
# as in a framework; its `backward` is the student's own method, not autograd's.
import torch


def composite_derivative(x):
    return 54 * x**5 + 36 * x**2


def sigmoid(z):
    e = torch.exp(-z.abs())
    return torch.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1 - s)


class Linear:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.x = x
        return x @ self.W.T + self.b

    def backward(self, grad):
        self.grad_W = grad.T @ self.x
        self.grad_b = grad.sum(dim=0)
        return grad @ self.W


class Sigmoid:
    def forward(self, a):
        self.h = sigmoid(a)
        return self.h

    def backward(self, grad):
        return grad * self.h * (1 - self.h)


class MSE:
    def forward(self, pred, target):
        self.diff = pred - target
        return (self.diff**2).mean()

    def backward(self):
        return 2 * self.diff / self.diff.numel()


def two_layer_forward(x, W1, b1, W2, b2):
    return Linear(W2, b2).forward(Sigmoid().forward(Linear(W1, b1).forward(x)))


def two_layer_backward(x, y, W1, b1, W2, b2):
    first, act, second, mse = Linear(W1, b1), Sigmoid(), Linear(W2, b2), MSE()
    loss = mse.forward(second.forward(act.forward(first.forward(x))), y)
    first.backward(act.backward(second.backward(mse.backward())))
    return {"loss": loss, "W1": first.grad_W, "b1": first.grad_b, "W2": second.grad_W, "b2": second.grad_b}
