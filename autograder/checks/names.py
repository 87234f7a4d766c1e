"""What each name in a submission's code stands for, across the student's own modules.

The static check needs to know that `F.softmax`, `sm` after `sm = torch.softmax`
or `getattr(torch, "soft" + "max")` all mean `torch.softmax`. Names are
resolved flow-insensitively into dotted paths per module. A folder
submission also has the student's own modules, each with its own namespace:
a name imported from one (`from helpers import f`, `import mypkg` then
`mypkg.ops.f`, relative imports inside a package) is followed into it, to a
definition there or to what it aliases. `torch...` always means the real
torch, since the worker's finder for student modules comes after Python's
own. Following is bounded (paths per name, rounds of following); a path cut
off at a bound is marked unchecked rather than dropped, so it cannot hide a
banned API.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from autograder.intake.source import Chunk, ModuleFile

IMPORTERS = {"__import__", "importlib.import_module"}
MAIN = ""
MAX_PATHS_PER_NAME = 32
MAX_FOLLOW_ROUNDS = 16
UNCHECKED = "?"

Key = tuple[str, str]
"""A top-level definition: (its module, its name); the graded file's module is MAIN."""


@dataclass(frozen=True)
class Located:
    """A top-level statement, with its file and lines for messages."""

    node: ast.stmt
    filename: str
    lines: list[str]


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


def _unchecked(what: str) -> str:
    """A path standing for `what` when following it went past a bound; attributes may still be appended."""
    return f"{UNCHECKED}{what}{UNCHECKED}"


def _absolute(module: str | None, level: int, package: str) -> str | None:
    """The module an import names, with a relative import made absolute within `package`."""
    if not level:
        return module
    parts = package.split(".") if package else []
    if level > len(parts):
        return None
    return ".".join(parts[: len(parts) - level + 1] + ([module] if module else []))


def _same(paths: set[str]) -> set[str]:
    """Following stands still while modules are still being parsed, since their aliases are not all known yet."""
    return paths


class Resolver:
    """Flow-insensitive map from names in one module to the dotted paths they may hold.

    Paths are kept as written in the module (`helpers.shift`); `expand`,
    set once every module is known, follows those that lead into the
    student's own modules.
    """

    def __init__(self, statements: list[Located], top_level_defs: set[str], package: str = "") -> None:
        self.aliases: dict[str, set[str]] = {}
        self.star_modules: set[str] = set()
        self.local_defs = top_level_defs
        self.package = package
        self.expand: Callable[[set[str]], set[str]] = _same
        nodes = [n for s in statements for n in ast.walk(s.node)]
        for node in nodes:
            self._imports(node)
        for _ in range(3):
            for node in nodes:
                self._assignment(node)

    def _add(self, name: str, paths: Iterable[str]) -> None:
        known = self.aliases.setdefault(name, set())
        for path in sorted(paths):
            if len(known) >= MAX_PATHS_PER_NAME and path not in known:
                known.add(_unchecked(name))
                return
            known.add(path)

    def _imports(self, node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self._add(alias.asname, [alias.name])
                else:
                    self._add(alias.name.split(".")[0], [alias.name.split(".")[0]])
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node.module, node.level, self.package)
            if module is None:
                return
            for alias in node.names:
                if alias.name == "*":
                    self.star_modules.add(module)
                else:
                    self._add(alias.asname or alias.name, [f"{module}.{alias.name}"])

    def _assignment(self, node: ast.AST) -> None:
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            paths = self._raw(node.value)
            for target in targets:
                if isinstance(target, ast.Name) and paths:
                    self._add(target.id, paths)

    def resolve(self, node: ast.AST) -> set[str]:
        """Dotted paths an expression may stand for (empty when unknown), names from the student's modules followed."""
        return self.expand(self._raw(node))

    def _raw(self, node: ast.AST) -> set[str]:
        if isinstance(node, ast.Name):
            if node.id in self.aliases:
                return set(self.aliases[node.id])
            if node.id not in self.local_defs and self.star_modules:
                return {f"{m}.{node.id}" for m in self.star_modules}
            return set()
        if isinstance(node, ast.Attribute):
            return {f"{p}.{node.attr}" for p in self._raw(node.value)}
        if isinstance(node, ast.Call):
            func_paths = self.resolve(node.func) | ({node.func.id} if isinstance(node.func, ast.Name) else set())
            if func_paths & ({"getattr"} | IMPORTERS) and node.args:
                if "getattr" in func_paths and len(node.args) >= 2:
                    name = fold_str(node.args[1])
                    return {f"{p}.{name}" for p in self._raw(node.args[0])} if name else set()
                module = fold_str(node.args[0])
                return {module} if module else set()
        if isinstance(node, ast.Subscript):
            key = fold_str(node.slice)
            base = node.value
            if key is not None:
                if isinstance(base, ast.Attribute) and base.attr == "__dict__":
                    return {f"{p}.{key}" for p in self._raw(base.value)}
                if isinstance(base, ast.Call) and isinstance(base.func, ast.Name) and base.func.id == "vars" and base.args:
                    return {f"{p}.{key}" for p in self._raw(base.args[0])}
        return set()


