"""A submission cut down to its imports and definitions.

Used when a submission's top-level code (a training loop in a notebook, say)
runs past the load time limit or kills its process: the functions the tests
need can usually still be loaded without it. Dropped statements become blank
lines, so every line number in a message still matches the student's file.
"""

from __future__ import annotations

import ast
from dataclasses import replace

from autograder.intake.source import Chunk, SubmissionSource

ALWAYS_KEPT = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _calls_own_code(node: ast.AST, own: set[str]) -> bool:
    return any(
        isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id in own for sub in ast.walk(node)
    )


def _kept(node: ast.stmt, own: set[str]) -> bool:
    if isinstance(node, ALWAYS_KEPT):
        return True
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        return node.value is not None and not _calls_own_code(node.value, own)
    if isinstance(node, (ast.If, ast.Try)):
        blocks = [node.body, node.orelse] + ([h.body for h in node.handlers] + [node.finalbody] if isinstance(node, ast.Try) else [])
        return not _calls_own_code(getattr(node, "test", ast.Pass()), own) and all(_kept(s, own) for b in blocks for s in b)
    return False


def _strip(source: str, own: set[str]) -> str:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return ""
    lines = source.splitlines(keepends=True)
    for node in tree.body:
        if not _kept(node, own):
            for index in range(node.lineno - 1, node.end_lineno or node.lineno):
                lines[index] = "\n"
    return "".join(lines)


def definitions_only(source: SubmissionSource) -> SubmissionSource:
    own: set[str] = set()
    for chunk in source.chunks:
        try:
            own |= {n.name for n in ast.parse(chunk.source).body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
        except (SyntaxError, ValueError):
            continue
    chunks = tuple(replace(c, source=_strip(c.source, own)) for c in source.chunks)
    return replace(source, chunks=chunks)
