"""Checks for hand-derived gradients: against the reference and against finite differences."""
