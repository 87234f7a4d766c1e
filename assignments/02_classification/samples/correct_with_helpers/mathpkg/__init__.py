"""Row-wise maths for classification."""
from .logs import log_probabilities
from .targets import as_distribution
