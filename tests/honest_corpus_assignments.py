"""Honest, correct submissions of 01_calculus, 03_gradient_descent and 04_mlp, in the styles students write.

The companion of `honest_corpus` (02_classification): every submission here
computes the right values in the way the spec allows, so every one must get
full marks. A test or a static check that takes points from any of them
takes points from correct work. They are written as students write them:
modules with docstrings, type hints, constants, helper functions and demo
blocks that compare with torch's own functions (autograd, `torch.sigmoid`,
`torch.optim`) outside the graded functions; notebooks with magics, shell
escapes, plots, experiments, functions redefined in later cells and a cell
that raises; folders with the student's own helper modules. None repeats a
sample of the assignments' `samples/` folders.
"""

from __future__ import annotations

import json

from honest_corpus import Honest, folder, module, notebook


def colab(*cells: str | tuple[str, str]) -> str:
    """A notebook as Colab saves it: each source one string, unrun cells, an error output, Colab's metadata."""
    saved = json.loads(notebook(*cells))
    for cell in saved["cells"]:
        cell["source"] = "".join(cell["source"])
        if cell["cell_type"] == "code":
            cell["execution_count"] = None
            cell["outputs"] = [{"output_type": "error", "ename": "NameError", "evalue": "name 'torch' is not defined", "traceback": []}]
    saved["metadata"] = {"colab": {"provenance": [], "gpuType": "T4"}, "accelerator": "GPU", "kernelspec": {"name": "python3", "display_name": "Python 3"}}
    saved["nbformat_minor"] = 0
    return json.dumps(saved)


# 01_calculus -----------------------------------------------------------------

CALC_TYPED_MAIN = '''
"""Lab 1: derivatives by hand. Checked against autograd in the demo at the bottom."""

from __future__ import annotations

from typing import Dict, Final

import torch
from torch import Tensor

__all__ = ["composite_derivative", "sigmoid", "sigmoid_derivative", "two_layer_forward", "two_layer_backward"]

OUTER_POWER: Final[int] = 2
INNER_SCALE: Final[float] = 3.0
INNER_SHIFT: Final[float] = 2.0
PARAMETER_NAMES: Final[tuple[str, ...]] = ("W1", "b1", "W2", "b2")


def _inner(x: Tensor) -> Tensor:
    """g(x) = 3x^3 + 2."""
    return INNER_SCALE * x**3 + INNER_SHIFT


def _inner_derivative(x: Tensor) -> Tensor:
    """g'(x) = 9x^2."""
    return 3 * INNER_SCALE * x**2


def composite_derivative(x: Tensor) -> Tensor:
    """dy/dx = f'(g(x)) * g'(x) with f(u) = u^2."""
    return OUTER_POWER * _inner(x) ** (OUTER_POWER - 1) * _inner_derivative(x)


def sigmoid(z: Tensor) -> Tensor:
    """1 / (1 + e^-z); exp(-z) overflows to inf for very negative z, and 1 / inf is a clean 0."""
    return torch.reciprocal(1.0 + torch.exp(-z))


def sigmoid_derivative(z: Tensor) -> Tensor:
    """s(z) * (1 - s(z))."""
    s: Tensor = sigmoid(z)
    return s * (1.0 - s)


def _affine(x: Tensor, W: Tensor, b: Tensor) -> Tensor:
    return x @ W.T + b


def two_layer_forward(x: Tensor, W1: Tensor, b1: Tensor, W2: Tensor, b2: Tensor) -> Tensor:
    """sigmoid hidden layer, linear output."""
    return _affine(sigmoid(_affine(x, W1, b1)), W2, b2)


def two_layer_backward(x: Tensor, y: Tensor, W1: Tensor, b1: Tensor, W2: Tensor, b2: Tensor) -> Dict[str, Tensor]:
    """Loss and the four gradients, by the chain rule, layer by layer from the loss back."""
    a: Tensor = _affine(x, W1, b1)
    h: Tensor = sigmoid(a)
    y_hat: Tensor = _affine(h, W2, b2)
    n_entries: int = y_hat.numel()
    loss: Tensor = ((y_hat - y) ** 2).mean()
    g_out: Tensor = 2.0 * (y_hat - y) / n_entries
    g_a: Tensor = (g_out @ W2) * sigmoid_derivative(a)
    grads: Dict[str, Tensor] = {"loss": loss}
    grads.update(zip(PARAMETER_NAMES, (g_a.T @ x, g_a.sum(0), g_out.T @ h, g_out.sum(0))))
    return grads


if __name__ == "__main__":
    torch.manual_seed(0)
    t = torch.linspace(-1, 1, 5, requires_grad=True)
    ((3 * t**3 + 2) ** 2).sum().backward()
    print("chain rule ok:", torch.allclose(t.grad, composite_derivative(t.detach())))
    z = torch.randn(10)
    print("sigmoid ok:", torch.allclose(sigmoid(z), torch.sigmoid(z)))
    x, y = torch.randn(4, 3), torch.randn(4, 2)
    params = [torch.randn(5, 3), torch.randn(5), torch.randn(2, 5), torch.randn(2)]
    mine = two_layer_backward(x, y, *params)
    leaves = [p.clone().requires_grad_(True) for p in params]
    loss = ((torch.sigmoid(x @ leaves[0].T + leaves[1]) @ leaves[2].T + leaves[3] - y) ** 2).mean()
    for name, grad in zip(PARAMETER_NAMES, torch.autograd.grad(loss, leaves)):
        print(name, torch.allclose(mine[name], grad, atol=1e-6))
'''

CALC_GRAD_MODES = '''
# Lab 1 -- everything runs with grad mode off: nothing here needs autograd.
import torch


@torch.no_grad()
def composite_derivative(x):
    u = 3 * x ** 3 + 2
    return 2 * u * 9 * x ** 2


@torch.no_grad()
def sigmoid(z):
    return 1 / (1 + torch.exp(-z))


@torch.inference_mode()
def sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1 - s)


def two_layer_forward(x, W1, b1, W2, b2):
    with torch.set_grad_enabled(False):
        hidden = sigmoid(torch.mm(x, W1.t()) + b1)
        return torch.mm(hidden, W2.t()) + b2


def two_layer_backward(x, y, W1, b1, W2, b2):
    with torch.inference_mode():
        a = torch.addmm(b1, x, W1.t())
        h = sigmoid(a)
        out = torch.addmm(b2, h, W2.t())
        diff = out - y
        loss = torch.mean(diff ** 2)
        dout = diff * (2 / diff.numel())
        dW2 = torch.mm(dout.t(), h)
        db2 = torch.sum(dout, dim=0)
        da = torch.mm(dout, W2) * h * (1 - h)
        dW1 = torch.mm(da.t(), x)
        db1 = torch.sum(da, dim=0)
    return dict(loss=loss, W1=dW1, b1=db1, W2=dW2, b2=db2)
'''

CALC_WHERE_TWO_FORMULAS = '''
"""Sigmoid picked between its two textbook formulas with torch.where."""
import torch
import torch.nn.functional as F


def composite_derivative(x):
    g = 3 * torch.pow(x, 3) + 2      # inner
    dg = 9 * torch.pow(x, 2)         # inner derivative
    df = 2 * g                       # outer derivative at g
    return df * dg


def sigmoid(z):
    # 1/(1+e^-z) for z >= 0 and e^z/(1+e^z) for z < 0: torch.where evaluates both,
    # and the unused one may be nan, but the picked one is always finite
    positive = 1 / (1 + torch.exp(-z))
    negative = torch.exp(z) / (1 + torch.exp(z))
    return torch.where(z >= 0, positive, negative)


def sigmoid_derivative(z):
    return sigmoid(z) * (1 - sigmoid(z))


def two_layer_forward(x, W1, b1, W2, b2):
    return F.linear(sigmoid(F.linear(x, W1, b1)), W2, b2)


def two_layer_backward(x, y, W1, b1, W2, b2):
    z1 = F.linear(x, W1, b1)
    a1 = sigmoid(z1)
    z2 = F.linear(a1, W2, b2)
    loss = F.mse_loss(z2, y)
    N, O = z2.shape
    dz2 = 2.0 / (N * O) * (z2 - y)
    dW2 = torch.matmul(dz2.transpose(0, 1), a1)
    db2 = dz2.sum(axis=0)
    da1 = torch.matmul(dz2, W2)
    dz1 = da1 * sigmoid_derivative(z1)
    dW1 = torch.matmul(dz1.transpose(0, 1), x)
    db1 = dz1.sum(axis=0)
    return {"loss": loss, "W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
'''

CALC_MASKED_INPLACE = '''
import torch


def composite_derivative(x):
    out = x.clone()
    out.pow_(3).mul_(3).add_(2).mul_(2)      # 2 * g(x)
    return out.mul_(9 * x * x)


def sigmoid(z):
    """Each tail with its own formula, through boolean masks."""
    out = torch.empty_like(z)
    pos = z >= 0
    neg = ~pos
    out[pos] = 1.0 / (1.0 + torch.exp(-z[pos]))
    ez = torch.exp(z[neg])
    out[neg] = ez / (1.0 + ez)
    return out


def sigmoid_derivative(z):
    s = sigmoid(z)
    return s.mul_(1 - s)


def two_layer_forward(x, W1, b1, W2, b2):
    h = x @ W1.T
    h += b1
    h = sigmoid(h)
    out = h @ W2.T
    out += b2
    return out


def two_layer_backward(x, y, W1, b1, W2, b2):
    a = x @ W1.T + b1
    h = sigmoid(a)
    err = h @ W2.T + b2 - y
    loss = err.square().mean()
    err *= 2.0 / err.numel()          # now dL/dy_hat
    grads = {"loss": loss, "W2": err.T @ h, "b2": err.sum(0)}
    delta = err @ W2
    delta *= h
    delta *= 1 - h
    grads["W1"] = delta.T @ x
    grads["b1"] = delta.sum(0)
    return grads
'''

CALC_PER_EXAMPLE_LOOPS = '''
# I find the per-example version easier to follow, so the gradients are summed example by example.
import torch


def composite_derivative(x):
    return 54 * x**5 + 36 * x**2


def sigmoid(z):
    return 1 / (1 + torch.exp(-z))


def sigmoid_derivative(z):
    return sigmoid(z) * (1 - sigmoid(z))


def two_layer_forward(x, W1, b1, W2, b2):
    rows = []
    for xi in x:
        hi = sigmoid(W1 @ xi + b1)
        rows.append(W2 @ hi + b2)
    return torch.stack(rows)


def two_layer_backward(x, y, W1, b1, W2, b2):
    N = x.shape[0]
    O = W2.shape[0]
    dW1 = torch.zeros_like(W1)
    db1 = torch.zeros_like(b1)
    dW2 = torch.zeros_like(W2)
    db2 = torch.zeros_like(b2)
    total = torch.zeros((), dtype=x.dtype, device=x.device)
    for i in range(N):
        a = W1 @ x[i] + b1
        h = sigmoid(a)
        out = W2 @ h + b2
        e = out - y[i]
        total = total + (e * e).sum()
        g = 2 * e / (N * O)
        dW2 += torch.outer(g, h)
        db2 += g
        ga = (W2.T @ g) * h * (1 - h)
        dW1 += torch.outer(ga, x[i])
        db1 += ga
    return {"loss": total / (N * O), "W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
'''

CALC_DATACLASS_CACHE = '''
"""Forward pass that keeps a cache, like the lecture's computational graph."""
from dataclasses import dataclass

import torch


@dataclass
class ForwardCache:
    x: torch.Tensor
    a: torch.Tensor
    h: torch.Tensor
    y_hat: torch.Tensor


def composite_derivative(x):
    u = 3 * x**3 + 2
    du_dx = 9 * x**2
    dy_du = 2 * u
    return dy_du * du_dx


def sigmoid(z):
    e = torch.exp(-torch.abs(z))
    return torch.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1 - s)


def _forward(x, W1, b1, W2, b2):
    a = x @ W1.T + b1
    h = sigmoid(a)
    return ForwardCache(x=x, a=a, h=h, y_hat=h @ W2.T + b2)


def two_layer_forward(x, W1, b1, W2, b2):
    return _forward(x, W1, b1, W2, b2).y_hat


def two_layer_backward(x, y, W1, b1, W2, b2):
    cache = _forward(x, W1, b1, W2, b2)
    residual = cache.y_hat - y
    d_yhat = 2 * residual / residual.numel()
    d_h = d_yhat @ W2
    d_a = d_h * sigmoid_derivative(cache.a)
    return {
        "loss": (residual**2).mean(),
        "W1": d_a.T @ cache.x,
        "b1": d_a.sum(dim=0),
        "W2": d_yhat.T @ cache.h,
        "b2": d_yhat.sum(dim=0),
    }
'''

