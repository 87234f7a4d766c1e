"""Correct, handed in as a folder with a helper module and a small package of its own."""
import torch

from helpers import shift_by_max
from mathpkg import as_distribution, log_probabilities


def softmax(logits, dim=-1):
    e = shift_by_max(logits, dim).exp()
    return e / torch.sum(e, dim=dim, keepdim=True)


def cross_entropy(logits, targets):
    t = as_distribution(targets, logits)
    return -(t * log_probabilities(logits)).sum() / logits.shape[0]


def accuracy(outputs, targets):
    if len(outputs) != len(targets):
        raise ValueError("outputs and targets must have the same number of rows")
    if len(outputs) == 0:
        raise ValueError("no rows")
    if targets.ndim == 2:
        targets = targets.argmax(1)
    correct = (outputs.argmax(1) == targets).sum().item()
    return correct / len(targets)
