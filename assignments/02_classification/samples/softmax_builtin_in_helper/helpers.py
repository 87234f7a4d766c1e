import torch


def stable_softmax(logits, dim):
    return torch.softmax(logits, dim=dim)