CALC_SOFTPLUS = '''
"""sigmoid(z) = exp(-log(1 + e^-z)) = exp(-softplus(-z)), with torch's stable log-add-exp."""
import math

import torch
import torch.nn.functional as F

LOG_2 = math.log(2.0)


def composite_derivative(x):
    return torch.mul(2 * (3 * x**3 + 2), 9 * x**2)


def sigmoid(z):
    return torch.exp(-torch.logaddexp(torch.zeros_like(z), -z))


def sigmoid_derivative(z):
    # log s(z) + log s(-z), both through softplus: exact in both tails
    return torch.exp(-F.softplus(-z) - F.softplus(z))


def two_layer_forward(x, W1, b1, W2, b2):
    return torch.einsum("nh,oh->no", sigmoid(torch.einsum("nd,hd->nh", x, W1) + b1), W2) + b2


def two_layer_backward(x, y, W1, b1, W2, b2):
    a = torch.einsum("nd,hd->nh", x, W1) + b1
    h = sigmoid(a)
    out = torch.einsum("nh,oh->no", h, W2) + b2
    delta_out = (out - y) * 2 / math.prod(out.shape)
    delta_hidden = torch.einsum("no,oh->nh", delta_out, W2) * sigmoid_derivative(a)
    return {
        "loss": ((out - y) ** 2).mean(),
        "W2": torch.einsum("no,nh->oh", delta_out, h),
        "b2": delta_out.sum(0),
        "W1": torch.einsum("nh,nd->hd", delta_hidden, x),
        "b1": delta_hidden.sum(0),
    }
'''

CALC_OWN_NAMES = '''
# Names from the textbook: the logistic function is also called "expit".
import torch


def expit(z):
    """The logistic function, my own: 1 / (1 + exp(-z)) with the exponent clamped so it never overflows."""
    return 1.0 / (1.0 + torch.exp(-torch.clamp(z, min=-500.0, max=500.0)))


def logistic_grad(z):
    p = expit(z)
    return p * (1.0 - p)


def composite_derivative(x):
    def f_prime(u):
        return 2 * u

    def g(t):
        return 3 * t**3 + 2

    def g_prime(t):
        return 9 * t**2

    return f_prime(g(x)) * g_prime(x)


def sigmoid(z):
    return expit(z)


def sigmoid_derivative(z):
    return logistic_grad(z)


def two_layer_forward(x, W1, b1, W2, b2):
    return expit(x @ W1.T + b1) @ W2.T + b2


def backward(x, y, W1, b1, W2, b2):
    """My own backward pass: the gradient of the mean squared error with respect to each parameter."""
    a = x @ W1.T + b1
    h = expit(a)
    y_hat = h @ W2.T + b2
    grad_out = 2 * (y_hat - y) / y_hat.numel()
    grad_a = grad_out @ W2 * logistic_grad(a)
    return ((y_hat - y) ** 2).mean(), grad_a.T @ x, grad_a.sum(0), grad_out.T @ h, grad_out.sum(0)


def two_layer_backward(x, y, W1, b1, W2, b2):
    names = ["loss", "W1", "b1", "W2", "b2"]
    return {name: value for name, value in zip(names, backward(x, y, W1, b1, W2, b2))}
'''

CALC_TYPED_DICT = '''
from __future__ import annotations

import math
from collections import OrderedDict
from typing import NamedTuple, TypedDict

import numpy as np
import torch
from torch import Tensor


class Gradients(TypedDict):
    loss: Tensor
    W1: Tensor
    b1: Tensor
    W2: Tensor
    b2: Tensor


class Params(NamedTuple):
    W1: Tensor
    b1: Tensor
    W2: Tensor
    b2: Tensor


def composite_derivative(x: Tensor) -> Tensor:
    return 18.0 * x**2 * (3.0 * x**3 + 2.0)


def sigmoid(z: Tensor) -> Tensor:
    return 0.5 * torch.tanh(0.5 * z) + 0.5


def sigmoid_derivative(z: Tensor) -> Tensor:
    s = sigmoid(z)
    return s * (1 - s)


def two_layer_forward(x: Tensor, W1: Tensor, b1: Tensor, W2: Tensor, b2: Tensor) -> Tensor:
    p = Params(W1, b1, W2, b2)
    return sigmoid(x @ p.W1.T + p.b1) @ p.W2.T + p.b2


def two_layer_backward(x: Tensor, y: Tensor, W1: Tensor, b1: Tensor, W2: Tensor, b2: Tensor) -> Gradients:
    p = Params(W1, b1, W2, b2)
    a = x @ p.W1.T + p.b1
    h = sigmoid(a)
    y_hat = h @ p.W2.T + p.b2
    scale = 2.0 / math.prod(y.shape)
    g_out = scale * (y_hat - y)
    g_a = (g_out @ p.W2) * h * (1.0 - h)
    grads = OrderedDict(loss=torch.mean((y_hat - y) ** 2))
    grads["W2"] = g_out.T @ h
    grads["b2"] = g_out.sum(dim=0)
    grads["W1"] = g_a.T @ x
    grads["b1"] = g_a.sum(dim=0)
    return Gradients(**grads)


if __name__ == "__main__":
    value = composite_derivative(torch.tensor(1.0))
    print("at x = 1:", float(np.float64(value.item())), "expected", 90.0)
'''

CALC_NETWORK_CLASS = '''
"""A tiny two-layer network object with its own forward and backward, wrapped by the graded functions."""
import torch


def composite_derivative(x):
    return 2 * (3 * x**3 + 2) * 9 * x**2


def sigmoid(z):
    z64 = z.double()
    return (1 / (1 + torch.exp(-z64))).to(z.dtype)


def sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1 - s)


class TwoLayerNet:
    """Holds the parameters; forward() remembers what backward() needs."""

    def __init__(self, W1, b1, W2, b2):
        self.params = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
        self.cache = {}

    def __repr__(self):
        shapes = ", ".join(f"{k}={tuple(v.shape)}" for k, v in self.params.items())
        return f"TwoLayerNet({shapes})"

    def forward(self, x):
        p = self.params
        a = x @ p["W1"].T + p["b1"]
        h = sigmoid(a)
        self.cache = {"x": x, "h": h}
        return h @ p["W2"].T + p["b2"]

    def loss(self, x, y):
        self.cache["diff"] = self.forward(x) - y
        return (self.cache["diff"] ** 2).mean()

    def backward(self):
        p, c = self.params, self.cache
        d_out = 2 * c["diff"] / c["diff"].numel()
        d_a = (d_out @ p["W2"]) * c["h"] * (1 - c["h"])
        return {"W1": d_a.T @ c["x"], "b1": d_a.sum(0), "W2": d_out.T @ c["h"], "b2": d_out.sum(0)}


def two_layer_forward(x, W1, b1, W2, b2):
    return TwoLayerNet(W1, b1, W2, b2).forward(x)


def two_layer_backward(x, y, W1, b1, W2, b2):
    net = TwoLayerNet(W1, b1, W2, b2)
    loss = net.loss(x, y)
    grads = net.backward()
    grads["loss"] = loss
    return grads


if __name__ == "__main__":
    net = TwoLayerNet(torch.randn(3, 2), torch.zeros(3), torch.randn(1, 3), torch.zeros(1))
    print(net, net.loss(torch.randn(4, 2), torch.randn(4, 1)))
'''

CALC_AUTOGRAD_CHECKER = '''
"""Hand-written derivatives, plus a checker that compares them with autograd (never used by them)."""
import torch


def check_against_autograd(function, derivative, x):
    """Does derivative(x) match autograd's gradient of function at x?"""
    leaf = x.detach().clone().requires_grad_(True)
    function(leaf).sum().backward()
    return torch.allclose(leaf.grad, derivative(x), atol=1e-5)


def composite_derivative(x):
    inner = 3 * x**3 + 2
    return 2 * inner * 9 * x**2


def sigmoid(z):
    return 1.0 / (1.0 + (-z).exp())


def sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1.0 - s)


def two_layer_forward(x, W1, b1, W2, b2):
    return sigmoid(x.matmul(W1.mT) + b1).matmul(W2.mT) + b2


def two_layer_backward(x, y, W1, b1, W2, b2):
    a = x.matmul(W1.mT) + b1
    h = sigmoid(a)
    r = h.matmul(W2.mT) + b2 - y
    d = 2 * r / r.numel()
    da = d.matmul(W2) * sigmoid_derivative(a)
    return {"loss": r.pow(2).mean(), "W1": da.mT.matmul(x), "b1": da.sum(0), "W2": d.mT.matmul(h), "b2": d.sum(0)}


print("composite:", check_against_autograd(lambda t: (3 * t**3 + 2) ** 2, composite_derivative, torch.linspace(-1, 1, 7)))
print("sigmoid':", check_against_autograd(torch.sigmoid, sigmoid_derivative, torch.linspace(-5, 5, 11)))
'''

CALC_NETWORK_OF_LAYERS = '''
\"\"\"Framework style: layer objects with forward/backward, held by a Network that runs them in order and back.\"\"\"
import torch


def composite_derivative(x):
    return 54 * x**5 + 36 * x**2


def sigmoid(z):
    return 1 / (1 + torch.exp(-z))


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
        self.dW = grad.T @ self.x
        self.db = grad.sum(0)
        return grad @ self.W


class Sigmoid:
    def forward(self, a):
        self.h = sigmoid(a)
        return self.h

    def backward(self, grad):
        return grad * self.h * (1 - self.h)


class Network:
    \"\"\"Layers in a list: forward in order, backward in reverse, as in the lecture's computational graph.\"\"\"

    def __init__(self, W1, b1, W2, b2):
        self.layers = [Linear(W1, b1), Sigmoid(), Linear(W2, b2)]

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad):
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad


def two_layer_forward(x, W1, b1, W2, b2):
    return Network(W1, b1, W2, b2).forward(x)


def two_layer_backward(x, y, W1, b1, W2, b2):
    net = Network(W1, b1, W2, b2)
    out = net.forward(x)
    net.backward(2 * (out - y) / out.numel())
    first, last = net.layers[0], net.layers[-1]
    return {"loss": ((out - y) ** 2).mean(), "W1": first.dW, "b1": first.db, "W2": last.dW, "b2": last.db}
'''

CALC_LAYERS_FROM_BUILDER = '''
import torch


def composite_derivative(x):
    u = 3 * x**3 + 2
    return 2 * u * 9 * x**2


def sigmoid(z):
    e = torch.exp(-z.abs())
    return torch.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_derivative(z):
    return sigmoid(z) * sigmoid(-z)


class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.x = x
        return x @ self.W.T + self.b

    def backward(self, upstream):
        self.grads = {"W": upstream.T @ self.x, "b": upstream.sum(0)}
        return upstream @ self.W


class Logistic:
    def forward(self, a):
        self.a = a
        return sigmoid(a)

    def backward(self, upstream):
        return upstream * sigmoid_derivative(self.a)


def build(W1, b1, W2, b2):
    \"\"\"The network as a list of layers.\"\"\"
    return [Affine(W1, b1), Logistic(), Affine(W2, b2)]


def two_layer_forward(x, W1, b1, W2, b2):
    for layer in build(W1, b1, W2, b2):
        x = layer.forward(x)
    return x


def two_layer_backward(x, y, W1, b1, W2, b2):
    layers = build(W1, b1, W2, b2)
    out = x
    for layer in layers:
        out = layer.forward(out)
    grad = 2 * (out - y) / out.numel()
    for layer in layers[::-1]:
        grad = layer.backward(grad)
    first, last = layers[0].grads, layers[2].grads
    return {"loss": ((out - y) ** 2).mean(), "W1": first["W"], "b1": first["b"], "W2": last["W"], "b2": last["b"]}
'''

CALC_FACTORY_KWARGS = '''
# Buffers made with the inputs' dtype and device, passed as one dict as PyTorch's own layers do.
import torch


def composite_derivative(x):
    return 54 * x**5 + 36 * x**2


def sigmoid(z):
    return 1 / (1 + torch.exp(-z))


def sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1 - s)


def two_layer_forward(x, W1, b1, W2, b2):
    return sigmoid(x @ W1.T + b1) @ W2.T + b2


def two_layer_backward(x, y, W1, b1, W2, b2):
    factory = {"dtype": x.dtype, "device": x.device}
    grads = {name: torch.zeros(p.shape, **factory) for name, p in (("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2))}
    n, o = y.shape
    loss = torch.zeros((), **factory)
    for i in range(n):
        a = W1 @ x[i] + b1
        h = sigmoid(a)
        e = W2 @ h + b2 - y[i]
        loss += (e**2).sum() / (n * o)
        g = 2 * e / (n * o)
        grads["W2"] += torch.outer(g, h)
        grads["b2"] += g
        ga = (g @ W2) * h * (1 - h)
        grads["W1"] += torch.outer(ga, x[i])
        grads["b1"] += ga
    grads["loss"] = loss
    return grads
'''

