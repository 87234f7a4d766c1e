"""What can go wrong when the trusted side calls into a submission.

These are raised on the trusted side only. A test that meets one fails with
its message; none of them is ever a grader crash.
"""

from __future__ import annotations

import builtins
import re

BUILTIN_EXCEPTIONS = frozenset(name for name, value in vars(builtins).items() if isinstance(value, type) and issubclass(value, BaseException))
"""Exception names a student cannot choose: a class of their own is shown by its first built-in base in hidden tests."""
_PLACE = re.compile(r"[^\n]{1,120}?, line \d{1,7}, in [A-Za-z_<][\w<>]{0,60}")


class SubmissionError(Exception):
    """The submission could not answer a call; the message is for the student."""


class MissingName(SubmissionError):
    """The submission does not define the function or class a test needs."""


class CallTimeout(SubmissionError):
    """A call ran past its time limit and the worker was stopped."""


class WorkerDied(SubmissionError):
    """The worker exited, crashed or was killed during a call."""


class WorkerStartFailed(SubmissionError):
    """No worker could be started: a fault of the grader's machine, not of the submission."""


class BadResult(SubmissionError):
    """The submission returned something that cannot cross the process boundary."""


class StudentException(SubmissionError):
    """The student's code raised; `type_names` is the class hierarchy, most derived first."""

    def __init__(self, message: str, type_names: tuple[str, ...], brief: str = "") -> None:
        super().__init__(message)
        self.type_names = type_names
        self.brief = brief or message

    @classmethod
    def from_call(cls, what: str, type_names: tuple[str, ...], message: str, where: str) -> "StudentException":
        """The exception for `what` raising, worded for the student (a stub is 'not written yet').

        `brief` leaves the message out: what a hidden test shows, since student
        code could put the hidden input in its message.
        """
        kind = type_names[0] if type_names else "Exception"
        builtin = next((name for name in type_names if name in BUILTIN_EXCEPTIONS), "Exception")
        if kind == "NotImplementedError":
            text = f"{what} is not written yet: it still raises NotImplementedError"
            return cls(text, type_names, text)
        at = f"\n  at {where}" if where else ""
        place = _PLACE.match(where)
        brief_at = f"\n  at {place.group(0)}" if place else ""
        return cls(f"{what} raised {kind}: {message}{at}", type_names, f"{what} raised {builtin}{brief_at}")

    @property
    def type_name(self) -> str:
        return self.type_names[0] if self.type_names else "Exception"

    def is_a(self, exc_type: type[BaseException]) -> bool:
        return exc_type.__name__ in self.type_names
