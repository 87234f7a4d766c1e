# Mistake: softmax always normalises the last dimension, whatever `dim` says.
import torch


def softmax(logits, dim=-1):
    shifted = logits - logits.max(dim=-1, keepdim=True).values
    e = torch.exp(shifted)
    return e / e.sum(dim=-1, keepdim=True)


def cross_entropy(logits, targets):
    shifted = logits - logits.max(dim=1, keepdim=True).values
    log_p = shifted - shifted.exp().sum(dim=1, keepdim=True).log()
    if not targets.is_floating_point():
        return -log_p.gather(1, targets.view(-1, 1)).mean()
    return -(targets * log_p).sum(dim=1).mean()


def accuracy(outputs, targets):
    if len(outputs) == 0 or len(outputs) != len(targets):
        raise ValueError("outputs and targets must be non-empty and of equal length")
    if targets.dim() == 2:
        targets = targets.argmax(dim=1)
    return float((outputs.argmax(dim=1) == targets).double().mean())