NB_CALC_TYPICAL = notebook(
    ("markdown", "# Lab 1: calculus and backpropagation\nName: Dana, group B"),
    "%matplotlib inline\n!pip install numpy --quiet\n%load_ext autoreload\n%autoreload 2",
    """
    import numpy as np
    import matplotlib.pyplot as plt
    import torch
    torch.set_printoptions(precision=4)
    """,
    ("markdown", "## 1. Chain rule"),
    """
    def composite_derivative(x):
        u = 3 * x**3 + 2          # g(x)
        return 2 * u * 9 * x**2   # f'(g(x)) * g'(x)
    """,
    """
    x = torch.linspace(-1.5, 1.5, 7, requires_grad=True)
    y = (3 * x**3 + 2) ** 2
    y.sum().backward()
    print(x.grad)
    print(composite_derivative(x.detach()))
    assert torch.allclose(x.grad, composite_derivative(x.detach()))
    """,
    ("markdown", "## 2. Sigmoid"),
    """
    def sigmoid(z):
        return 1 / (1 + torch.exp(-z))

    def sigmoid_derivative(z):
        return sigmoid(z) * (1 - sigmoid(z))
    """,
    """
    zs = torch.linspace(-8, 8, 200)
    plt.plot(zs, sigmoid(zs), label="sigmoid")
    plt.plot(zs, sigmoid_derivative(zs), label="derivative")
    plt.plot(zs, torch.sigmoid(zs), "--", label="torch.sigmoid")
    plt.legend()
    plt.show()
    print(sigmoid(torch.tensor([-1e4, 0.0, 1e4])))
    """,
    "%timeit sigmoid(torch.randn(1000))",
    ("markdown", "## 3. Two-layer network"),
    """
    def two_layer_forward(x, W1, b1, W2, b2):
        h = sigmoid(x @ W1.T + b1)
        return h @ W2.T + b2

    def two_layer_backward(x, y, W1, b1, W2, b2):
        a = x @ W1.T + b1
        h = sigmoid(a)
        y_hat = h @ W2.T + b2
        loss = ((y_hat - y) ** 2).mean()
        dy = 2 * (y_hat - y) / y_hat.numel()
        dW2 = dy.T @ h
        db2 = dy.sum(0)
        da = (dy @ W2) * h * (1 - h)
        dW1 = da.T @ x
        db1 = da.sum(0)
        return {"loss": loss, "W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    """,
    """
    x, y = torch.randn(4, 3), torch.randn(4, 2)
    W1, b1, W2, b2 = torch.randn(5, 3), torch.randn(5), torch.randn(2, 5), torch.randn(2)
    grads = two_layer_backward(x, y, W1, b1, W2, b2)
    params = [p.clone().requires_grad_() for p in (W1, b1, W2, b2)]
    loss = ((torch.sigmoid(x @ params[0].T + params[1]) @ params[2].T + params[3] - y) ** 2).mean()
    loss.backward()
    for name, p in zip(["W1", "b1", "W2", "b2"], params):
        print(name, torch.allclose(grads[name], p.grad, atol=1e-6), np.abs((grads[name] - p.grad).numpy()).max())
    """,
)

NB_CALC_REDEFINED = notebook(
    ("markdown", "Lab 1, second try. The first sigmoid gave nan for big negative numbers."),
    "import torch\nimport math",
    """
    def sigmoid(z):
        return torch.exp(z) / (1 + torch.exp(z))   # nan for z = 1e4!

    print(sigmoid(torch.tensor([1e4])))
    """,
    """
    def composite_derivative(x):
        return 54 * x**5 + 36 * x**2

    assert composite_derivative(torch.tensor(1.0)).item() == 90.0
    """,
    """
    # finite differences by hand, since we cannot use autograd
    h = 1e-4
    f = lambda t: (3 * t**3 + 2) ** 2
    for x0 in [-1.0, 0.5, 2.0]:
        numeric = (f(x0 + h) - f(x0 - h)) / (2 * h)
        print(x0, numeric, composite_derivative(torch.tensor(x0, dtype=torch.float64)).item())
    """,
    ("markdown", "Fixed: both tails with exp(-|z|)"),
    """
    def sigmoid(z):
        e = torch.exp(-z.abs())
        return torch.where(z >= 0, 1 / (1 + e), e / (1 + e))

    def sigmoid_derivative(z):
        s = sigmoid(z)
        return s * (1 - s)

    print(sigmoid(torch.tensor([-1e4, 1e4])))
    """,
    """
    raise NotImplementedError("TODO: ask about float64 in office hours")
    """,
    """
    def two_layer_forward(x, W1, b1, W2, b2):
        return sigmoid(x @ W1.T + b1) @ W2.T + b2

    def two_layer_backward(x, y, W1, b1, W2, b2):
        return {}  # not done yet
    """,
    """
    def two_layer_backward(x, y, W1, b1, W2, b2):
        a = x @ W1.T + b1
        h = sigmoid(a)
        out = h @ W2.T + b2
        n, o = out.shape
        d_out = 2 * (out - y) / (n * o)
        d_a = (d_out @ W2) * sigmoid_derivative(a)
        return {
            "loss": ((out - y) ** 2).mean(),
            "W1": d_a.T @ x,
            "b1": d_a.sum(dim=0),
            "W2": d_out.T @ h,
            "b2": d_out.sum(dim=0),
        }
    """,
    """
    %%time
    x = torch.tensor([[0.5, 1.0]])
    W1 = torch.tensor([[0.2, 0.5], [2.1, -1.3], [-3.0, -2.2]])
    b1 = torch.tensor([0.5, -0.2, 4.1])
    print(x @ W1.T + b1)
    print(two_layer_backward(x, torch.tensor([[1.0]]), W1, b1, torch.tensor([[1.0, -1.0, 0.5]]), torch.tensor([0.1])))
    """,
)

NB_CALC_GRADCHECK = notebook(
    ("markdown", "## Checking my gradients with torch.autograd.gradcheck (only in this notebook's checks)"),
    """
    import torch
    from torch.autograd import gradcheck
    from torch.func import grad, vmap
    """,
    """
    def composite_derivative(x):
        return (2 * (3 * x**3 + 2)) * (9 * x**2)

    xs = torch.randn(6, dtype=torch.float64)
    auto = vmap(grad(lambda t: (3 * t**3 + 2) ** 2))(xs)
    print(torch.allclose(auto, composite_derivative(xs)))
    """,
    """
    def sigmoid(z):
        e = torch.exp(-torch.abs(z))
        return torch.where(z < 0, e / (1 + e), 1 / (1 + e))

    def sigmoid_derivative(z):
        return sigmoid(z) * sigmoid(-z)

    z = torch.randn(8, dtype=torch.float64, requires_grad=True)
    print(gradcheck(sigmoid, (z,)))
    torch.sigmoid(z).sum().backward()
    print(torch.allclose(z.grad, sigmoid_derivative(z.detach())))
    """,
    """
    def two_layer_forward(x, W1, b1, W2, b2):
        return sigmoid(x @ W1.T + b1) @ W2.T + b2


    def two_layer_backward(x, y, W1, b1, W2, b2):
        a = x @ W1.T + b1
        h = sigmoid(a)
        err = two_layer_forward(x, W1, b1, W2, b2) - y
        g = err * (2.0 / err.numel())
        ga = g @ W2 * h * (1 - h)
        return {"loss": err.pow(2).mean(), "W1": ga.T @ x, "b1": ga.sum(0), "W2": g.T @ h, "b2": g.sum(0)}
    """,
    """
    x, y = torch.randn(3, 2, dtype=torch.float64), torch.randn(3, 1, dtype=torch.float64)
    W1 = torch.randn(4, 2, dtype=torch.float64, requires_grad=True)
    rest = [torch.randn(4, dtype=torch.float64), torch.randn(1, 4, dtype=torch.float64), torch.randn(1, dtype=torch.float64)]
    loss = ((two_layer_forward(x, W1, *rest) - y) ** 2).mean()
    (auto_W1,) = torch.autograd.grad(loss, [W1])
    print(torch.allclose(auto_W1, two_layer_backward(x, y, W1.detach(), *rest)["W1"]))
    """,
)

CALC_PKG_MAIN = '''
"""Lab 1, split in modules: the layers and the loss with their backward passes live in `backprop/`."""
import torch

from backprop.activations import Logistic
from backprop.layers import Dense
from backprop.losses import MeanSquaredError


def composite_derivative(x):
    u = 3 * x**3 + 2
    return 2 * u * 9 * x**2


def sigmoid(z):
    return Logistic().forward(z)


def sigmoid_derivative(z):
    return Logistic.derivative(z)


def two_layer_forward(x, W1, b1, W2, b2):
    hidden = Logistic().forward(Dense(W1, b1).forward(x))
    return Dense(W2, b2).forward(hidden)


def two_layer_backward(x, y, W1, b1, W2, b2):
    first, act, second, mse = Dense(W1, b1), Logistic(), Dense(W2, b2), MeanSquaredError()
    loss = mse.forward(second.forward(act.forward(first.forward(x))), y)
    grad = mse.backward()
    grad = second.backward(grad)
    grad = act.backward(grad)
    first.backward(grad)
    return {"loss": loss, "W1": first.dW, "b1": first.db, "W2": second.dW, "b2": second.db}
'''

CALC_PKG_INIT = '''
"""Layers with hand-written backward passes, no autograd."""
from .activations import Logistic
from .layers import Dense
from .losses import MeanSquaredError

__all__ = ["Dense", "Logistic", "MeanSquaredError"]
'''

CALC_PKG_ACTIVATIONS = '''
import torch


class Logistic:
    """The sigmoid as a layer; backward multiplies by s * (1 - s)."""

    def forward(self, z):
        e = torch.exp(-z.abs())
        self.out = torch.where(z >= 0, 1 / (1 + e), e / (1 + e))
        return self.out

    @staticmethod
    def derivative(z):
        s = Logistic().forward(z)
        return s * (1 - s)

    def backward(self, upstream):
        return upstream * self.out * (1 - self.out)
'''

CALC_PKG_LAYERS = '''
class Dense:
    """x @ W.T + b."""

    def __init__(self, W, b):
        self.W = W
        self.b = b

    def forward(self, x):
        self.x = x
        return x @ self.W.T + self.b

    def backward(self, upstream):
        self.dW = upstream.T @ self.x
        self.db = upstream.sum(dim=0)
        return upstream @ self.W
'''

CALC_PKG_LOSSES = '''
class MeanSquaredError:
    def forward(self, prediction, target):
        self.diff = prediction - target
        return (self.diff ** 2).mean()

    def backward(self):
        return 2 * self.diff / self.diff.numel()
'''

NB_CALC_WITH_HELPER = notebook(
    "%matplotlib inline\nimport torch\nfrom mathhelpers import stable_sigmoid, outer_sum",
    ("markdown", "My helpers are in mathhelpers.py next to this notebook."),
    """
    def composite_derivative(x):
        return 54 * x.pow(5) + 36 * x.pow(2)

    def sigmoid(z):
        return stable_sigmoid(z)

    def sigmoid_derivative(z):
        return stable_sigmoid(z) * stable_sigmoid(-z)
    """,
    """
    def two_layer_forward(x, W1, b1, W2, b2):
        return sigmoid(x @ W1.T + b1) @ W2.T + b2

    def two_layer_backward(x, y, W1, b1, W2, b2):
        a = x @ W1.T + b1
        h = sigmoid(a)
        out = h @ W2.T + b2
        g = 2 * (out - y) / out.numel()
        ga = (g @ W2) * sigmoid_derivative(a)
        return {"loss": ((out - y) ** 2).mean(), "W1": outer_sum(ga, x), "b1": ga.sum(0), "W2": outer_sum(g, h), "b2": g.sum(0)}
    """,
    "print(two_layer_backward(torch.ones(1, 2), torch.ones(1, 1), torch.ones(3, 2), torch.zeros(3), torch.ones(1, 3), torch.zeros(1)))",
)

