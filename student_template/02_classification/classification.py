"""Classification building blocks: softmax, cross-entropy and accuracy.

A classifier's last layer produces one raw score (a logit) per class. Softmax
turns a row of scores into probabilities, cross-entropy measures how far those
probabilities are from the targets, and accuracy counts how often the highest
score is the right class. PyTorch has all three built in; here you write them
yourself from basic tensor operations, so that you know what the built-ins do
and why they are written the way they are.
"""

import torch


def softmax(logits: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Probabilities along `dim`: exp(z_k) / sum_j exp(z_j).

    exp overflows for scores above about 88 (float32) or 709 (float64), so
    subtract the largest score along `dim` first: softmax(z) = softmax(z - max z)
    gives the same probabilities and the largest exponent is then exp(0) = 1.

    Example (the lecture's scores): softmax([1.1, -0.45, 0.4]) = [0.5852, 0.1242, 0.2906].

    Args:
        logits: scores of any shape, float32 or float64.
        dim: the dimension that holds the classes.

    Returns:
        A tensor of the same shape, dtype and device whose entries along `dim`
        are in [0, 1] and sum to 1. Finite even for scores of +-1e4.
    """
    raise NotImplementedError("softmax: write your solution here")


def cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean over the batch of -sum_k t_k * log softmax(logits)_k.

    Taking the log of softmax's output fails for large scores (log of 0 is
    -inf). Use log softmax(z)_k = z_k - logsumexp(z), and compute
    logsumexp(z) = m + log(sum_j exp(z_j - m)) with m = max_j z_j.

    Example: if the model gives the true class a probability of 0.17, that
    example's loss is -log(0.17) = 1.77; at 0.79 it is -log(0.79) = 0.23.

    Args:
        logits: (N, C) raw scores.
        targets: either (N,) int64 class indices, or an (N, C) float tensor of
            target probabilities per row (one-hot or soft labels).

    Returns:
        A 0-dim tensor equal to torch.nn.functional.cross_entropy(logits, targets),
        with the dtype and device of `logits`.
    """
    raise NotImplementedError("cross_entropy: write your solution here")


def accuracy(outputs: torch.Tensor, targets: torch.Tensor) -> float:
    """Fraction of rows whose highest score is the target class.

    Args:
        outputs: (N, C) scores or probabilities (the argmax is the same).
        targets: (N,) int class indices, or (N, C) one-hot rows.

    Returns:
        A Python float in [0, 1] (use .item() to turn a 0-dim tensor into one).

    Raises:
        ValueError: if outputs and targets have a different number of rows,
            or if there are no rows at all.
    """
    raise NotImplementedError("accuracy: write your solution here")
