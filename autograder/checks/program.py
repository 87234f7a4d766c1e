"""A submission as the static check sees it: the modules that run, their units, and what each expression holds.

The graded file and every module of the student's it imports (directly, by
a constant `importlib.import_module`, or through one another) run; a module
nothing imports never runs and is not analysed. A module of the student's
named like a library (`torch.py`, `operator.py`) never runs either: the
worker's finder for student modules comes after Python's own, so `torch`
always means the real torch.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass
from typing import Hashable, Iterable, Iterator

from autograder.checks import torch_objects
from autograder.checks.bindings import STAR, Binding, Source, Unit, absolute, fold_str, parse, parts, units
from autograder.checks.classes import Identified, identify
from autograder.checks.names import MAIN, Builder, Module, Values, is_library
from autograder.checks.scopes import Scanner, inner_parts
from autograder.intake.source import Chunk, ModuleFile

SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


@dataclass(frozen=True)
class Assignment:
    """A value a variable is set to by `=`, `:=` or an annotated assignment, in its unit, with the tests of the
    `if` statements around it (either branch)."""

    value: ast.expr
    unit: Unit
    tests: tuple[ast.expr, ...]


class Program:
    """The analysed submission: modules by name (the graded file is MAIN), solved values, and what could not be parsed.

    The student's classes whose objects can be told apart from tensors are found from a first analysis
    (see `autograder.checks.classes`), and the analysis is made again knowing them.
    """

    def __init__(self, chunks: Iterable[Chunk], modules: Iterable[ModuleFile]) -> None:
        self.files = {m.name: m for m in modules if not is_library(m.name.split(".")[0])}
        self.modules: dict[str, Module] = {}
        self._by_name: dict[str, dict[str, list[Binding]]] = {}
        self._assigned: dict[Hashable, list[Assignment]] = {}
        self.too_deep: list[Chunk] = []
        main_sources, deep = parse(chunks)
        self.too_deep += deep
        self._add(MAIN, "", main_sources)
        todo = [MAIN]
        while todo:
            for name in self._imports(self.modules[todo.pop()]):
                if name not in self.modules:
                    file = self.files[name]
                    sources, deep = parse([Chunk(file.filename, file.filename, file.source)])
                    self.too_deep += deep
                    self._add(name, name if file.package else name.rpartition(".")[0], sources)
                    todo.append(name)
        self.hooks = {name for name, module in self.modules.items() if any(b.name == "__getattr__" for b in module.bindings())}
        """Modules with a module-level `__getattr__`, which answers for every name they lack."""
        self.classes = True
        """Whether the student's classes are told apart from tensors."""
        self.values = self.unassuming = self._analyse(Identified())
        """What the analysis finds knowing nothing of the student's classes."""
        identified = identify(self)
        if identified.plain:
            # The first analysis assumes nothing of the classes, so what is found from it holds
            # for the second, which only uses it.
            self.values = self._analyse(identified)

    def without_classes(self) -> Program:
        """The same submission, analysed without telling the student's classes apart from tensors."""
        other = copy.copy(self)
        other.classes = False
        other.values = self.unassuming
        return other

    def _analyse(self, identified: Identified) -> Values:
        """The solved values of every module, given the classes whose objects can be told apart."""
        values = Values(set(self.files), self.hooks)
        values.modules = self.modules
        values.plain = identified.plain
        values.selfs = identified.selfs
        values.exact = identified.exact
        values.kept_attributes = identified.kept
        self.values = values
        for module in self.modules.values():
            module.definitions.clear()
            stars = [b.imported_from or "" for b in module.bindings() if b.kind == STAR and b.imported_from not in self.files]
            values.stars[module.name] = [s for s in stars if s]
            builder = Builder(values, module, values.stars[module.name], self._shadowed(module))
            for unit, scan in zip(module.units, module.scans):
                builder.build(unit, scan)
        self._link_stars()
        values.solve()
        return values

    def _add(self, name: str, package: str, sources: list[Source]) -> None:
        found = units(name, sources)
        scanner = Scanner(package)
        self.modules[name] = Module(name, package, found, [scanner.scan(u) for u in found])

    def _imports(self, module: Module) -> Iterator[str]:
        """The student's modules a module runs by importing them: each package on the way, then the module."""
        trees = {id(u.source): u.source.tree for u in module.units}
        for tree in trees.values():
            for node in ast.walk(tree):
                names: list[str] = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    base = absolute(node.module, node.level, module.package)
                    names = [base] + [f"{base}.{alias.name}" for alias in node.names] if base else []
                elif isinstance(node, ast.Call) and node.args and _imports_by_name(node):
                    name = fold_str(node.args[0])
                    names = [name] if name else []
                for name in names:
                    pieces = name.split(".")
                    yield from (p for p in (".".join(pieces[:end]) for end in range(1, len(pieces) + 1)) if p in self.files)

    def _shadowed(self, module: Module) -> dict[str, tuple[int, bool]]:
        """Names bound unconditionally after a module's last star import of a library: by which unit, and whether no call runs before."""
        stars = [b.unit.index for b in module.bindings() if b.kind == STAR]
        if not stars:
            return {}
        last = max(stars)
        calls = [0]
        for unit in module.units:
            runs_calls = unit.index > last and any(isinstance(n, ast.Call) for part in parts(unit) for n in ast.walk(part))
            calls.append(calls[-1] + runs_calls)
        shadowed: dict[str, tuple[int, bool]] = {}
        for binding in module.bindings():
            if binding.unit.index > last and not binding.unit.blocks and binding.kind != STAR:
                index = binding.unit.index
                if binding.name not in shadowed or shadowed[binding.name][0] > index:
                    shadowed[binding.name] = (index, calls[index] == 0)
        return shadowed

    def _link_stars(self) -> None:
        """A star import of a student's module binds every name that module binds."""
        for module in self.modules.values():
            for binding in module.bindings():
                source = self.modules.get(binding.imported_from or "") if binding.kind == STAR else None
                if source is not None:
                    for name in {b.name for b in source.bindings() if b.kind != STAR}:
                        self.values.solver.edge(self.values.name_var(source.name, name), self.values.name_var(module.name, name))

    def bindings(self, module: str, name: str) -> list[Binding]:
        """Every module-level binding of a name, star imports that may bind it included."""
        if module not in self._by_name:
            index: dict[str, list[Binding]] = {}
            for binding in self.modules[module].bindings():
                index.setdefault(binding.name, []).append(binding)
            self._by_name[module] = index
        found = [b for b in self._by_name[module].get(name, []) if b.kind != STAR]
        for binding in self._by_name[module].get("*", []):
            if self._star_binds(binding, name):
                kind = "from" if binding.imported_from in self.modules else STAR
                found.append(Binding(name, kind, binding.unit, binding.node, binding.imported_from))
        return found

    def _star_binds(self, binding: Binding, name: str) -> bool:
        source = self.modules.get(binding.imported_from or "")
        if source is not None:
            return any(b.name == name for b in source.bindings())
        return torch_objects.exports(binding.imported_from or "", name)

    def assignments(self, name: ast.Name, unit: Unit) -> tuple[Hashable, list[Assignment]]:
        """The assignments of the variable a name reads in `unit` (a local variable or a module-level name), and a
        key for that variable. Other bindings (parameters, loops, imports) set no value that is written out."""
        scan = self.modules[unit.module].scans[unit.index]
        scope = scan.locals.get(id(name))
        key = (unit.module, scope, name.id)
        if key not in self._assigned:
            found: list[Assignment] = []
            if scope is None:
                for binding in self.bindings(unit.module, name.id):
                    tests = tuple(b.test for b in binding.unit.blocks if isinstance(b, ast.If))
                    found += _assigned(parts(binding.unit), binding.unit, tests, binding.node)
            else:
                function = next((f for f in ast.walk(unit.statement) if scan.scopes.get(id(f)) == scope), None)
                if function is not None:
                    found = _assigned(inner_parts(function), unit, (), name.id)
            self._assigned[key] = found
        return key, self._assigned[key]

    def has_classes(self) -> bool:
        return any(isinstance(d, ast.ClassDef) for m in self.modules.values() for d in m.definitions)

    def class_defines(self, value: str, name: str) -> bool:
        """Whether a class of the student's (`&module:n`, or `*module:n` for its instances) defines `name` in its own body,
        so that the attribute is the student's code, not a library's (when classes are told apart at all)."""
        if not self.classes:
            return False
        module, _, index = value[1:].partition(":")
        node = self.modules[module].definitions[int(index)] if module in self.modules and index.isdigit() else None
        if not isinstance(node, ast.ClassDef):
            return False
        for statement in node.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and statement.name == name:
                return True
            targets = statement.targets if isinstance(statement, ast.Assign) else [getattr(statement, "target", None)]
            if isinstance(statement, (ast.Assign, ast.AnnAssign)) and any(isinstance(t, ast.Name) and t.id == name for t in targets):
                return True
        return False

    def all_units(self) -> Iterator[tuple[Module, Unit, int]]:
        for module in self.modules.values():
            for index, unit in enumerate(module.units):
                yield module, unit, index


