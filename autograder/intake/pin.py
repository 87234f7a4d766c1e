"""The exercise definitions the static check checked, as code to run again after the student's code.

The static check checks the last definition of each exercise. In a notebook
that is not always the one in force: when the cell holding the last `def`
raises before reaching it, an earlier definition (maybe one calling a banned
API) stays in force, and the tests would grade that one. Running the checked
definitions again after all the student's code makes them the ones graded.

The names are cleared first, so that a definition that fails to run again
(a decorator that raises, say) leaves its exercise missing rather than an
unchecked earlier version in force. Each pinned definition keeps its file
name and line numbers, so tracebacks and messages still point at the
student's lines: a chunk has one file name, so there is one chunk per chunk
of the student's that holds a definition, its other lines left blank. A
definition nested in `if`/`try`/`with`/`for`/`while` blocks is run inside
`if True:` lines put where the blocks' own headers were, at their
indentation.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from typing import Iterable

from autograder.checks.bindings import DEFINITIONS, STAR, Binding, Source, Unit, clauses, parse, units
from autograder.checks.names import MAIN
from autograder.checks.scopes import Scanner
from autograder.intake.source import Chunk

PINNED_KINDS = {"def", "class", "from", STAR}
"""Bindings that are the definition when they come last (a star import may bring a def from the student's module)."""

Clause = tuple[int, int]
"""One clause of a block, by the block's id and the clause's index."""


def pinned_definitions(chunks: tuple[Chunk, ...], exercises: Iterable[str]) -> tuple[Chunk, ...]:
    """Chunks to run after the student's code: one per chunk of the student's holding the
    statement that defines an exercise (its last def, class or import), in the order of
    the student's code, the first clearing the exercises' names beforehand, so that a
    definition that fails to run again leaves the exercise missing rather than an
    earlier definition in force. Empty when no exercise is defined that way."""
    sources, _ = parse(chunks)
    found = units(MAIN, sources)
    scanner = Scanner("")
    bindings = [b for unit in found for b in scanner.scan(unit).bindings]
    pinned: dict[int, Unit] = {}
    names: list[str] = []
    for exercise in sorted(set(exercises)):
        candidates = sorted((b for b in bindings if b.name in (exercise, "*")), key=lambda b: b.order)
        last: Binding | None = candidates[-1] if candidates else None
        if last is not None and last.kind in PINNED_KINDS:
            pinned[last.unit.index] = last.unit
            names.append(exercise)
    if not names:
        return ()
    by_source: dict[int, list[Unit]] = {}
    for unit in sorted(pinned.values(), key=lambda u: u.index):
        by_source.setdefault(unit.source.index, []).append(unit)
    pins = [_chunk(sources[index], pinned_units) for index, pinned_units in sorted(by_source.items())]
    return (replace(pins[0], clears=tuple(names)), *pins[1:])


def _first_line(statement: ast.stmt) -> int:
    """Where a statement starts, decorators included."""
    if isinstance(statement, DEFINITIONS) and statement.decorator_list:
        return min(d.lineno for d in statement.decorator_list)
    return statement.lineno


def _chunk(source: Source, pinned: list[Unit]) -> Chunk:
    """The pinned statements of one chunk at their own lines, inside `if True:` lines standing for their blocks."""
    lines = [""] * len(source.lines)
    headers: dict[Clause, tuple[int, str]] = {}
    """For each clause to open: the line of its `if True:`, and the indentation of its block."""
    for unit in pinned:
        statement = unit.statement
        start, end = _first_line(statement), statement.end_lineno or statement.lineno
        lines[start - 1 : end] = source.lines[start - 1 : end]
        first = start
        inner: ast.stmt = statement
        for block in reversed(unit.blocks):
            clause = (id(block), next(i for i, body in enumerate(clauses(block)) if any(s is inner for s in body)))
            line = min(first - 1, headers.get(clause, (first, ""))[0])
            headers[clause] = (line, source.lines[block.lineno - 1][: block.col_offset])
            first, inner = line, block
    for line, indent in headers.values():
        lines[line - 1] = indent + "if True:"
    return Chunk(f"{source.chunk.label} (definitions run again)", source.filename, "\n".join(lines) + "\n")
