"""The student's own helpers: the loss and a plain gradient step."""
import torch


def mse(prediction, target):
    return torch.mean((prediction - target) ** 2)


def sgd_step(params, lr):
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad.zero_()
