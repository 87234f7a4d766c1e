"""Mistake: softmax calls a helper module that uses the banned built-in."""
import torch

from helpers import stable_softmax


def softmax(logits, dim=-1):
    return stable_softmax(logits, dim)


def _log_softmax_rows(z):
    m = z.max(dim=1, keepdim=True).values
    return z - m - (z - m).exp().sum(dim=1, keepdim=True).log()


def cross_entropy(logits, targets):
    n, c = logits.shape
    if targets.dim() == 1:
        t = torch.zeros(n, c, dtype=logits.dtype, device=logits.device)
        t[torch.arange(n, device=logits.device), targets] = 1.0
    else:
        t = targets.to(logits.dtype)
    return -(t * _log_softmax_rows(logits)).sum() / n


def accuracy(outputs, targets):
    if len(outputs) != len(targets):
        raise ValueError("outputs and targets must have the same number of rows")
    if len(outputs) == 0:
        raise ValueError("no rows")
    if targets.ndim == 2:
        targets = targets.argmax(1)
    correct = (outputs.argmax(1) == targets).sum().item()
    return correct / len(targets)