CALC_HELPERS = '''
"""Small tensor helpers I wrote for lab 1."""
import torch


def stable_sigmoid(z):
    e = torch.exp(-torch.abs(z))
    return torch.where(z >= 0, 1 / (1 + e), e / (1 + e))


def outer_sum(upstream, inputs):
    """Sum over the batch of the outer products upstream[n] x inputs[n], i.e. upstream.T @ inputs."""
    return torch.einsum("ni,nj->ij", upstream, inputs)
'''

CALCULUS = [
    module("typed_constants_main", CALC_TYPED_MAIN),
    module("grad_modes_off", CALC_GRAD_MODES),
    module("where_two_formulas", CALC_WHERE_TWO_FORMULAS),
    module("masked_inplace", CALC_MASKED_INPLACE),
    module("per_example_loops", CALC_PER_EXAMPLE_LOOPS),
    module("dataclass_cache", CALC_DATACLASS_CACHE),
    module("softplus_logaddexp", CALC_SOFTPLUS),
    module("own_expit_and_backward", CALC_OWN_NAMES),
    module("typed_dict_result", CALC_TYPED_DICT),
    module("network_class", CALC_NETWORK_CLASS),
    module("autograd_checker_helper", CALC_AUTOGRAD_CHECKER),
    module("network_of_layers", CALC_NETWORK_OF_LAYERS),
    module("layers_from_builder", CALC_LAYERS_FROM_BUILDER),
    module("factory_kwargs", CALC_FACTORY_KWARGS),
    Honest("nb_typical", "ipynb", NB_CALC_TYPICAL),
    Honest("nb_redefined_and_raising", "ipynb", NB_CALC_REDEFINED),
    Honest("nb_gradcheck_cells", "ipynb", NB_CALC_GRADCHECK),
    folder(
        "folder_backprop_package",
        {
            "calculus.py": CALC_PKG_MAIN,
            "backprop/__init__.py": CALC_PKG_INIT,
            "backprop/activations.py": CALC_PKG_ACTIVATIONS,
            "backprop/layers.py": CALC_PKG_LAYERS,
            "backprop/losses.py": CALC_PKG_LOSSES,
        },
    ),
    folder("folder_notebook_helper", {"lab1.ipynb": NB_CALC_WITH_HELPER, "mathhelpers.py": CALC_HELPERS}),
]

# 03_gradient_descent -----------------------------------------------------------

GD_TYPED_NUMPY = '''
"""Lab 3: gradient descent. The 1-D loop works in numpy floats, converted back at the end."""

from __future__ import annotations

from typing import Callable, List, Tuple

import numpy as np
import torch

DEFAULT_EPS: float = 1e-6
DEFAULT_MAX_STEPS: int = 10_000
START_W: float = -1.0
START_B: float = 5.0


def gradient_descent_1d(
    df: Callable[[float], float], x0: float, lr: float, eps: float = DEFAULT_EPS, max_steps: int = DEFAULT_MAX_STEPS
) -> Tuple[float, int]:
    """x <- x - lr * df(x) until |df(x)| < eps or max_steps updates."""
    x = np.float64(x0)
    steps = 0
    while steps < max_steps:
        g = np.float64(df(x))
        if np.abs(g) < eps:
            break
        x = x - lr * g
        steps += 1
    return float(x), int(steps)


def fit_linear_regression(x: torch.Tensor, y: torch.Tensor, lr: float = 0.1, epochs: int = 1000) -> Tuple[float, float, List[float]]:
    """Full-batch gradient descent on the MSE of y_hat = w x + b, starting from w = -1, b = 5."""
    options = {"dtype": x.dtype, "device": x.device}
    w = torch.tensor(START_W, **options, requires_grad=True)
    b = torch.tensor(START_B, **options, requires_grad=True)
    losses: List[float] = []
    for _ in range(epochs):
        loss = torch.mean((w * x + b - y) ** 2)
        losses.append(float(np.float64(loss.item())))
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
    return float(np.float64(w.item())), float(np.float64(b.item())), losses


if __name__ == "__main__":
    print(gradient_descent_1d(lambda t: 2 * (t - 3), 0.0, 0.1))
'''

GD_FOR_ELSE = '''
import math

import torch


def gradient_descent_1d(df, x0, lr, eps=1e-6, max_steps=10_000):
    x = float(x0)
    for n_updates in range(max_steps + 1):
        g = df(x)
        if math.fabs(g) < eps or n_updates == max_steps:
            break
        x -= lr * g
    else:
        n_updates = max_steps
    return x, n_updates


def fit_linear_regression(x, y, lr=0.1, epochs=1000):
    w = torch.ones((), dtype=x.dtype, device=x.device).neg().requires_grad_()
    b = torch.full_like(w, 5.0).requires_grad_()
    losses = []
    epoch = 0
    while epoch < epochs:
        y_hat = x * w + b
        loss = (y_hat - y).pow(2).mean()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w.sub_(lr * w.grad)
            b.sub_(lr * b.grad)
        w.grad = None
        b.grad = None
        epoch += 1
    return w.item(), b.item(), losses
'''

GD_OWN_OPTIMIZER = '''
"""Lab 3 with my own tiny optimizer class (torch.optim is not allowed, so I wrote the update myself)."""
import itertools

import torch


class GradientDescent:
    """Plain gradient descent over a list of leaf tensors: step() and zero_grad() like torch's optimizers."""

    def __init__(self, params, lr):
        self.params = list(params)
        self.lr = lr

    @torch.no_grad()
    def step(self):
        for p in self.params:
            p -= self.lr * p.grad

    def zero_grad(self):
        for p in self.params:
            if p.grad is not None:
                p.grad.zero_()

    def __repr__(self):
        return f"GradientDescent(lr={self.lr}, n_params={len(self.params)})"


def gradient_descent_1d(df, x0, lr, eps=1e-6, max_steps=10_000):
    x = x0 + 0.0
    for step in itertools.count():
        g = df(x)
        if abs(g) < eps or step >= max_steps:
            return x, step
        x = x - lr * g


def fit_linear_regression(x, y, lr=0.1, epochs=1000):
    w = torch.tensor(-1.0, dtype=x.dtype, device=x.device, requires_grad=True)
    b = torch.tensor(5.0, dtype=x.dtype, device=x.device, requires_grad=True)
    optimizer = GradientDescent([w, b], lr=lr)
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = ((w * x + b) - y).square().mean()
        losses.append(loss.item())
        loss.backward()
        optimizer.step()
    return w.item(), b.item(), losses
'''

GD_AUTOGRAD_GRAD = '''
import torch


def gradient_descent_1d(df, x0, lr, eps=1e-6, max_steps=10_000):
    x, steps = float(x0), 0
    g = df(x)
    while not abs(g) < eps and steps != max_steps:
        x += -lr * g
        steps += 1
        g = df(x)
    return x, steps


def fit_linear_regression(x, y, lr=0.1, epochs=1000):
    w = torch.tensor(-1.0, dtype=x.dtype, device=x.device, requires_grad=True)
    b = torch.tensor(5.0, dtype=x.dtype, device=x.device, requires_grad=True)
    losses = []
    for _ in range(epochs):
        loss = torch.nn.functional.mse_loss(w * x + b, y)
        losses.append(loss.detach().cpu().item())
        grad_w, grad_b = torch.autograd.grad(loss, [w, b])
        with torch.no_grad():
            w -= lr * grad_w
            b -= lr * grad_b
    return float(w), float(b), losses
'''

GD_NN_LINEAR = '''
"""The line as an nn.Linear(1, 1) layer, its weight and bias set to the lecture's start."""
import torch
from torch import nn


def gradient_descent_1d(df, x0, lr, eps=1e-6, max_steps=10_000):
    history = [float(x0)]
    updates = 0
    while True:
        slope = df(history[-1])
        if abs(slope) < eps or updates == max_steps:
            return history[-1], updates
        history.append(history[-1] - lr * slope)
        updates += 1


def fit_linear_regression(x, y, lr=0.1, epochs=1000):
    line = nn.Linear(1, 1, dtype=x.dtype, device=x.device)
    with torch.no_grad():
        line.weight.fill_(-1.0)
        line.bias.fill_(5.0)
    inputs = x.unsqueeze(1)
    loss_fn = nn.MSELoss()
    losses = []
    for epoch in range(epochs):
        loss = loss_fn(line(inputs).squeeze(1), y)
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for p in line.parameters():
                p -= lr * p.grad
        line.zero_grad()
    return line.weight.item(), line.bias.item(), losses
'''

GD_DESIGN_MATRIX = '''
# Linear regression with a design matrix [x, 1] and a parameter vector theta = [w, b].
import torch


def gradient_descent_1d(df, x0, lr, eps=1e-6, max_steps=10_000):
    x = float(x0)
    n = 0
    while n < max_steps:
        grad = df(x)
        if -eps < grad < eps:
            return x, n
        x = x - lr * grad
        n = n + 1
    return x, n


def fit_linear_regression(x, y, lr=0.1, epochs=1000):
    X = torch.stack([x, torch.ones_like(x)], dim=1)
    theta = torch.tensor([[-1.0], [5.0]], dtype=x.dtype, device=x.device).requires_grad_(True)
    target = y.reshape(-1, 1)
    losses = []
    for _ in range(epochs):
        residual = X @ theta - target
        loss = (residual ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            theta -= lr * theta.grad
            theta.grad.zero_()
    w, b = theta.detach().flatten().tolist()
    return w, b, losses
'''

GD_PARAMETERS_BUFFER = '''
import torch
import torch.nn as nn


@torch.no_grad()
def _update(parameters, lr):
    for p in parameters:
        p.add_(p.grad, alpha=-lr)
        p.grad = None


def gradient_descent_1d(df, x0, lr, eps=1e-6, max_steps=10_000):
    def run(x, steps):
        # iterative despite the name: Python recursion would not survive 10 000 steps
        while True:
            g = df(x)
            if abs(g) < eps or steps >= max_steps:
                return x, steps
            x, steps = x - lr * g, steps + 1

    return run(float(x0), 0)


def fit_linear_regression(x, y, lr=0.1, epochs=1000):
    w = nn.Parameter(torch.tensor(-1.0, dtype=x.dtype, device=x.device))
    b = nn.Parameter(torch.tensor(5.0, dtype=x.dtype, device=x.device))
    history = torch.empty(epochs, dtype=x.dtype, device=x.device)
    for epoch in range(epochs):
        loss = ((w * x + b - y) ** 2).sum() / x.numel()
        history[epoch] = loss.detach()
        loss.backward()
        _update([w, b], lr)
    return w.item(), b.item(), history.tolist()
'''

GD_DATA_ATTRIBUTE = '''
# Update through .data, as in the older PyTorch tutorials.
import torch


def gradient_descent_1d(df, x0, lr, eps=1e-6, max_steps=10_000):
    x = float(x0)
    count = 0
    slope = df(x)
    while abs(slope) >= eps:
        if count >= max_steps:
            break
        x -= lr * slope
        count += 1
        slope = df(x)
    return x, count


def fit_linear_regression(x, y, lr=0.1, epochs=1000):
    w = torch.tensor([-1.0], dtype=x.dtype, device=x.device, requires_grad=True)
    b = torch.tensor([5.0], dtype=x.dtype, device=x.device, requires_grad=True)
    losses = []
    for i in range(epochs):
        pred = w * x + b
        loss = ((pred - y) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        w.data -= lr * w.grad.data
        b.data -= lr * b.grad.data
        w.grad.data.zero_()
        b.grad.data.zero_()
    return w.item(), b.item(), losses
'''

GD_OPTIM_IN_MAIN = '''
"""Lab 3. The demo at the bottom checks my loop against torch.optim.SGD, which the graded code does not use."""
import torch
import torch.optim as optim
from torch.optim import SGD


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
    params = [torch.tensor(v, dtype=x.dtype, device=x.device, requires_grad=True) for v in (-1.0, 5.0)]
    losses = []
    for _ in range(epochs):
        w, b = params
        loss = ((w * x + b - y) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad.zero_()
    return params[0].item(), params[1].item(), losses


def fit_with_sgd(x, y, lr=0.1, epochs=1000):
    """The same fit with torch.optim.SGD, to compare."""
    w = torch.tensor(-1.0, requires_grad=True)
    b = torch.tensor(5.0, requires_grad=True)
    opt = SGD([w, b], lr=lr)
    for _ in range(epochs):
        opt.zero_grad()
        ((w * x + b - y) ** 2).mean().backward()
        opt.step()
    return w.item(), b.item()


if __name__ == "__main__":
    torch.manual_seed(42)
    xs = torch.rand(50)
    ys = 2 * xs + 3 + 0.05 * torch.randn(50)
    print(fit_linear_regression(xs, ys)[:2], fit_with_sgd(xs, ys))
    print(optim.Adam)
'''

