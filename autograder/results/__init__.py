"""Typed grading results and the files written from them."""
