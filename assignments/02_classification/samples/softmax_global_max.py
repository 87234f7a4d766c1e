# Mistake: softmax subtracts the maximum of the whole tensor instead of each
# row's maximum, so a row far below the global maximum underflows to 0/0.
import torch


def softmax(logits, dim=-1):
    e = torch.exp(logits - logits.max())
    return e / e.sum(dim=dim, keepdim=True)


def cross_entropy(logits, targets):
    shift = logits - logits.max(dim=1, keepdim=True).values
    log_probs = shift - torch.log(torch.sum(torch.exp(shift), dim=1, keepdim=True))
    if targets.dim() == 2:
        return torch.mean(-torch.sum(targets * log_probs, dim=1))
    return torch.mean(-log_probs[range(len(targets)), targets])


def accuracy(outputs, targets):
    if len(outputs) != len(targets):
        raise ValueError("different number of rows")
    if len(outputs) == 0:
        raise ValueError("empty batch")
    labels = targets.argmax(-1) if targets.dim() == 2 else targets
    hits = 0
    for row, label in zip(outputs, labels):
        hits += int(row.argmax().item() == label.item())
    return hits / len(labels)
