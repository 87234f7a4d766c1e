"""Turning files students hand in into submissions the grader can load."""