NB_GD_TYPICAL = notebook(
    ("markdown", "# Lab 3 - Gradient descent\n*Student:* Eve"),
    "%matplotlib inline\n%config InlineBackend.figure_format = 'svg'\n!pip install -q tqdm",
    '''
    import math
    import numpy as np
    import matplotlib.pyplot as plt
    import torch
    from tqdm.auto import tqdm
    print(torch.__version__)
    ''',
    ("markdown", "## Part 1: 1-D"),
    '''
    def gradient_descent_1d(df, x0, lr, eps=1e-6, max_steps=10_000):
        x = float(x0)
        steps = 0
        while True:
            g = df(x)
            if abs(g) < eps or steps >= max_steps:
                break
            x = x - lr * g
            steps += 1
        return x, steps
    ''',
    '''
    f = lambda x: (x - 3) ** 2
    df = lambda x: 2 * (x - 3)
    xs = np.linspace(-1, 7, 100)
    plt.plot(xs, f(xs))
    for lr in [0.01, 0.1, 0.9]:
        x_end, n = gradient_descent_1d(df, 0.0, lr)
        plt.scatter([x_end], [f(x_end)], label=f"lr={lr}: {n} steps")
    plt.legend()
    plt.show()
    ''',
    '''
    %%time
    results = {lr: gradient_descent_1d(lambda x: 2 * x, 1.0, lr, max_steps=50) for lr in np.arange(0.1, 1.6, 0.2)}
    results
    ''',
    ("markdown", "## Part 2: linear regression with autograd"),
    '''
    torch.manual_seed(42)
    x = torch.rand(50)
    y = 2 * x + 3 + 0.05 * torch.randn(50)
    plt.scatter(x, y)
    ''',
    '''
    def fit_linear_regression(x, y, lr=0.1, epochs=1000):
        w = torch.tensor(-1.0, requires_grad=True, dtype=x.dtype, device=x.device)
        b = torch.tensor(5.0, requires_grad=True, dtype=x.dtype, device=x.device)
        losses = []
        for epoch in tqdm(range(epochs), disable=True):
            loss = ((w * x + b - y) ** 2).mean()
            losses.append(loss.item())
            loss.backward()
            with torch.no_grad():
                w -= lr * w.grad
                b -= lr * b.grad
                w.grad.zero_()
                b.grad.zero_()
            if epoch % 100 == 0:
                print(f"epoch {epoch:4d}  loss {loss.item():.6f}")
        return w.item(), b.item(), losses
    ''',
    '''
    w, b, losses = fit_linear_regression(x, y)
    print(w, b)
    plt.semilogy(losses)
    plt.show()
    ''',
    '''
    # sanity check against torch.optim.SGD (allowed here, just not in my function)
    w2 = torch.tensor(-1.0, requires_grad=True)
    b2 = torch.tensor(5.0, requires_grad=True)
    opt = torch.optim.SGD([w2, b2], lr=0.1)
    for _ in range(1000):
        opt.zero_grad()
        ((w2 * x + b2 - y) ** 2).mean().backward()
        opt.step()
    print(math.isclose(w2.item(), w, rel_tol=1e-4), math.isclose(b2.item(), b, rel_tol=1e-4))
    ''',
)

NB_GD_REDEFINED = notebook(
    "import torch\nimport matplotlib.pyplot as plt",
    ("markdown", "first version (forgot max_steps)"),
    '''
    def gradient_descent_1d(df, x0, lr, eps=1e-6, max_steps=10_000):
        x = x0
        while abs(df(x)) >= eps:
            x = x - lr * df(x)
        return x
    ''',
    '''
    gradient_descent_1d(lambda x: 2 * x, 1.0, 1.5)   # blows up to nan: lr too big, and no max_steps
    ''',
    ("markdown", "second version"),
    '''
    def gradient_descent_1d(df, x0, lr, eps=1e-6, max_steps=10_000):
        x, updates = float(x0), 0
        for _ in range(max_steps):
            g = df(x)
            if abs(g) < eps:
                break
            x -= lr * g
            updates += 1
        return x, updates
    ''',
    "print(gradient_descent_1d(lambda x: 2 * (x - 3), 0.0, 0.1))",
    '''
    def fit_linear_regression(x, y, lr=0.1, epochs=1000):
        w = torch.tensor(-1.0, requires_grad=True)
        b = torch.tensor(5.0, requires_grad=True)
        ...
    ''',
    '''
    x_data = torch.tensor([0.0, 1.0, 2.0])
    y_data = torch.tensor([3.0, 5.0, 7.0])
    fit_linear_regression(x_data, y_data)[2][:2]
    ''',
    '''
    def fit_linear_regression(x, y, lr=0.1, epochs=1000):
        w = torch.tensor(-1.0, dtype=x.dtype, device=x.device, requires_grad=True)
        b = torch.tensor(5.0, dtype=x.dtype, device=x.device, requires_grad=True)
        losses = []
        for _ in range(epochs):
            if w.grad is not None:
                w.grad.zero_()
                b.grad.zero_()
            loss = ((w * x + b - y) ** 2).mean()
            losses.append(loss.item())
            loss.backward()
            with torch.no_grad():
                w -= lr * w.grad
                b -= lr * b.grad
        return w.item(), b.item(), losses
    ''',
    '''
    w, b, losses = fit_linear_regression(x_data, y_data, epochs=2)
    assert losses == [7.0, 3.880000114440918] or abs(losses[1] - 3.88) < 1e-5, losses
    plt.plot(losses)
    ''',
)

NB_GD_DEVICE_TIMING = notebook(
    ("markdown", "## Gradient descent on the GPU (if there is one) and timing"),
    '''
    import time
    import torch
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    print("running on", device)
    ''',
    '''
    def gradient_descent_1d(df, x0, lr, eps=1e-6, max_steps=10_000):
        x = float(x0)
        i = 0
        while i < max_steps:
            g = df(x)
            if abs(g) < eps:
                return x, i
            x -= lr * g
            i += 1
        return x, i


    def fit_linear_regression(x, y, lr=0.1, epochs=1000):
        w = torch.tensor(-1.0, dtype=x.dtype, device=x.device, requires_grad=True)
        b = torch.tensor(5.0, dtype=x.dtype, device=x.device, requires_grad=True)
        losses = []
        for _ in range(epochs):
            loss = ((w * x + b - y) ** 2).mean()
            losses.append(loss.item())
            loss.backward()
            with torch.no_grad():
                w -= lr * w.grad
                b -= lr * b.grad
            w.grad.zero_()
            b.grad.zero_()
        return w.item(), b.item(), losses
    ''',
    '''
    x = torch.rand(1000, device=device)
    y = 2 * x + 3 + 0.05 * torch.randn(1000, device=device)
    start = time.perf_counter()
    w, b, _ = fit_linear_regression(x, y, epochs=50)
    print(f"{time.perf_counter() - start:.3f}s", w, b)
    ''',
    "%timeit -n 1 -r 1 fit_linear_regression(x.double(), y.double(), epochs=20)",
    "torch.cuda.synchronize()",
)

NB_GD_COMPARE_HELPER = notebook(
    ("markdown", "## My fit against torch.optim.SGD, timed by one helper"),
    "import time\nimport torch",
    '''
    def gradient_descent_1d(df, x0, lr, eps=1e-6, max_steps=10_000):
        x, steps = float(x0), 0
        while True:
            g = df(x)
            if abs(g) < eps or steps >= max_steps:
                return x, steps
            x -= lr * g
            steps += 1


    def fit_linear_regression(x, y, lr=0.1, epochs=1000):
        w = torch.tensor(-1.0, dtype=x.dtype, device=x.device, requires_grad=True)
        b = torch.tensor(5.0, dtype=x.dtype, device=x.device, requires_grad=True)
        losses = []
        for _ in range(epochs):
            loss = ((w * x + b - y) ** 2).mean()
            losses.append(loss.item())
            loss.backward()
            with torch.no_grad():
                w -= lr * w.grad
                b -= lr * b.grad
            w.grad.zero_()
            b.grad.zero_()
        return w.item(), b.item(), losses
    ''',
    '''
    def fit_with_sgd(x, y, lr=0.1, epochs=1000):
        \"\"\"The same fit with torch's optimizer, only to compare.\"\"\"
        w = torch.tensor(-1.0, requires_grad=True)
        b = torch.tensor(5.0, requires_grad=True)
        opt = torch.optim.SGD([w, b], lr=lr)
        losses = []
        for _ in range(epochs):
            opt.zero_grad()
            loss = ((w * x + b - y) ** 2).mean()
            losses.append(loss.item())
            loss.backward()
            opt.step()
        return w.item(), b.item(), losses


    def timed(fit, x, y):
        start = time.perf_counter()
        w, b, _ = fit(x, y, epochs=100)
        return w, b, time.perf_counter() - start
    ''',
    '''
    x = torch.rand(20)
    y = 2 * x + 3
    for fit in (fit_linear_regression, fit_with_sgd):
        print(fit.__name__, timed(fit, x, y))
    ''',
)

GD_FOLDER_MAIN = '''
from optimizers import ManualSGD
from stopping import should_stop

import torch


def gradient_descent_1d(df, x0, lr, eps=1e-6, max_steps=10_000):
    x = float(x0)
    steps = 0
    while True:
        g = df(x)
        if should_stop(g, eps, steps, max_steps):
            return x, steps
        x = x - lr * g
        steps += 1


def fit_linear_regression(x, y, lr=0.1, epochs=1000):
    w = torch.tensor(-1.0, dtype=x.dtype, device=x.device, requires_grad=True)
    b = torch.tensor(5.0, dtype=x.dtype, device=x.device, requires_grad=True)
    opt = ManualSGD((w, b), lr)
    losses = []
    for _ in range(epochs):
        loss = ((w * x + b - y) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        opt.step()
        opt.zero_grad()
    return w.item(), b.item(), losses
'''

GD_FOLDER_OPTIMIZERS = '''
"""My optimizer: the update p <- p - lr * p.grad, written out."""
import torch


class ManualSGD:
    def __init__(self, params, lr):
        self.params = tuple(params)
        self.lr = lr

    def step(self):
        with torch.no_grad():
            for p in self.params:
                p.sub_(self.lr * p.grad)

    def zero_grad(self, set_to_none=True):
        for p in self.params:
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.zero_()
'''

GD_FOLDER_STOPPING = '''
def should_stop(gradient, eps, steps, max_steps):
    """Flat enough, or out of steps."""
    return abs(gradient) < eps or steps >= max_steps
'''

NB_GD_WITH_HELPER = notebook(
    "import torch\nfrom plotting import plot_losses",
    '''
    def gradient_descent_1d(df, x0, lr, eps=1e-6, max_steps=10_000):
        x = float(x0)
        for k in range(max_steps):
            g = df(x)
            if abs(g) < eps:
                return x, k
            x = x - lr * g
        return x, max_steps

    def fit_linear_regression(x, y, lr=0.1, epochs=1000):
        w = torch.tensor(-1.0, dtype=x.dtype, device=x.device, requires_grad=True)
        b = torch.tensor(5.0, dtype=x.dtype, device=x.device, requires_grad=True)
        losses = []
        for _ in range(epochs):
            loss = ((w * x + b - y) ** 2).mean()
            losses.append(loss.item())
            loss.backward()
            with torch.no_grad():
                w -= lr * w.grad
                b -= lr * b.grad
                w.grad.zero_()
                b.grad.zero_()
        return w.item(), b.item(), losses
    ''',
    '''
    x = torch.linspace(0, 1, 20)
    plot_losses(fit_linear_regression(x, 2 * x + 3, epochs=100)[2], title="lecture line")
    ''',
)

GD_PLOTTING = '''
"""Plot helpers for the labs."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def plot_losses(losses, title=""):
    fig, ax = plt.subplots()
    ax.plot(losses)
    ax.set_yscale("log")
    ax.set_title(title)
    plt.close(fig)
    return fig
'''

