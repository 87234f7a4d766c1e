"""Correct, handed in as a folder (with a helper file next to it)."""
import torch


def _shifted(z, dim):
    return z - z.amax(dim=dim, keepdim=True)


def softmax(logits: torch.Tensor, dim: int = -1) -> torch.Tensor:
    e = torch.exp(_shifted(logits, dim))
    return e / e.sum(dim=dim, keepdim=True)


def cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    z = _shifted(logits, 1)
    log_probs = z - torch.log(torch.exp(z).sum(dim=1, keepdim=True))
    if targets.is_floating_point():
        return -(targets * log_probs).sum(dim=1).mean()
    return -torch.gather(log_probs, 1, targets.reshape(-1, 1)).mean()


def accuracy(outputs: torch.Tensor, targets: torch.Tensor) -> float:
    n = outputs.shape[0]
    if n != targets.shape[0]:
        raise ValueError(f"{n} outputs but {targets.shape[0]} targets")
    if n == 0:
        raise ValueError("cannot compute the accuracy of zero samples")
    labels = targets if targets.dim() == 1 else targets.argmax(dim=1)
    return float((outputs.argmax(dim=1) == labels).sum().item()) / n
