"""Static checks on a submission's source: banned APIs and fixed devices.

The check resolves what each name in the code refers to (imports with
aliases, star imports, `x = torch.softmax`, `getattr(F, "soft" + "max")`,
`vars(F)["softmax"]`, `__import__`) and attributes every banned use to the
top-level function it sits in. An exercise is gated when its function, or a
helper it calls that is not itself an exercise, uses a banned API or runs
code built at run time (exec, eval), and when it has no plain definition at
all (one made by exec or through globals() cannot be checked). A use in
top-level notebook code (comparing with torch's version, say) is only a
warning, since it is not part of any graded function.
"""

from __future__ import annotations

import ast
import fnmatch
from dataclasses import dataclass
from typing import Iterable, Iterator

from autograder.intake.source import Chunk

TENSOR_METHOD = "Tensor."
IMPORTERS = {"__import__", "importlib.import_module"}
SELF_NAMES = {"self", "cls"}
RUNS_CODE = {"exec", "eval", "compile"}


@dataclass(frozen=True)
class Violation:
    """One banned use: what was used, and where."""

    api: str
    filename: str
    line: int
    code: str

    def describe(self) -> str:
        if not self.line:
            return f"{self.api} in {self.filename}"
        return f"{self.api} at {self.filename} line {self.line}: `{self.code}`"


@dataclass(frozen=True)
class StaticReport:
    """Per-exercise violations that gate points, and uses outside graded code."""

    gating: dict[str, tuple[Violation, ...]]
    ungraded: tuple[Violation, ...]


@dataclass(frozen=True)
class _Located:
    node: ast.stmt
    filename: str
    lines: list[str]