@dataclass(frozen=True)
class Unit:
    """One module of the submission: the graded file (all its chunks) or one of the student's modules."""

    name: str
    statements: list[Located]
    definitions: dict[str, Located]
    resolver: Resolver


def _unit(name: str, package: str, sources: Iterable[tuple[str, str]]) -> Unit:
    """Parse (filename, source) pieces into one module; the last definition of a name counts."""
    statements: list[Located] = []
    for filename, source in sources:
        try:
            tree = ast.parse(source, filename=filename)
        except (SyntaxError, ValueError, RecursionError):
            continue  # the worker reports the syntax error; such code never runs
        lines = source.splitlines()
        statements.extend(Located(stmt, filename, lines) for stmt in tree.body)
    definitions: dict[str, Located] = {}
    for located in statements:
        for defined in defined_names(located.node):
            definitions[defined] = located
    return Unit(name, statements, definitions, Resolver(statements, set(definitions), package))


class Program:
    """The graded file and the student's own modules, each parsed when first needed."""

    def __init__(self, chunks: Iterable[Chunk], modules: Iterable[ModuleFile]) -> None:
        self._sources = {m.name: m for m in modules if m.name.split(".")[0] != "torch"}
        self._depth = max((name.count(".") + 1 for name in self._sources), default=0)
        self._units: dict[str, Unit] = {}
        self._expanded: dict[str, frozenset[str]] = {}
        self._uses: dict[Key, list[Key]] = {}
        self.main = self._build(MAIN, "", [(c.filename, c.source) for c in chunks])

    def _build(self, name: str, package: str, sources: list[tuple[str, str]]) -> Unit:
        unit = _unit(name, package, sources)
        unit.resolver.expand = self.expand
        self._units[name] = unit
        return unit

    def unit(self, name: str) -> Unit:
        """A module by name; a helper is parsed only once something leads into it."""
        if name not in self._units:
            module = self._sources[name]
            self._build(name, name if module.package else name.rpartition(".")[0], [(module.filename, module.source)])
        return self._units[name]

    def _split(self, path: str) -> tuple[str, list[str]] | None:
        """The student's module a dotted path starts with, and the names after it."""
        parts = path.split(".")
        for end in range(min(len(parts), self._depth), 0, -1):
            module = ".".join(parts[:end])
            if module in self._sources:
                return module, parts[end:]
        return None

    def _step(self, path: str) -> tuple[bool, list[str]]:
        """Whether `path` is final (outside the student's modules, or one of their definitions),
        and the paths its first name stands for in the module it names."""
        split = self._split(path)
        if split is None or not split[1]:
            return True, []
        module, (name, *tail) = split
        unit = self.unit(module)
        rest = "".join(f".{t}" for t in tail)
        if name in unit.resolver.aliases:
            return name in unit.definitions, [f"{p}{rest}" for p in sorted(unit.resolver.aliases[name])]
        if name in unit.definitions:
            return True, []
        return False, [f"{m}.{name}{rest}" for m in sorted(unit.resolver.star_modules)]

    def _follow(self, path: str) -> set[str]:
        """Where a path leads, breadth first, for a bounded number of rounds and paths.

        A chain or fan of aliases cut off at a bound leaves an unchecked path,
        so it costs bounded time and still gates instead of hiding a banned API.
        """
        done: set[str] = set()
        seen, todo = {path}, [path]
        for _ in range(MAX_FOLLOW_ROUNDS):
            following: list[str] = []
            for current in todo:
                final, replacements = self._step(current)
                if final:
                    done.add(current)
                following += [r for r in replacements if r not in seen]
                seen.update(replacements)
            if len(following) > MAX_PATHS_PER_NAME:
                following = sorted(following)[:MAX_PATHS_PER_NAME]
                done.add(_unchecked(path))
            todo = following
            if not todo:
                return done
        return done | {_unchecked(path)}

    def expand(self, paths: set[str]) -> set[str]:
        """The paths with names imported from the student's modules followed to what they are there."""
        result: set[str] = set()
        for path in paths:
            if path not in self._expanded:
                self._expanded[path] = frozenset(self._follow(path))
            result |= self._expanded[path]
        return result

    def definition(self, path: str) -> Key | None:
        """The top-level definition in a student's module that a followed path names."""
        split = self._split(path)
        if split is None or not split[1] or split[1][0] not in self.unit(split[0]).definitions:
            return None
        return split[0], split[1][0]

    def roots(self, exercise: str) -> list[Key]:
        """Where an exercise is defined: in the graded file, or in a module of the student's it imports it from."""
        if exercise in self.main.definitions:
            return [(MAIN, exercise)]
        paths = self.main.resolver.resolve(ast.Name(id=exercise, ctx=ast.Load()))
        return sorted({key for path in paths if (key := self.definition(path)) is not None})

    def uses(self, key: Key) -> list[Key]:
        """The student's definitions a definition refers to, in its own module or one it imports from."""
        if key not in self._uses:
            unit = self.unit(key[0])
            self._uses[key] = list(dict.fromkeys(self._refers_to(unit, unit.definitions[key[1]].node)))
        return self._uses[key]

    def _refers_to(self, unit: Unit, node: ast.AST) -> Iterator[Key]:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and sub.id in unit.definitions:
                yield unit.name, sub.id
            if isinstance(sub, (ast.Name, ast.Attribute)) and isinstance(sub.ctx, ast.Load):
                for path in sorted(unit.resolver.resolve(sub)):
                    used = self.definition(path)
                    if used is not None:
                        yield used

    def reachable(self, roots: list[Key], blocked: set[Key]) -> list[Key]:
        """The roots and every definition they use, transitively, except `blocked` ones (other exercises)."""
        order, seen, todo = list(roots), set(roots), list(roots)
        while todo:
            for key in self.uses(todo.pop()):
                if key not in seen and key not in blocked:
                    seen.add(key)
                    order.append(key)
                    todo.append(key)
        return order

    def imported(self) -> list[str]:
        """The student's modules the graded file imports, directly or through one another."""
        order: dict[str, None] = {}
        todo = [MAIN]
        while todo:
            for name in self._imports_of(self.unit(todo.pop())):
                if name not in order:
                    order[name] = None
                    todo.append(name)
        return list(order)

    def _imports_of(self, unit: Unit) -> Iterator[str]:
        for located in unit.statements:
            for node in ast.walk(located.node):
                names: list[str] = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    base = _absolute(node.module, node.level, unit.resolver.package)
                    names = [base] + [f"{base}.{alias.name}" for alias in node.names] if base else []
                for name in names:
                    yield from self._run_by_importing(name)

    def _run_by_importing(self, name: str) -> Iterator[str]:
        """The student's modules that importing `name` runs: each package on the way, then the module."""
        parts = name.split(".")
        for end in range(1, len(parts) + 1):
            if ".".join(parts[:end]) in self._sources:
                yield ".".join(parts[:end])


def defined_names(node: ast.stmt) -> list[str]:
    """Names a top-level statement defines, also inside `if`/`try`/`with` blocks."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    if isinstance(node, (ast.If, ast.Try, ast.With)):
        blocks = [node.body, getattr(node, "orelse", []), getattr(node, "finalbody", [])]
        blocks += [h.body for h in getattr(node, "handlers", [])]
        return [name for block in blocks for stmt in block for name in defined_names(stmt)]
    return []
