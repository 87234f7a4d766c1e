"""The failure a teaching assertion raises, and how it is shown.

A failure keeps its parts (what went wrong, the input, what came back, what
was expected, a hint) apart, so that the report can drop the expected value
for hidden tests without each test having to remember to.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class CheckFailure(AssertionError):
    """A check failed; every field is plain text meant for a student."""

    problem: str
    got: str | None = None
    got_brief: str | None = None
    problem_brief: str | None = None
    expected: str | None = None
    inputs: str | None = None
    hint: str | None = None
    detail: str | None = None

    def __post_init__(self) -> None:
        super().__init__(self.render(reveal_expected=True))

    def render(self, reveal_expected: bool) -> str:
        """The message; when it must stay hidden, without `expected` and
        `detail` (which together with `got` would give the expected value
        away), and with `got` and the problem in their brief forms, without
        values, sizes or counts that the student's code chooses (which it
        could make a copy of the hidden input)."""
        problem = self.problem if reveal_expected else self.problem_brief or self.problem
        lines = [problem + (f"; {self.detail}" if self.detail and reveal_expected else "")]
        got = self.got if reveal_expected else self.got_brief
        if self.inputs:
            lines.append(f"  input:    {self.inputs}")
        if got:
            lines.append(f"  got:      {got}")
        if self.expected and reveal_expected:
            lines.append(f"  expected: {self.expected}")
        if self.hint:
            lines.append(f"  hint:     {self.hint}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render(reveal_expected=True)