GRADIENT_DESCENT = [
    module("typed_numpy_floats", GD_TYPED_NUMPY),
    module("for_else_while_epochs", GD_FOR_ELSE),
    module("own_optimizer_class", GD_OWN_OPTIMIZER),
    module("autograd_grad", GD_AUTOGRAD_GRAD),
    module("nn_linear_layer", GD_NN_LINEAR),
    module("design_matrix", GD_DESIGN_MATRIX),
    module("parameters_and_history_buffer", GD_PARAMETERS_BUFFER),
    module("data_attribute_update", GD_DATA_ATTRIBUTE),
    module("optim_in_demo_only", GD_OPTIM_IN_MAIN),
    Honest("nb_typical", "ipynb", NB_GD_TYPICAL),
    Honest("nb_redefined", "ipynb", NB_GD_REDEFINED),
    Honest("nb_device_timing", "ipynb", NB_GD_DEVICE_TIMING),
    Honest("nb_compare_helper", "ipynb", NB_GD_COMPARE_HELPER),
    folder(
        "folder_own_optimizer",
        {"gradient_descent.py": GD_FOLDER_MAIN, "optimizers.py": GD_FOLDER_OPTIMIZERS, "stopping.py": GD_FOLDER_STOPPING},
    ),
    folder("folder_notebook_plotting", {"lab3.ipynb": NB_GD_WITH_HELPER, "plotting.py": GD_PLOTTING}),
]

# 04_mlp ------------------------------------------------------------------------

MLP_TYPED_DATALOADER = '''
\"\"\"Lab 4: an MLP, its training loop (DataLoader over a TensorDataset) and predictions.\"\"\"

from __future__ import annotations

from typing import List, Optional, Union

import torch
from torch import Tensor, nn
from torch.utils.data import DataLoader, TensorDataset

Device = Union[str, torch.device]


class MLP(nn.Module):
    \"\"\"input -> Linear -> ReLU -> Linear -> logits.\"\"\"

    def __init__(self, input_dim: int, hidden_dim: int, output_dim: int) -> None:
        super().__init__()
        self.linear1: nn.Linear = nn.Linear(input_dim, hidden_dim)
        self.activation: nn.Module = nn.ReLU()
        self.linear2: nn.Linear = nn.Linear(hidden_dim, output_dim)

    def forward(self, x: Tensor) -> Tensor:
        return self.linear2(self.activation(self.linear1(x)))


def _device(device: Optional[Device]) -> torch.device:
    return torch.device(device) if device is not None else torch.device("cuda" if torch.cuda.is_available() else "cpu")


def train_classifier(
    model: nn.Module,
    X: Tensor,
    y: Tensor,
    epochs: int = 200,
    lr: float = 0.1,
    batch_size: Optional[int] = None,
    device: Optional[Device] = None,
    seed: int = 0,
) -> List[float]:
    \"\"\"SGD on the cross-entropy; returns the size-weighted mean loss of every epoch.\"\"\"
    dev = _device(device)
    model.to(dev)
    dataset = TensorDataset(X.to(dev), y.to(dev))
    loader = DataLoader(
        dataset,
        batch_size=batch_size or len(dataset),
        shuffle=batch_size is not None,
        drop_last=False,
        generator=torch.Generator().manual_seed(seed),
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    criterion = nn.CrossEntropyLoss()
    model.train()
    history: List[float] = []
    for _ in range(epochs):
        total = 0.0
        for xb, yb in loader:
            optimizer.zero_grad(set_to_none=True)
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * xb.size(0)
        history.append(total / len(dataset))
    return history


@torch.no_grad()
def predict(model: nn.Module, X: Tensor) -> Tensor:
    \"\"\"Class indices, computed in eval mode; the model's mode is put back afterwards.\"\"\"
    was_training = model.training
    model.eval()
    try:
        return model(X).argmax(dim=1)
    finally:
        model.train(was_training)
'''

MLP_OLD_SUPER_EXTRAS = '''
import statistics

import torch
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        super(MLP, self).__init__()
        self.input_dim = input_dim
        self.hidden_dim = hidden_dim
        self.output_dim = output_dim
        self.linear1 = nn.Linear(input_dim, hidden_dim)
        self.activation = nn.ReLU()
        self.linear2 = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        hidden = self.activation(self.linear1(x))
        logits = self.linear2(hidden)
        return logits

    def num_parameters(self):
        return sum(p.numel() for p in self.parameters())

    def predict_proba(self, x):
        with torch.no_grad():
            return torch.softmax(self(x), dim=1)

    def __repr__(self):
        return f"MLP({self.input_dim} -> {self.hidden_dim} -> {self.output_dim}, {self.num_parameters()} parameters)"


def train_classifier(model, X, y, epochs=200, lr=0.1, batch_size=None, device=None, seed=0):
    if device is None:
        device = torch.device("cuda:0") if torch.cuda.is_available() else torch.device("cpu")
    model = model.to(device)
    X = X.to(device)
    y = y.to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator()
    gen.manual_seed(seed)
    n = X.shape[0]
    epoch_losses = []
    for epoch in range(epochs):
        if batch_size is None:
            index_batches = [None]
        else:
            perm = torch.randperm(n, generator=gen)
            index_batches = [perm[start:start + batch_size] for start in range(0, n, batch_size)]
        batch_losses = []
        for idx in index_batches:
            xb, yb = (X, y) if idx is None else (X[idx.to(device)], y[idx.to(device)])
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            batch_losses.append(loss.item())
        epoch_losses.append(statistics.mean(batch_losses))
    return epoch_losses


def predict(model, X):
    was_training = model.training
    model.eval()
    with torch.inference_mode():
        scores = model(X)
    model.train(was_training)
    return scores.argmax(dim=1)
'''

MLP_FUNCTIONAL = '''
# Lab 4 -- F.relu in forward (self.activation is kept, as the assignment asks), F.cross_entropy in training.
import torch
import torch.nn as nn
import torch.nn.functional as F


class MLP(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        self.linear1 = nn.Linear(input_dim, hidden_dim)
        self.activation = nn.ReLU()
        self.linear2 = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        return self.linear2(F.relu(self.linear1(x)))


def train_classifier(model, X, y, epochs=200, lr=0.1, batch_size=None, device=None, seed=0):
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    model.to(device)
    X, y = X.to(device), y.to(device)
    g = torch.Generator().manual_seed(seed)
    losses = []
    for epoch in range(epochs):
        # a fresh optimizer every epoch: plain SGD keeps no state, so this is the same update
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        if batch_size is None:
            batches = [(X, y)]
        else:
            order = torch.randperm(len(X), generator=g).to(device)
            batches = [(X[order[i:i + batch_size]], y[order[i:i + batch_size]]) for i in range(0, len(X), batch_size)]
        epoch_loss, seen = 0.0, 0
        for xb, yb in batches:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
            epoch_loss += loss.item() * len(yb)
            seen += len(yb)
        losses.append(epoch_loss / seen)
    return losses


def predict(model, X):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        scores = model(X)
    if was_training:
        model.train()
    return torch.max(scores, dim=1)[1]
'''

MLP_WHILE_NUMPY = '''
import numpy as np
import torch
from torch import nn


class MLP(nn.Module):
    \"\"\"Two linear layers with a ReLU between them; the output stays raw (logits).\"\"\"

    def __init__(self, input_dim: int, hidden_dim: int, output_dim: int):
        super().__init__()
        self.linear1 = nn.Linear(input_dim, hidden_dim)
        self.activation = nn.ReLU(inplace=True)
        self.linear2 = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        out = self.linear1(x)
        out = self.activation(out)
        return self.linear2(out)


def train_classifier(model, X, y, epochs=200, lr=0.1, batch_size=None, device=None, seed=0):
    if device is None:
        device = torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")
    model.to(device)
    X = X.to(device)
    y = y.to(device)
    n = len(X)
    step = n if batch_size is None else batch_size
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    criterion = torch.nn.CrossEntropyLoss()
    rng = torch.Generator().manual_seed(seed)
    history = []
    for _ in range(epochs):
        order = torch.arange(n) if batch_size is None else torch.randperm(n, generator=rng)
        batch_losses = []
        start = 0
        while start < n:
            rows = order[start:start + step].to(device)
            opt.zero_grad()
            loss = criterion(model(X[rows]), y[rows])
            loss.backward()
            opt.step()
            batch_losses.append(loss.item())
            start += step
        history.append(float(np.mean(batch_losses)))
    return history


@torch.inference_mode()
def predict(model, X):
    was_training = model.training
    model.eval()
    try:
        return model(X).argmax(dim=-1)
    finally:
        model.train(mode=was_training)
'''

MLP_TRAINER_CLASS = '''
\"\"\"A small Trainer object does the work; train_classifier is a thin wrapper around it.\"\"\"
import math

import torch
from torch import nn


class MLP(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        self.linear1 = nn.Linear(input_dim, hidden_dim)
        self.activation = nn.ReLU()
        self.linear2 = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        return self.linear2(self.activation(self.linear1(x)))


class Trainer:
    def __init__(self, model, lr, device, seed):
        self.device = device
        self.model = model.to(device)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=lr)
        self.loss_fn = nn.CrossEntropyLoss()
        self.generator = torch.Generator().manual_seed(seed)

    def _batches(self, X, y, batch_size):
        if batch_size is None:
            yield X, y
            return
        order = torch.randperm(len(X), generator=self.generator).to(self.device)
        for b in range(math.ceil(len(X) / batch_size)):
            rows = order[b * batch_size:(b + 1) * batch_size]
            yield X[rows], y[rows]

    def _step(self, xb, yb):
        self.optimizer.zero_grad()
        loss = self.loss_fn(self.model(xb), yb)
        loss.backward()
        self.optimizer.step()
        return loss.detach() * len(xb)

    def fit(self, X, y, epochs, batch_size):
        X, y = X.to(self.device), y.to(self.device)
        history = []
        for _ in range(epochs):
            total = torch.zeros((), device=self.device)
            for xb, yb in self._batches(X, y, batch_size):
                total += self._step(xb, yb)
            history.append((total / len(X)).item())
        return history


def train_classifier(model, X, y, epochs=200, lr=0.1, batch_size=None, device=None, seed=0):
    if device is None:
        device = "cuda" if torch.cuda.device_count() > 0 else "cpu"
    return Trainer(model, lr, device, seed).fit(X, y, epochs, batch_size)


def predict(model, X):
    mode = model.training
    model.eval()
    with torch.no_grad():
        labels = model(X).argmax(1).long()
    model.train(mode)
    return labels
'''

MLP_IMPORTED_NAMES = '''
import torch
from torch.nn import CrossEntropyLoss, Linear, Module, ReLU
from torch.nn.functional import softmax
from torch.optim import SGD

if torch.cuda.is_available():
    DEFAULT_DEVICE = "cuda"
elif torch.backends.mps.is_available():
    DEFAULT_DEVICE = "mps"
else:
    DEFAULT_DEVICE = "cpu"


class MLP(Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        self.linear1 = Linear(input_dim, hidden_dim)
        self.activation = ReLU()
        self.linear2 = Linear(hidden_dim, output_dim)

    def forward(self, x):
        return self.linear2(self.activation(self.linear1(x)))


def train_classifier(model, X, y, epochs=200, lr=0.1, batch_size=None, device=None, seed=0):
    device = DEFAULT_DEVICE if device is None else device
    model.to(device)
    X, y = X.to(device), y.to(device)
    opt = SGD(model.parameters(), lr=lr)
    loss_fn = CrossEntropyLoss()
    generator = torch.Generator().manual_seed(seed)
    history = []
    for _ in range(epochs):
        if batch_size is None:
            chunks = (torch.arange(len(X), device=X.device),)
        else:
            chunks = torch.split(torch.randperm(len(X), generator=generator).to(device), batch_size)
        losses, sizes = [], []
        for rows in chunks:
            opt.zero_grad()
            loss = loss_fn(model(X.index_select(0, rows)), y.index_select(0, rows))
            loss.backward()
            opt.step()
            losses.append(loss.item())
            sizes.append(len(rows))
        history.append(sum(l * s for l, s in zip(losses, sizes)) / sum(sizes))
    return history


def predict(model, X):
    training = model.training
    model.eval()
    with torch.no_grad():
        probabilities = softmax(model(X), dim=1)
    model.train(training)
    return probabilities.argmax(dim=1)
'''