def _imports_by_name(node: ast.Call) -> bool:
    func = node.func
    return (isinstance(func, ast.Name) and func.id == "__import__") or (isinstance(func, ast.Attribute) and func.attr == "import_module")


def _assigned(roots: Iterable[ast.AST], unit: Unit, tests: tuple[ast.expr, ...], target: ast.AST | str) -> list[Assignment]:
    """The assignments under `roots` of `target`, each with the `if` tests around it: a binding's node (a target
    or a `:=` expression) anywhere, or a local variable by its name in the code of its own scope (nested functions
    and classes left out)."""
    found: list[Assignment] = []
    todo: list[tuple[ast.AST, tuple[ast.expr, ...]]] = [(root, tests) for root in roots]
    while todo:
        node, around = todo.pop()
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
            targets = [node.target]
        if isinstance(target, str):
            hit = any(isinstance(t, ast.Name) and t.id == target for t in targets)
        else:
            hit = bool(targets) and (node is target or any(t is target for t in targets))
        if hit:
            found.append(Assignment(node.value, unit, around))  # type: ignore[attr-defined]
        for child in ast.iter_child_nodes(node):
            if not (isinstance(target, str) and isinstance(child, SCOPES)):
                inside = isinstance(node, ast.If) and child is not node.test
                todo.append((child, (*around, node.test) if inside else around))  # type: ignore[attr-defined]
    return found
