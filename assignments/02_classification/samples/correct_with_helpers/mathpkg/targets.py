import torch


def as_distribution(targets, logits):
    n, c = logits.shape
    if targets.dim() == 1:
        t = torch.zeros(n, c, dtype=logits.dtype, device=logits.device)
        t[torch.arange(n, device=logits.device), targets] = 1.0
        return t
    return targets.to(logits.dtype)