def _fold_str(node: ast.AST) -> str | None:
    """The value of a string expression built only from constants."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _fold_str(node.left), _fold_str(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.JoinedStr):
        parts = [_fold_str(v) if not isinstance(v, ast.FormattedValue) else _fold_str(v.value) for v in node.values]
        return None if any(p is None for p in parts) else "".join(p for p in parts if p is not None)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "join":
        sep = _fold_str(node.func.value)
        if sep is not None and len(node.args) == 1 and isinstance(node.args[0], (ast.List, ast.Tuple)):
            items = [_fold_str(e) for e in node.args[0].elts]
            return None if any(i is None for i in items) else sep.join(i for i in items if i is not None)
    return None


class _Resolver:
    """Flow-insensitive map from names in the module to the dotted paths they may hold."""

    def __init__(self, statements: list[_Located], top_level_defs: set[str]) -> None:
        self.aliases: dict[str, set[str]] = {}
        self.star_modules: set[str] = set()
        self.local_defs = top_level_defs
        nodes = [n for s in statements for n in ast.walk(s.node)]
        for node in nodes:
            self._imports(node)
        for _ in range(3):
            for node in nodes:
                self._assignment(node)

    def _add(self, name: str, paths: Iterable[str]) -> None:
        self.aliases.setdefault(name, set()).update(paths)

    def _imports(self, node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self._add(alias.asname, [alias.name])
                else:
                    self._add(alias.name.split(".")[0], [alias.name.split(".")[0]])
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if alias.name == "*":
                    self.star_modules.add(node.module)
                else:
                    self._add(alias.asname or alias.name, [f"{node.module}.{alias.name}"])

    def _assignment(self, node: ast.AST) -> None:
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            paths = self.resolve(node.value)
            for target in targets:
                if isinstance(target, ast.Name) and paths:
                    self._add(target.id, paths)

    def resolve(self, node: ast.AST) -> set[str]:
        """Dotted paths an expression may stand for (empty when unknown)."""
        if isinstance(node, ast.Name):
            if node.id in self.aliases:
                return set(self.aliases[node.id])
            if node.id not in self.local_defs and self.star_modules:
                return {f"{m}.{node.id}" for m in self.star_modules}
            return set()
        if isinstance(node, ast.Attribute):
            return {f"{p}.{node.attr}" for p in self.resolve(node.value)}
        if isinstance(node, ast.Call):
            func_paths = self.resolve(node.func) | ({node.func.id} if isinstance(node.func, ast.Name) else set())
            if func_paths & ({"getattr"} | IMPORTERS) and node.args:
                if "getattr" in func_paths and len(node.args) >= 2:
                    name = _fold_str(node.args[1])
                    return {f"{p}.{name}" for p in self.resolve(node.args[0])} if name else set()
                module = _fold_str(node.args[0])
                return {module} if module else set()
        if isinstance(node, ast.Subscript):
            key = _fold_str(node.slice)
            base = node.value
            if key is not None:
                if isinstance(base, ast.Attribute) and base.attr == "__dict__":
                    return {f"{p}.{key}" for p in self.resolve(base.value)}
                if isinstance(base, ast.Call) and isinstance(base.func, ast.Name) and base.func.id == "vars" and base.args:
                    return {f"{p}.{key}" for p in self.resolve(base.args[0])}
        return set()


class StaticChecker:
    """Finds banned APIs (and, optionally, fixed devices) in a submission."""

    def __init__(self, banned: Iterable[str], check_fixed_device: bool = True) -> None:
        banned = tuple(banned)
        self.module_patterns = tuple(p for p in banned if not p.startswith(TENSOR_METHOD))
        self.methods = {p[len(TENSOR_METHOD) :] for p in banned if p.startswith(TENSOR_METHOD)}
        self.check_fixed_device = check_fixed_device

    def _banned_path(self, path: str) -> str | None:
        for pattern in self.module_patterns:
            if fnmatch.fnmatchcase(path, pattern):
                return path
        parts = path.rsplit(".", 1)
        if len(parts) == 2 and parts[0] == "torch.Tensor" and parts[1] in self.methods:
            return f"torch.Tensor.{parts[1]}"
        return None

    def _uses(self, node: ast.AST, resolver: _Resolver) -> Iterator[tuple[ast.AST, str]]:
        """(node, what) for every banned use inside `node`."""
        for sub in ast.walk(node):
            if isinstance(sub, (ast.Name, ast.Attribute)) and isinstance(getattr(sub, "ctx", None), ast.Load):
                for path in resolver.resolve(sub):
                    hit = self._banned_path(path)
                    if hit:
                        yield sub, hit
                        break
                else:
                    method = self._method_use(sub, resolver)
                    if method:
                        yield sub, method
            elif isinstance(sub, (ast.Call, ast.Subscript)):
                yield from self._dynamic_use(sub, resolver)
                if isinstance(sub, ast.Call) and self.check_fixed_device:
                    device = self._fixed_device(sub, resolver)
                    if device:
                        yield sub, device

    def _method_use(self, node: ast.AST, resolver: _Resolver) -> str | None:
        if not isinstance(node, ast.Attribute) or node.attr not in self.methods:
            return None
        if isinstance(node.value, ast.Name) and node.value.id in SELF_NAMES:
            return None
        if resolver.resolve(node.value) - {"torch.Tensor"}:
            return None
        return f"Tensor.{node.attr}"

    def _dynamic_use(self, node: ast.Call | ast.Subscript, resolver: _Resolver) -> Iterator[tuple[ast.AST, str]]:
        for path in resolver.resolve(node):
            hit = self._banned_path(path)
            if hit:
                yield node, hit
                return
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in RUNS_CODE and not resolver.resolve(node.func):
            yield node, f"{node.func.id}() (code built at run time cannot be checked)"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr" and len(node.args) >= 2:
            name = _fold_str(node.args[1])
            bases = resolver.resolve(node.args[0])
            if name is None and any(b.split(".")[0] == "torch" for b in bases):
                yield node, f"getattr on {sorted(bases)[0]} with a computed name (cannot be checked)"
            elif name in self.methods and not (bases - {"torch.Tensor"}):
                yield node, f"Tensor.{name}"

    def _fixed_device(self, node: ast.Call, resolver: _Resolver) -> str | None:
        for keyword in node.keywords:
            if keyword.arg == "device":
                value = _fold_str(keyword.value)
                if value is not None:
                    return f"a fixed device (device={value!r})"
        func = node.func
        if "torch.device" in resolver.resolve(func) and node.args and _fold_str(node.args[0]) is not None:
            return f"a fixed device (torch.device({_fold_str(node.args[0])!r}))"
        if isinstance(func, ast.Attribute) and func.attr == "cuda" and not resolver.resolve(func.value):
            return "a fixed device (.cuda())"
        if isinstance(func, ast.Attribute) and func.attr == "to" and node.args:
            value = _fold_str(node.args[0])
            if value is not None and value.startswith("cuda"):
                return f"a fixed device (.to({value!r}))"
        return None

    def check(self, chunks: Iterable[Chunk], exercises: Iterable[str]) -> StaticReport:
        statements: list[_Located] = []
        for chunk in chunks:
            try:
                tree = ast.parse(chunk.source, filename=chunk.filename)
            except (SyntaxError, ValueError):
                continue  # the worker reports the syntax error; such code never runs
            lines = chunk.source.splitlines()
            statements.extend(_Located(stmt, chunk.filename, lines) for stmt in tree.body)

        definitions: dict[str, _Located] = {}
        for located in statements:
            for name in _defined_names(located.node):
                definitions[name] = located
        resolver = _Resolver(statements, set(definitions))

        exercise_set = set(exercises)
        owned: dict[str, list[Violation]] = {}
        ungraded: list[Violation] = []
        for located in statements:
            names = _defined_names(located.node)
            owner = next((n for n in names if definitions.get(n) is located), None)
            for node, api in self._uses(located.node, resolver):
                line = getattr(node, "lineno", located.node.lineno)
                code = located.lines[line - 1].strip() if 0 < line <= len(located.lines) else ""
                violation = Violation(api, located.filename, line, code)
                if owner is None:
                    ungraded.append(violation)
                else:
                    owned.setdefault(owner, []).append(violation)

        gating: dict[str, tuple[Violation, ...]] = {}
        for exercise in exercise_set:
            if exercise not in definitions:
                gating[exercise] = (Violation(f"no plain definition of `{exercise}` (def {exercise}(...))", "the submission", 0, ""),)
                continue
            found: list[Violation] = []
            for name in _reachable(exercise, definitions, exercise_set):
                found.extend(owned.get(name, []))
            if found:
                gating[exercise] = tuple(_unique(found))
        reached = {v for vs in gating.values() for v in vs}
        ungraded.extend(v for vs in owned.values() for v in vs if v not in reached)
        return StaticReport(gating, tuple(_unique(ungraded)))


def _unique(violations: Iterable[Violation]) -> list[Violation]:
    return list(dict.fromkeys(violations))


def _defined_names(node: ast.stmt) -> list[str]:
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
        return [name for block in blocks for stmt in block for name in _defined_names(stmt)]
    return []


def _reachable(exercise: str, definitions: dict[str, _Located], exercises: set[str]) -> list[str]:
    """The exercise's own definition and the non-exercise helpers it uses, transitively."""
    order, todo = [exercise], [exercise]
    while todo:
        node = definitions[todo.pop()].node
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and sub.id in definitions and sub.id not in order and sub.id not in exercises:
                order.append(sub.id)
                todo.append(sub.id)
    return order
