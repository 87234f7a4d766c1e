"""Solution markers in a master module, and the two texts made from it.

    def softmax(logits, dim=-1):
        \"\"\"docstring stays in both versions\"\"\"
        # BEGIN SOLUTION
        ...solution lines...
        # END SOLUTION

The student version replaces each block with `raise NotImplementedError`;
the reference version keeps the lines and drops the two marker lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import UsageError
from autograder.intake.source import STUB_MESSAGE

BEGIN = re.compile(r"^(\s*)# BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*# END SOLUTION\s*$")
DEF = re.compile(r"^(\s*)(?:async\s+)?def\s+(\w+)")


@dataclass(frozen=True)
class Split:
    """The two versions of a master, and the solution lines that must never leak."""

    stub: str
    solution: str
    secret_lines: tuple[str, ...]


def split_solutions(text: str, path: Path) -> Split:
    stub: list[str] = []
    solution: list[str] = []
    secret: list[str] = []
    inside: tuple[int, str] | None = None
    current_function = "this function"
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        begin, end = BEGIN.match(line), END.match(line)
        if begin:
            if inside:
                raise UsageError(f"{path}:{number}: BEGIN SOLUTION inside the block opened at line {inside[0]}; close it first")
            inside = (number, begin.group(1))
            continue
        if end:
            if not inside:
                raise UsageError(f"{path}:{number}: END SOLUTION without a BEGIN SOLUTION")
            indent = inside[1]
            stub.append(f'{indent}raise NotImplementedError("{current_function}: {STUB_MESSAGE}")\n')
            inside = None
            continue
        solution.append(line)
        if inside:
            if line.strip():
                secret.append(line.strip())
        else:
            stub.append(line)
            match = DEF.match(line)
            if match:
                current_function = match.group(2)
    if inside:
        raise UsageError(f"{path}:{inside[0]}: BEGIN SOLUTION is never closed; add `# END SOLUTION`")
    if not secret:
        raise UsageError(f"{path}: no `# BEGIN SOLUTION` blocks; mark the solution code so the release can remove it")
    return Split("".join(stub), "".join(solution), tuple(secret))
