# Mistake: accuracy raises ValueError for every input, so it passes the
# error cases by accident; it must score nothing on accuracy.
import torch


def softmax(logits, dim=-1):
    biggest, _ = torch.max(logits, dim=dim, keepdim=True)
    e = (logits - biggest).exp()
    return e / torch.sum(e, dim=dim, keepdim=True)


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
    raise ValueError("outputs and targets do not match")
