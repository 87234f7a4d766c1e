"""Helpers I reuse between labs."""
import torch


def pick_device(device=None):
    if device is None:
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def epoch_batches(X, y, batch_size, generator):
    """One epoch's batches: everything at once, or shuffled slices of batch_size rows."""
    if batch_size is None:
        yield X, y
        return
    order = torch.randperm(len(X), generator=generator).to(X.device)
    for chunk in order.split(batch_size):
        yield X[chunk], y[chunk]
