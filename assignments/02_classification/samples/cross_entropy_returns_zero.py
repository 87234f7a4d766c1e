# Mistake: cross-entropy is a constant 0-dim zero (right shape and dtype,
# every value wrong); it must score nothing on cross_entropy.
import torch


def softmax(logits, dim=-1):
    biggest, _ = torch.max(logits, dim=dim, keepdim=True)
    e = (logits - biggest).exp()
    return e / torch.sum(e, dim=dim, keepdim=True)


def _log_softmax_rows(z):
    m = z.max(dim=1, keepdim=True).values
    return z - m - (z - m).exp().sum(dim=1, keepdim=True).log()


def cross_entropy(logits, targets):
    return torch.tensor(0.0)


def accuracy(outputs, targets):
    if len(outputs) != len(targets):
        raise ValueError("outputs and targets must have the same number of rows")
    if len(outputs) == 0:
        raise ValueError("no rows")
    if targets.ndim == 2:
        targets = targets.argmax(1)
    correct = (outputs.argmax(1) == targets).sum().item()
    return correct / len(targets)
