# Mistake: the gradients from autograd (requires_grad=True and loss.backward()),
# which this assignment bans: the backward pass must be written by hand.
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
    params = [torch.tensor(p.tolist(), dtype=p.dtype, device=p.device, requires_grad=True) for p in (W1, b1, W2, b2)]
    loss = ((two_layer_forward(x, *params) - y) ** 2).mean()
    loss.backward()
    grads = {name: p.grad for name, p in zip(["W1", "b1", "W2", "b2"], params)}
    return {"loss": loss.detach(), **grads}