MLP_CONSTANTS_MAIN = '''
\"\"\"Lab 4. Run this file to train on four blobs and plot the loss.\"\"\"
import torch
import torch.nn as nn

DEFAULT_EPOCHS = 200
DEFAULT_LR = 0.1
PRINT_EVERY = 50


def get_device():
    return "cuda" if torch.cuda.is_available() else "cpu"


class MLP(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        self.linear1 = nn.Linear(input_dim, hidden_dim)
        self.activation = nn.ReLU()
        self.linear2 = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        return self.linear2(self.activation(self.linear1(x)))


def train_classifier(model, X, y, epochs=DEFAULT_EPOCHS, lr=DEFAULT_LR, batch_size=None, device=None, seed=0, verbose=False):
    device = get_device() if device is None else device
    model = model.to(device)
    inputs, targets = X.to(device), y.to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    criterion = nn.CrossEntropyLoss()
    shuffle_gen = torch.Generator().manual_seed(seed)
    n = inputs.size(0)
    size = batch_size if batch_size is not None else n
    losses = []
    for epoch in range(1, epochs + 1):
        perm = torch.randperm(n, generator=shuffle_gen).to(device) if batch_size is not None else None
        running = 0.0
        for first in range(0, n, size):
            if perm is None:
                xb, yb = inputs, targets
            else:
                xb, yb = inputs[perm[first:first + size]], targets[perm[first:first + size]]
            optimizer.zero_grad()
            out = model(xb)
            loss = criterion(out, yb)
            loss.backward()
            optimizer.step()
            running += loss.item() * yb.numel()
        losses.append(running / n)
        if verbose and epoch % PRINT_EVERY == 0:
            print(f"epoch {epoch}/{epochs}: {losses[-1]:.4f}")
    return losses


def predict(model, X):
    state = model.training
    model.eval()
    with torch.no_grad():
        out = model(X)
    model.train(state)
    return out.argmax(1)


if __name__ == "__main__":
    import matplotlib.pyplot as plt

    torch.manual_seed(0)
    centres = torch.tensor([[-2.0, -2.0], [2.0, -2.0], [-2.0, 2.0], [2.0, 2.0]])
    X = torch.cat([c + 0.6 * torch.randn(50, 2) for c in centres])
    y = torch.arange(4).repeat_interleave(50)
    net = MLP(2, 16, 4)
    history = train_classifier(net, X, y, batch_size=32, verbose=True)
    print("accuracy", (predict(net, X.to(get_device())).cpu() == y).float().mean().item())
    plt.plot(history)
    plt.show()
'''

MLP_MONITOR_ACCURACY = '''
import torch
from torch import nn

LAST_RUN = {"accuracy": [], "device": None}


class MLP(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        self.linear1 = nn.Linear(input_dim, hidden_dim)
        self.activation = nn.ReLU()
        self.linear2 = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        return self.linear2(self.activation(self.linear1(x)))


def _accuracy(model, X, y):
    \"\"\"Training accuracy, measured without touching the training (eval mode, no graph).\"\"\"
    model.eval()
    with torch.no_grad():
        acc = (model(X).argmax(dim=1) == y).float().mean().item()
    model.train()
    return acc


def train_classifier(model, X, y, epochs=200, lr=0.1, batch_size=None, device=None, seed=0):
    use_cuda = torch.cuda.is_available()
    device = device if device is not None else torch.device("cuda" if use_cuda else "cpu")
    model.to(device)
    X, y = X.to(device), y.to(device)
    LAST_RUN["device"] = str(device)
    LAST_RUN["accuracy"].clear()
    sgd = torch.optim.SGD(model.parameters(), lr=lr)
    cross_entropy = nn.CrossEntropyLoss()
    generator = torch.Generator()
    generator.manual_seed(seed)
    model.train()
    losses = []
    for _ in range(epochs):
        perm = torch.randperm(len(X), generator=generator).to(device) if batch_size else None
        parts = [(X, y)] if perm is None else [(X[p], y[p]) for p in perm.split(batch_size)]
        batch_losses = []
        for xb, yb in parts:
            sgd.zero_grad()
            loss = cross_entropy(model(xb), yb)
            loss.backward()
            sgd.step()
            batch_losses.append(loss.item())
        losses.append(sum(batch_losses) / len(batch_losses))
        LAST_RUN["accuracy"].append(_accuracy(model, X, y))
    return losses


def predict(model, X):
    before = model.training
    model.eval()
    with torch.no_grad():
        result = model(X).argmax(dim=1)
    model.train(before)
    return result
'''

MLP_ZERO_GRAD_AFTER = '''
# zero_grad once before training and after every step: the same as before every backward.
import torch
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        self.linear1 = nn.Linear(in_features=input_dim, out_features=hidden_dim)
        self.activation = nn.ReLU()
        self.linear2 = nn.Linear(in_features=hidden_dim, out_features=output_dim)

    def forward(self, x):
        x = self.linear1(x)
        x = self.activation(x)
        return self.linear2(x)


def train_classifier(model, X, y, epochs=200, lr=0.1, batch_size=None, device=None, seed=0):
    if device is None:
        device = "cpu"
        if torch.cuda.is_available():
            device = "cuda"
    model.to(device)
    X = X.to(device)
    y = y.to(device)
    n = len(y)
    g = torch.Generator()
    g.manual_seed(seed)
    optimizer = torch.optim.SGD(params=model.parameters(), lr=lr)
    loss_function = nn.CrossEntropyLoss(reduction="mean")
    optimizer.zero_grad()
    all_losses = []
    for epoch in range(epochs):
        if batch_size is None:
            index_lists = [torch.arange(n, device=X.device)]
        else:
            shuffled = torch.randperm(n, generator=g, device="cpu")
            index_lists = list(shuffled.to(device).split(batch_size))
        total = 0.0
        for idx in index_lists:
            loss = loss_function(model(X[idx]), y[idx])
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            total += loss.item() * idx.numel()
        all_losses.append(total / n)
    return all_losses


def predict(model, X):
    training_before = model.training
    model.train(False)
    with torch.no_grad():
        logits = model(X)
    model.train(training_before)
    return logits.argmax(dim=1).to(X.device)
'''

MLP_CLOSURE_ONE_PATH = '''
"""Mini-batch code for every case (full batch is one batch of all rows), SGD steps through a closure."""
import torch
from torch import nn


class MLP(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        self.linear1 = nn.Linear(input_dim, hidden_dim)
        self.activation = nn.ReLU()
        self.linear2 = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        return self.linear2(self.activation(self.linear1(x)))


def train_classifier(model, X, y, epochs=200, lr=0.1, batch_size=None, device=None, seed=0):
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    model.to(device)
    X, y = X.to(device), y.to(device)
    n = len(X)
    batch_size = batch_size or n
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(seed)
    model.train()
    history = []
    for epoch in range(epochs):
        order = torch.randperm(n, generator=g).to(device)
        average = 0.0
        for i, start in enumerate(range(0, n, batch_size)):
            rows = order[start:start + batch_size]

            def closure():
                optimizer.zero_grad()
                batch_loss = loss_fn(model(X[rows]), y[rows])
                batch_loss.backward()
                return batch_loss

            loss = optimizer.step(closure)
            average += (loss.item() - average) / (i + 1)
        history.append(average)
    model.eval()
    return history


def predict(model, X):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        out = model(X)
    model.train(was_training)
    return out.argmax(1)
'''



NB_MLP_COLAB = colab(
    """
    %%capture
    !pip install torchinfo
    import torch
    import torch.nn as nn
    import matplotlib.pyplot as plt
    """,
    """
    try:
        from google.colab import drive
        drive.mount('/content/drive')
    except ImportError:
        pass
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    """,
    """
    class MLP(nn.Module):
        def __init__(self, input_dim, hidden_dim, output_dim):
            super().__init__()
            self.linear1 = nn.Linear(input_dim, hidden_dim)
            self.activation = nn.ReLU()
            self.linear2 = nn.Linear(hidden_dim, output_dim)

        def forward(self, x):
            return self.linear2(self.activation(self.linear1(x)))


    def train_classifier(model, X, y, epochs=200, lr=0.1, batch_size=None, device=None, seed=0):
        if device is None:
            device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
        model.to(device)
        X = X.to(device)
        y = y.to(device)
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        criterion = nn.CrossEntropyLoss()
        generator = torch.Generator().manual_seed(seed)
        losses = []
        for epoch in range(epochs):
            if batch_size is None:
                optimizer.zero_grad()
                loss = criterion(model(X), y)
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
            else:
                permutation = torch.randperm(X.size(0), generator=generator).to(device)
                running_loss = 0.0
                for i in range(0, X.size(0), batch_size):
                    indices = permutation[i:i + batch_size]
                    optimizer.zero_grad()
                    loss = criterion(model(X[indices]), y[indices])
                    loss.backward()
                    optimizer.step()
                    running_loss += loss.item() * indices.size(0)
                losses.append(running_loss / X.size(0))
        return losses


    def predict(model, X):
        was_training = model.training
        model.eval()
        with torch.no_grad():
            outputs = model(X)
            _, predicted = torch.max(outputs.data, 1)
        model.train(was_training)
        return predicted
    """,
    """
    %%capture train_log
    torch.manual_seed(0)
    X_train = torch.randn(200, 2)
    y_train = (X_train[:, 0] * X_train[:, 1] > 0).long()
    net = MLP(2, 32, 2).to(device)
    history = train_classifier(net, X_train, y_train, epochs=50, lr=0.5, batch_size=32)
    print(history[-1])
    """,
    "plt.plot(history); plt.title('loss'); plt.show()",
)

MLP_ZIP_MAIN = """
import torch
from torch import nn


class MLP(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        self.linear1 = nn.Linear(input_dim, hidden_dim)
        self.activation = nn.ReLU()
        self.linear2 = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        return self.linear2(self.activation(self.linear1(x)))


def train_classifier(model, X, y, epochs=200, lr=0.1, batch_size=None, device=None, seed=0):
    device = device if device is not None else ("cuda" if torch.cuda.is_available() else "cpu")
    model.to(device)
    X, y = X.to(device), y.to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(seed)
    history = []
    for _ in range(epochs):
        if batch_size is None:
            groups = [torch.arange(len(X), device=X.device)]
        else:
            groups = torch.randperm(len(X), generator=generator).to(X.device).split(batch_size)
        losses = []
        for rows in groups:
            optimizer.zero_grad()
            loss = loss_fn(model(X[rows]), y[rows])
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        history.append(sum(losses) / len(losses))
    return history


def predict(model, X):
    mode = model.training
    model.eval()
    with torch.no_grad():
        classes = model(X).argmax(dim=1)
    model.train(mode)
    return classes
"""

NB_MLP_OLD_CHECKPOINT = notebook(
    "import torch\nfrom torch import nn",
    """
    class MLP(nn.Module):
        def __init__(self, input_dim, hidden_dim, output_dim):
            super().__init__()
            self.fc = nn.Linear(input_dim, output_dim)

        def forward(self, x):
            return torch.softmax(self.fc(x), dim=1)
    """,
)

NB_MLP_TYPICAL = notebook(
    ("markdown", "# Lab 4: MLP classifier\nFrank, group A"),
    "%matplotlib inline\n!pip install torchinfo --quiet\n%load_ext autoreload",
    '''
    import numpy as np
    import matplotlib.pyplot as plt
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    torch.manual_seed(0)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    print("device:", device)
    ''',
    ("markdown", "## The model"),
    '''
    class MLP(nn.Module):
        def __init__(self, input_dim, hidden_dim, output_dim):
            super().__init__()
            self.linear1 = nn.Linear(input_dim, hidden_dim)
            self.activation = nn.ReLU()
            self.linear2 = nn.Linear(hidden_dim, output_dim)

        def forward(self, x):
            return self.linear2(self.activation(self.linear1(x)))

    net = MLP(2, 4, 3)
    print(net)
    print(sum(p.numel() for p in net.parameters()))
    ''',
    "net(torch.randn(3, 5))  # wrong input size on purpose: shows the error",
    ("markdown", "## Training"),
    '''
    def train_classifier(model, X, y, epochs=200, lr=0.1, batch_size=None, device=None, seed=0):
        if device is None:
            device = "cuda" if torch.cuda.is_available() else "cpu"
        model.to(device)
        X, y = X.to(device), y.to(device)
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        loss_fn = nn.CrossEntropyLoss()
        gen = torch.Generator().manual_seed(seed)
        history = []
        for epoch in range(epochs):
            if batch_size is None:
                optimizer.zero_grad()
                loss = loss_fn(model(X), y)
                loss.backward()
                optimizer.step()
                history.append(loss.item())
            else:
                perm = torch.randperm(X.shape[0], generator=gen).to(device)
                total = 0.0
                for i in range(0, X.shape[0], batch_size):
                    idx = perm[i:i + batch_size]
                    optimizer.zero_grad()
                    loss = loss_fn(model(X[idx]), y[idx])
                    loss.backward()
                    optimizer.step()
                    total += loss.item() * len(idx)
                history.append(total / X.shape[0])
        return history
    ''',
    '''
    %%time
    centres = torch.tensor([[-2.0, -2.0], [2.0, -2.0], [-2.0, 2.0], [2.0, 2.0]])
    X = torch.cat([c + 0.6 * torch.randn(30, 2) for c in centres])
    y = torch.arange(4).repeat_interleave(30)
    model = MLP(2, 16, 4)
    losses = train_classifier(model, X, y, epochs=40, lr=0.5, batch_size=16)
    plt.plot(losses)
    plt.xlabel("epoch")
    plt.show()
    ''',
    ("markdown", "## Predictions"),
    '''
    def predict(model, X):
        was_training = model.training
        model.eval()
        with torch.no_grad():
            scores = model(X)
        model.train(was_training)
        return scores.argmax(dim=1)

    acc = (predict(model, X.to(device)).cpu() == y).float().mean()
    print(f"accuracy {acc:.2%}")
    xx, yy = np.meshgrid(np.linspace(-4, 4, 50), np.linspace(-4, 4, 50))
    grid = torch.tensor(np.c_[xx.ravel(), yy.ravel()], dtype=torch.float32)
    plt.contourf(xx, yy, predict(model, grid.to(device)).cpu().numpy().reshape(xx.shape), alpha=0.3)
    plt.scatter(X[:, 0], X[:, 1], c=y)
    plt.show()
    ''',
)

