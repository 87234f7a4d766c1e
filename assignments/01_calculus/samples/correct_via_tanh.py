# Correct, written differently: the sigmoid through tanh (sigmoid(z) = (1 + tanh(z/2)) / 2,
# which rounds the far tails to exactly 0 and 1), the derivative as e / (1 + e)**2,
# and the backward pass with einsum, grad-mode off and the parameters in a loop.
import torch


def composite_derivative(x):
    inner = 3 * torch.pow(x, 3) + 2
    return 2 * inner * (9 * torch.pow(x, 2))


def sigmoid(z):
    return 0.5 * (1.0 + torch.tanh(0.5 * z))


def sigmoid_derivative(z):
    e = torch.exp(-torch.abs(z))
    return e / (1 + e) ** 2


def two_layer_forward(x, W1, b1, W2, b2):
    hidden = sigmoid(torch.einsum("nd,hd->nh", x, W1) + b1)
    return torch.einsum("nh,oh->no", hidden, W2) + b2


@torch.no_grad()
def two_layer_backward(x, y, W1, b1, W2, b2):
    scores = torch.einsum("nd,hd->nh", x, W1) + b1
    hidden = sigmoid(scores)
    residual = torch.einsum("nh,oh->no", hidden, W2) + b2 - y
    grad_out = residual * (2.0 / residual.numel())
    grad_scores = torch.einsum("no,oh->nh", grad_out, W2) * sigmoid_derivative(scores)
    grads = {"loss": torch.mean(torch.square(residual))}
    for name, upstream, below in (("W2", grad_out, hidden), ("W1", grad_scores, x)):
        grads[name] = torch.einsum("nk,nj->kj", upstream, below)
    grads["b2"] = torch.sum(grad_out, 0)
    grads["b1"] = torch.sum(grad_scores, 0)
    return grads
