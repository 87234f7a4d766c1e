"""A course pack and autograder for neural-network exercises in PyTorch."""