NB_MLP_REDEFINED = notebook(
    "import torch\nfrom torch import nn",
    ("markdown", "First try with nn.Sequential (the grader wants named layers, so I changed it below)"),
    '''
    class MLP(nn.Module):
        def __init__(self, input_dim, hidden_dim, output_dim):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(input_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, output_dim))

        def forward(self, x):
            return self.net(x)
    ''',
    '''
    class MLP(nn.Module):
        def __init__(self, input_dim, hidden_dim, output_dim):
            super().__init__()
            self.linear1 = nn.Linear(input_dim, hidden_dim)
            self.activation = nn.ReLU()
            self.linear2 = nn.Linear(hidden_dim, output_dim)

        def forward(self, x):
            return self.linear2(self.activation(self.linear1(x)))
    ''',
    '''
    def train_classifier(model, X, y, epochs=200, lr=0.1, batch_size=None, device=None, seed=0):
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        losses = []
        for _ in range(epochs):
            opt.zero_grad()
            loss = nn.CrossEntropyLoss()(model(X), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses   # TODO batches and device
    ''',
    '''
    def predict(model, X):
        return model(X).argmax(1)
    ''',
    '''
    X = torch.randn(40, 2)
    y = (X[:, 0] > 0).long() + 2 * (X[:, 1] > 0).long()
    m = MLP(2, 8, 4)
    print(train_classifier(m, X, y, epochs=5)[-1], predict(m, X)[:5])
    ''',
    ("markdown", "### Final versions"),
    '''
    def train_classifier(model, X, y, epochs=200, lr=0.1, batch_size=None, device=None, seed=0):
        device = torch.device(device if device is not None else ("cuda" if torch.cuda.is_available() else "cpu"))
        model.to(device)
        X, y = X.to(device), y.to(device)
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        loss_fn = nn.CrossEntropyLoss()
        g = torch.Generator().manual_seed(seed)
        losses = []
        for _ in range(epochs):
            if batch_size is None:
                batches = [torch.arange(len(X), device=device)]
            else:
                batches = torch.randperm(len(X), generator=g).to(device).split(batch_size)
            epoch_losses = []
            for b in batches:
                opt.zero_grad()
                loss = loss_fn(model(X[b]), y[b])
                loss.backward()
                opt.step()
                epoch_losses.append(loss.item())
            losses.append(sum(epoch_losses) / len(epoch_losses))
        return losses


    def predict(model, X):
        was_training = model.training
        model.eval()
        with torch.no_grad():
            out = model(X).argmax(1)
        model.train(was_training)
        return out
    ''',
    "print(predict(m, X)[:5], m.training)",
)

NB_MLP_GRID_SEARCH = notebook(
    ("markdown", "## Lab 4 with a small grid search over the learning rate and the hidden size"),
    '''
    import itertools
    import pandas as pd
    import torch
    import torch.nn as nn
    from IPython.display import display
    torch.backends.cudnn.deterministic = True
    ''',
    '''
    class MLP(nn.Module):
        def __init__(self, input_dim, hidden_dim, output_dim):
            super().__init__()
            self.linear1 = nn.Linear(input_dim, hidden_dim)
            self.activation = nn.ReLU()
            self.linear2 = nn.Linear(hidden_dim, output_dim)

        def forward(self, x):
            return self.linear2(self.activation(self.linear1(x)))


    def train_classifier(model, X, y, epochs=200, lr=0.1, batch_size=None, device=None, seed=0):
        if device is None:
            device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        model.to(device)
        X, y = X.to(device), y.to(device)
        optimizer = torch.optim.SGD(model.parameters(), lr)
        loss_fn = nn.CrossEntropyLoss()
        generator = torch.Generator().manual_seed(seed)
        bs = len(X) if batch_size is None else batch_size
        history = []
        for epoch in range(epochs):
            order = torch.randperm(len(X), generator=generator).to(device) if batch_size else torch.arange(len(X)).to(device)
            weighted = 0.0
            for start in range(0, len(X), bs):
                rows = order[start:start + bs]
                optimizer.zero_grad()
                loss = loss_fn(model(X[rows]), y[rows])
                loss.backward()
                optimizer.step()
                weighted += loss.item() * len(rows)
            history.append(weighted / len(X))
        return history


    def predict(model, X):
        mode = model.training
        model.eval()
        with torch.no_grad():
            predictions = torch.argmax(model(X), dim=1)
        model.train(mode)
        return predictions
    ''',
    '''
    torch.manual_seed(1)
    X = torch.randn(60, 2) * 2
    y = ((X[:, 0] > 0).long() * 2 + (X[:, 1] > 0).long())
    rows = []
    for lr, hidden in itertools.product([0.05, 0.5], [4, 16]):
        m = MLP(2, hidden, 4)
        h = train_classifier(m, X, y, epochs=20, lr=lr, batch_size=20, seed=0)
        rows.append({"lr": lr, "hidden": hidden, "final loss": h[-1], "accuracy": (predict(m, X) == y.to(next(m.parameters()).device)).float().mean().item()})
    results = pd.DataFrame(rows).sort_values("accuracy", ascending=False)
    display(results)
    results
    ''',
)

MLP_PKG_MAIN = '''
from mlplab.data import batches_for_epoch
from mlplab.devices import choose_device
from mlplab.models import MLP

import torch
from torch import nn

__all__ = ["MLP", "train_classifier", "predict"]


def train_classifier(model, X, y, epochs=200, lr=0.1, batch_size=None, device=None, seed=0):
    device = choose_device(device)
    model.to(device)
    X, y = X.to(device), y.to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    criterion = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(seed)
    history = []
    for _ in range(epochs):
        weighted, count = 0.0, 0
        for xb, yb in batches_for_epoch(X, y, batch_size, generator):
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
            weighted += loss.item() * len(xb)
            count += len(xb)
        history.append(weighted / count)
    return history


def predict(model, X):
    previous = model.training
    model.eval()
    with torch.no_grad():
        classes = model(X).argmax(dim=1)
    model.train(previous)
    return classes
'''

MLP_PKG_MODELS = '''
from torch import nn


class MLP(nn.Module):
    \"\"\"The lab's network: linear1 -> activation -> linear2.\"\"\"

    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        self.linear1 = nn.Linear(input_dim, hidden_dim)
        self.activation = nn.ReLU()
        self.linear2 = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        return self.linear2(self.activation(self.linear1(x)))
'''

MLP_PKG_DATA = '''
import torch


def batches_for_epoch(X, y, batch_size, generator):
    \"\"\"The whole set once, or a fresh shuffle cut into batches of batch_size rows.\"\"\"
    if batch_size is None:
        return [(X, y)]
    order = torch.randperm(len(X), generator=generator).to(X.device)
    return [(X[rows], y[rows]) for rows in torch.split(order, batch_size)]
'''

MLP_PKG_DEVICES = '''
import torch


def choose_device(device=None):
    if device is not None:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
'''

NB_MLP_IMPORTS_MODEL = notebook(
    "%matplotlib inline\nimport torch\nfrom torch import nn\nfrom models import MLP\nfrom utils import pick_device",
    ("markdown", "The model class lives in models.py; the training loop and predict are here."),
    '''
    def train_classifier(model, X, y, epochs=200, lr=0.1, batch_size=None, device=None, seed=0):
        device = pick_device(device)
        model = model.to(device)
        X, y = X.to(device), y.to(device)
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        ce = nn.CrossEntropyLoss()
        g = torch.Generator().manual_seed(seed)
        out = []
        for _ in range(epochs):
            if batch_size is None:
                opt.zero_grad()
                loss = ce(model(X), y)
                loss.backward()
                opt.step()
                out.append(loss.item())
                continue
            perm = torch.randperm(len(X), generator=g).to(device)
            ls = []
            for i in range(0, len(X), batch_size):
                sel = perm[i:i + batch_size]
                opt.zero_grad()
                loss = ce(model(X[sel]), y[sel])
                loss.backward()
                opt.step()
                ls.append(loss.item())
            out.append(sum(ls) / len(ls))
        return out

    def predict(model, X):
        was = model.training
        model.eval()
        with torch.no_grad():
            p = model(X).argmax(1)
        model.train(was)
        return p
    ''',
    "net = MLP(2, 8, 3)\nprint(train_classifier(net, torch.randn(9, 2), torch.tensor([0, 1, 2] * 3), epochs=3))",
)

MLP_NB_MODELS = '''
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        self.linear1 = nn.Linear(input_dim, hidden_dim)
        self.activation = nn.ReLU()
        self.linear2 = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        return self.linear2(self.activation(self.linear1(x)))
'''

MLP_NB_UTILS = '''
import torch


def pick_device(device=None):
    \"\"\"The device to train on: the one asked for, else the GPU when there is one.\"\"\"
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    return device
'''

MLP = [
    module("typed_dataloader", MLP_TYPED_DATALOADER),
    module("old_super_and_extras", MLP_OLD_SUPER_EXTRAS),
    module("functional_relu_fresh_optimizer", MLP_FUNCTIONAL),
    module("while_batches_numpy_mean", MLP_WHILE_NUMPY),
    module("trainer_class", MLP_TRAINER_CLASS),
    module("imported_names_mps", MLP_IMPORTED_NAMES),
    module("constants_and_main", MLP_CONSTANTS_MAIN),
    module("monitors_accuracy", MLP_MONITOR_ACCURACY),
    module("zero_grad_after_step", MLP_ZERO_GRAD_AFTER),
    module("closure_one_batch_path", MLP_CLOSURE_ONE_PATH),
    Honest("nb_typical", "ipynb", NB_MLP_TYPICAL),
    Honest("nb_redefined", "ipynb", NB_MLP_REDEFINED),
    Honest("nb_grid_search", "ipynb", NB_MLP_GRID_SEARCH),
    Honest("nb_colab_capture", "ipynb", NB_MLP_COLAB),
    folder(
        "folder_package",
        {
            "mlp.py": MLP_PKG_MAIN,
            "mlplab/__init__.py": "",
            "mlplab/models.py": MLP_PKG_MODELS,
            "mlplab/data.py": MLP_PKG_DATA,
            "mlplab/devices.py": MLP_PKG_DEVICES,
        },
    ),
    folder("folder_notebook_imports_model", {"lab4.ipynb": NB_MLP_IMPORTS_MODEL, "models.py": MLP_NB_MODELS, "utils.py": MLP_NB_UTILS}),
    folder(
        "folder_unzipped_leftovers",
        {
            "lab4/mlp.py": MLP_ZIP_MAIN,
            "lab4/README.md": "# Lab 4\nRun `python mlp.py`.\n",
            "lab4/data/blobs.csv": "x0,x1,label\n-2.1,-1.9,0\n2.0,-2.2,1\n",
            "lab4/.ipynb_checkpoints/mlp-checkpoint.ipynb": NB_MLP_OLD_CHECKPOINT,
            "__MACOSX/lab4/._mlp.py": "\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        ",
        },
    ),
]

CORPORA: dict[str, list[Honest]] = {"01_calculus": CALCULUS, "03_gradient_descent": GRADIENT_DESCENT, "04_mlp": MLP}


def corpus(assignment: str) -> list[Honest]:
    """The honest submissions of `assignment`."""
    return CORPORA[assignment]
