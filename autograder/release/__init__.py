"""Generating the student release and the reference solution from the masters."""
