"""Toy data and known-good models, shared by the public and the hidden tests of 04_mlp.

`train_classifier` and `predict` are tested on a model built from torch's own
layers (`known`), never on the student's `MLP`: a broken `MLP` costs the
points of `MLP` only. The test keeps a trusted copy of that model with the
same initial weights, to compute what the student's code should give.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

import pytest
import torch
from torch import nn

from autograder.testing import build_layers, known_model

LAYERS = (("Linear", 2, 16), ("ReLU",), ("Linear", 16, 4))
"""A 2-16-4 network: the shape of the MLP the exercises ask for, in plain torch layers."""

CENTRES = torch.tensor([[-2.0, -2.0], [2.0, -2.0], [-2.0, 2.0], [2.0, 2.0]])


def make_blobs(per_class: int = 20, seed: int = 0, spread: float = 0.6) -> tuple[torch.Tensor, torch.Tensor]:
    """Four Gaussian blobs around (+-2, +-2), one class each: X (4 * per_class, 2) float32, y int64."""
    generator = torch.Generator().manual_seed(seed)
    X = torch.cat([centre + spread * torch.randn(per_class, 2, generator=generator) for centre in CENTRES])
    y = torch.arange(4).repeat_interleave(per_class)
    order = torch.randperm(len(y), generator=generator)
    return X[order], y[order]


def accuracy_of(state_dict: dict[str, torch.Tensor], X: torch.Tensor, y: torch.Tensor, layers: Any = LAYERS) -> float:
    """The accuracy of the weights `state_dict` on (X, y), computed here with a trusted copy of the model."""
    model = build_layers(layers, {k: v.detach().cpu() for k, v in state_dict.items()})
    with torch.inference_mode():
        return (model(X.cpu()).argmax(dim=1) == y.cpu()).double().mean().item()


def clear_classes(model: nn.Module, X: torch.Tensor, margin: float = 1e-3) -> tuple[torch.Tensor, torch.Tensor]:
    """The rows of X whose best score beats the second by `margin`, and their classes under `model` in eval mode.

    Near-ties are left out: there, rounding (or an honest argmax of softmax
    probabilities) may pick the other class.
    """
    with torch.inference_mode():
        scores = copy.deepcopy(model).eval()(X)
    top2 = scores.topk(2, dim=1).values
    keep = (top2[:, 0] - top2[:, 1]) > margin
    return X[keep], scores[keep].argmax(dim=1)


@pytest.fixture
def classes() -> Callable[..., tuple[torch.Tensor, torch.Tensor]]:
    """classes(model, X) -> (X_kept, expected): the trusted model's predictions, without near-ties."""
    return clear_classes


@pytest.fixture
def blobs() -> Callable[..., tuple[torch.Tensor, torch.Tensor]]:
    """make_blobs(per_class=20, seed=0, spread=0.6) -> (X, y)."""
    return make_blobs


@pytest.fixture
def known(submission: Any) -> Callable[..., tuple[nn.Module, Any]]:
    """known(layers=LAYERS, seed=0) -> (local, remote): a trusted model and the same model where the student's code runs."""

    def make(layers: Any = LAYERS, seed: int = 0) -> tuple[nn.Module, Any]:
        local = build_layers(layers, seed=seed)
        return local, known_model(submission, layers, local.state_dict())

    return make


@pytest.fixture
def trusted() -> Callable[..., nn.Module]:
    """trusted(state_dict, layers=LAYERS) -> the model with those weights, built here on the CPU."""

    def make(state_dict: dict[str, torch.Tensor], layers: Any = LAYERS) -> nn.Module:
        return build_layers(layers, {k: v.detach().cpu() for k, v in state_dict.items()})

    return make


@pytest.fixture
def accuracy() -> Callable[..., float]:
    """accuracy(state_dict, X, y, layers=LAYERS) -> float, computed with a trusted copy of the model."""
    return accuracy_of
