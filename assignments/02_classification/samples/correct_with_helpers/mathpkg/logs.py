from helpers import shift_by_max


def log_probabilities(logits):
    z = shift_by_max(logits, 1)
    return z - z.exp().sum(dim=1, keepdim=True).log()
