"""The one error type for anything the user got wrong.

The CLI prints a UsageError's message and exits with status 2; it never shows
a traceback, so every message must say which file is wrong and what to do.
"""


class UsageError(Exception):
    """A mistake in the command line, a config file or an input folder."""


class GraderError(Exception):
    """The grader itself failed (not the submission, not the user): the message says where."""
