"""A module's top level as the pieces that run while it loads, and the statement that defines each name.

The check reasons about units of code:
- a `def` or `class` statement (decorators included), wherever it sits at top
  level, also inside `if`/`try`/`with`/`for`/`while` blocks: its body runs only
  when called, so the whole statement is one unit;
- every other top-level statement, also inside those blocks, is a unit of its
  own, and so is each block's header (`if test:`, `for x in xs:`,
  `with f() as x:`, `except E as e:`). Keeping them apart keeps a comparison
  with torch's softmax inside a training loop from spreading to the loop's
  other statements.

An exercise is defined by the last statement that binds its name, and only a
`def`/`class` (or an import of a `def` from the student's own module) counts:
a name bound any other way (an assignment, a loop, a later import of torch's
function) may not be the function that was checked. In a notebook a later
cell may redefine a function; the last definition is the one in force, and
the grader re-runs it after the student's code (see `autograder.intake.pin`)
so that it really is.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Iterable, Literal

from autograder.intake.source import Chunk

BLOCKS = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.TryStar)
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
DEFINING_KINDS = {"def", "class", "from"}
STAR = "a star import"
"""Binding kinds that can define an exercise (`from` only when it imports a def of the student's own)."""
MAX_DEPTH = 100
"""Deeper code is not analysed (the analysis recurses); no honest exercise nests half as deep."""


@dataclass(frozen=True, eq=False)
class Source:
    """A parsed piece of one module: a file, or a notebook cell."""

    index: int
    filename: str
    lines: tuple[str, ...]
    tree: ast.Module
    chunk: Chunk


@dataclass(frozen=True, eq=False)
class Unit:
    """A piece of top-level code: a definition, a statement, or a block's header.

    `blocks` are the blocks around it, outermost first; `too_deep` marks a
    statement nested deeper than the analysis goes, which is not analysed
    (and so gates what depends on it).
    """

    module: str
    index: int
    kind: Literal["def", "code", "header"]
    statement: ast.stmt
    source: Source
    blocks: tuple[ast.stmt, ...]
    too_deep: bool = False

    def line(self, node: ast.AST | None = None) -> tuple[int, str]:
        """A line of this unit (of `node` when given), with its code, for messages."""
        line = getattr(node, "lineno", None) or self.statement.lineno
        code = self.source.lines[line - 1].strip() if 0 < line <= len(self.source.lines) else ""
        return line, code


@dataclass(frozen=True, eq=False)
class Binding:
    """A module-level name bound by a unit: how (`kind`), where, from which module for imports, and whether from inside a function (`global`)."""

    name: str
    kind: str
    unit: Unit
    node: ast.AST
    imported_from: str | None = None
    in_function: bool = False

    @property
    def order(self) -> tuple[int, int, int]:
        return self.unit.index, getattr(self.node, "lineno", 0), getattr(self.node, "col_offset", 0)


def absolute(module: str | None, level: int, package: str) -> str | None:
    """The module an import names, with a relative import made absolute within `package`."""
    if not level:
        return module
    parts = package.split(".") if package else []
    if level > len(parts):
        return None
    return ".".join(parts[: len(parts) - level + 1] + ([module] if module else []))


def fold_str(node: ast.AST) -> str | None:
    """The value of a string expression built only from constants."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = fold_str(node.left), fold_str(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.JoinedStr):
        parts = [fold_str(v) if not isinstance(v, ast.FormattedValue) else fold_str(v.value) for v in node.values]
        return None if any(p is None for p in parts) else "".join(p for p in parts if p is not None)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "join":
        sep = fold_str(node.func.value)
        if sep is not None and len(node.args) == 1 and isinstance(node.args[0], (ast.List, ast.Tuple)):
            items = [fold_str(e) for e in node.args[0].elts]
            return None if any(i is None for i in items) else sep.join(i for i in items if i is not None)
    return None


def is_constant(node: ast.AST | None) -> bool:
    """Whether an expression is a literal (numbers, strings, None, and tuples or lists of them)."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return is_constant(node.operand)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(is_constant(e) for e in node.elts)
    return False


def parse(chunks: Iterable[Chunk]) -> tuple[list[Source], list[Chunk]]:
    """The chunks that parse, and those too deeply nested to parse here (those that do not parse never run)."""
    sources: list[Source] = []
    too_deep: list[Chunk] = []
    for chunk in chunks:
        try:
            tree = ast.parse(chunk.source, filename=chunk.filename)
        except (SyntaxError, ValueError):
            continue
        except (RecursionError, MemoryError):
            too_deep.append(chunk)
            continue
        sources.append(Source(len(sources), chunk.filename, tuple(chunk.source.splitlines()), tree, chunk))
    return sources, too_deep


def clauses(block: ast.stmt) -> list[list[ast.stmt]]:
    """The statement lists a block runs."""
    bodies: list[list[ast.stmt]] = [getattr(block, "body", [])]
    if isinstance(block, (ast.Try, ast.TryStar)):
        bodies += [h.body for h in block.handlers] + [block.orelse, block.finalbody]
    elif isinstance(block, (ast.If, ast.For, ast.AsyncFor, ast.While)):
        bodies.append(block.orelse)
    return [b for b in bodies if b]


def depth(node: ast.AST, limit: int = MAX_DEPTH) -> int:
    """How deep a tree nests, counted without recursion and up to `limit + 1`."""
    deepest = 0
    stack = [(node, 1)]
    while stack:
        current, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > limit:
            return deepest
        stack.extend((child, level + 1) for child in ast.iter_child_nodes(current))
    return deepest


def units(module: str, sources: Iterable[Source]) -> list[Unit]:
    """A module's units, in the order they run."""
    found: list[Unit] = []

    def add(kind: Literal["def", "code", "header"], statement: ast.stmt, source: Source, blocks: tuple[ast.stmt, ...], deep: bool = False) -> None:
        found.append(Unit(module, len(found), kind, statement, source, blocks, deep))

    def walk(statements: list[ast.stmt], source: Source, blocks: tuple[ast.stmt, ...]) -> None:
        for statement in statements:
            if not blocks and depth(statement) > MAX_DEPTH:
                add("def" if isinstance(statement, DEFINITIONS) else "code", statement, source, blocks, True)
            elif isinstance(statement, DEFINITIONS):
                add("def", statement, source, blocks)
            elif isinstance(statement, BLOCKS):
                add("header", statement, source, blocks)
                for body in clauses(statement):
                    walk(body, source, (*blocks, statement))
            else:
                add("code", statement, source, blocks)

    for source in sources:
        walk(source.tree.body, source, ())
    return found


def parts(unit: Unit) -> list[ast.AST]:
    """The nodes that run as a unit: the whole statement, or only the header of a block (its bodies are units of their own)."""
    statement = unit.statement
    if unit.kind != "header":
        return [statement]
    if isinstance(statement, (ast.If, ast.While)):
        return [statement.test]
    if isinstance(statement, (ast.For, ast.AsyncFor)):
        return [statement.target, statement.iter]
    if isinstance(statement, (ast.With, ast.AsyncWith)):
        return list(statement.items)
    if isinstance(statement, (ast.Try, ast.TryStar)):
        return [h.type for h in statement.handlers if h.type is not None]
    return []


def definition(bindings: Iterable[Binding]) -> tuple[Binding | None, list[Binding]]:
    """The binding that defines a name, and the bindings that disqualify it.

    The definition is the last binding, when it is a def, class or
    from-import. Every other kind of binding disqualifies, wherever it is,
    except a star import before the definition (`from torch import *` at
    the top of a notebook): the definition replaces what it bound.
    """
    ordered = sorted(bindings, key=lambda b: b.order)
    if not ordered:
        return None, []
    last = ordered[-1]
    others = [b for b in ordered if b.kind not in DEFINING_KINDS and (b.kind != STAR or b is last)]
    return (last if last.kind in DEFINING_KINDS else None), others
