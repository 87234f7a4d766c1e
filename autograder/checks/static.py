"""Static checks on a submission's source: banned APIs, code that cannot be checked, and fixed devices.

The check is meant to be sound: whatever a graded function runs is either
shown to be free of banned APIs or gates the function. It rests on three
facts about Python:

1. A banned API is reached by naming it (an attribute, an import, a
   constant `getattr` name; resolved through aliases, containers, function
   arguments and return values by `autograder.checks.names`, and by object
   identity or name through private modules by `autograder.checks.torch_objects`)
   or by code that computes names or runs text (`autograder.checks.dynamic`),
   which gates whatever contains it.
2. Code passes values to a graded function only through module-level names,
   attributes, arguments and return values. Every unit of code (a `def`, or a
   top-level statement) that binds or changes a module-level name the
   function reads counts as part of the function (`autograder.checks.scopes`),
   and so do the callers of helpers that change module-level names.
3. What changes a module or class (`torch.exp = ...`, `setattr(torch, ...)`)
   changes every function, and so does code the check cannot follow at top
   level: those gate every exercise.

A pattern ending in `=` bans a keyword argument of any call that may hand
it to library code (calls of the student's own functions pass their own
parameters, `dict(...)` and the student's data classes keep theirs as data),
given by name or unpacked from a dict whose keys are written out, inline or
in a local name that keeps its dict and adds no key; `**options` with keys
the check cannot read gates where it is.

An exercise must be defined by a plain `def` (or `class`), the last binding
of its name (see `autograder.checks.bindings`). Calling another exercise does
not carry that exercise's banned uses over: each exercise pays for its own.
A banned use that no graded function reaches (a comparison with torch's
softmax in a notebook cell) is only reported, as it costs nothing.
"""

from __future__ import annotations

import ast
import sys
from collections import deque
from dataclasses import dataclass
from typing import Callable, Hashable, Iterable, Iterator, Literal

from autograder.checks import dynamic, torch_objects
from autograder.checks.bindings import STAR, Binding, Unit, absolute, definition, fold_str, parts
from autograder.checks.names import CLASS, MAIN, OVERFLOW, UNKNOWN, Module, is_path, namespace_call
from autograder.checks.program import Program
from autograder.intake.source import Chunk, ModuleFile

Key = tuple[str, str]
"""A module-level name: (its module, its name); the graded file's module is MAIN."""
Kind = Literal["banned", "dynamic", "shared"]
UNIDENTIFIED = (UNKNOWN, CLASS, OVERFLOW)
MAX_REPORTED = 20
Refused = Callable[[str], bool]
"""Which constant devices (`"cuda"`, `"cpu"`) a place in the code may not name."""
CPU_DRAWS = ("torch.Generator", "torch.randperm")
"""Library calls that may draw on the CPU: they make a generator, or a permutation of indices (see `_Sites.refused_by`)."""
KEYWORD_DATA = {"builtins.dict", "dataclasses.dataclass"}
"""Library callables that give their keyword arguments to no other function: the keys of a new dict, the options
of `dataclass` (which a class it decorates also holds, see `autograder.checks.names.CLASS_DECORATORS`)."""
DATA_BASES = ("builtins.object", "builtins.dict", "abc.ABC", "typing.TypedDict", "typing.NamedTuple", "torch.nn.Module")
"""Library bases of a class whose making takes keywords as data or refuses them: a dict's keys, a TypedDict's or
NamedTuple's fields; `object` and `torch.nn.Module` refuse unknown keywords."""
AVAILABILITY = {"is_available", "device_count"}
"""Functions of torch's device modules (`torch.cuda.is_available`, `torch.backends.mps.is_available`) that a
device chosen by availability depends on."""


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
class Finding:
    """A violation and what it affects: a banned use or unchecked code gates what reaches it; a change of shared state gates everything."""

    violation: Violation
    kind: Kind


class StaticChecker:
    """Finds banned APIs, code that cannot be checked and (optionally) fixed devices in a submission."""

    def __init__(self, banned: Iterable[str], check_fixed_device: bool = True) -> None:
        self.apis = torch_objects.BannedApis(banned)
        self.check_fixed_device = check_fixed_device

    def check(self, chunks: Iterable[Chunk], exercises: Iterable[str], modules: Iterable[ModuleFile] = ()) -> StaticReport:
        """Gate the exercises whose code (or what it reaches, in any of the student's modules) breaks a rule.

        The student's classes are told apart from tensors (see `autograder.checks.classes`) only where the
        analysis sees every write into an object, which code it cannot follow may make anywhere (in another
        exercise, say, whose tests run first): a submission with such code is checked again without.
        """
        names = sorted(set(exercises))
        program = Program(chunks, modules)
        report, unchecked = self._check(program, names)
        if unchecked and program.has_classes():
            report, _ = self._check(program.without_classes(), names)
        return report

    def _check(self, program: Program, names: list[str]) -> tuple[StaticReport, bool]:
        """The report, and whether the submission holds code the analysis cannot follow."""
        graph = _Graph(program, set(names))
        devices = _Devices(program)
        for module, unit, _ in program.all_units():
            graph.findings[unit] = list(_Sites(self, program, module, unit, graph, devices).run())
        for store in program.values.stores:
            shared = _shared_store(store.base, store.attribute, program, store.constant)
            if shared:
                what = f"a change of `{shared}.{store.attribute}` (changes to modules and classes reach every function; cannot be checked)"
                graph.findings[store.unit].append(_finding(store.unit, store.node, what, _store_kind(shared)))
        graph.link()
        everywhere = [_finding_in_chunk(c) for c in program.too_deep] + graph.everywhere()
        definitions = {name: _Definition(program, name) for name in names}
        gated: set[Violation] = set()
        gating: dict[str, tuple[Violation, ...]] = {}
        for name in names:
            found = definitions[name]
            if found.unit is None and not found.problems:
                violations = [Violation(f"no plain definition of `{name}` (def {name}(...))", "the submission", 0, "")]
            else:
                others = [d for n, d in definitions.items() if n != name]
                reached = graph.reach(found.roots(), {k for d in others for k in d.keys()}, {d.unit for d in others if d.unit is not None})
                violations = found.problems + [f.violation for f in reached]
            violations += [f.violation for f in everywhere]
            if violations:
                gating[name] = _reported(violations)
                gated.update(violations)
        ungraded = [f.violation for fs in graph.findings.values() for f in fs if f.violation not in gated]
        unchecked = bool(program.too_deep) or any(f.kind == "dynamic" for fs in graph.findings.values() for f in fs)
        return StaticReport(gating, tuple(_unique(ungraded))), unchecked


class _Definition:
    """How an exercise is defined in the graded file: the unit that defines it, and what disqualifies it."""

    def __init__(self, program: Program, name: str) -> None:
        self.name = name
        self.problems: list[Violation] = []
        found, others = definition(program.bindings(MAIN, name))
        self.replacing = [o.unit for o in others]
        for other in others:
            self.problems.append(_violation(other.unit, other.node, f"`{name}` bound by {other.kind}, not by def (the function checked must be the one graded)"))
        self.unit: Unit | None = found.unit if found is not None else None
        self.imported: Key | None = None
        if found is not None and found.kind == "from":
            self.imported = _imported_definition(program, found, set())
            if self.imported is None:
                self.problems.append(_violation(found.unit, found.node, f"`{name}` imported, not defined by a def in the submission"))

    def roots(self) -> list[Unit]:
        """Where the exercise's code starts: its definition, and the other bindings that replace it."""
        return ([self.unit] if self.unit is not None else []) + self.replacing

    def keys(self) -> set[Key]:
        return {(MAIN, self.name)} | ({self.imported} if self.imported else set())


def _imported_definition(program: Program, binding: Binding, seen: set[Key]) -> Key | None:
    """The (module, name) of the student's def a from-import reaches, if it reaches one through plain definitions only."""
    module = binding.imported_from
    if module is None or module not in program.modules:
        return None
    name = binding.name
    if isinstance(binding.node, ast.ImportFrom):
        name = next((a.name for a in binding.node.names if (a.asname or a.name) == binding.name), binding.name)
    key = (module, name)
    if key in seen:
        return None
    found, others = definition(program.bindings(module, name))
    if found is None or others:
        return None
    if found.kind == "from":
        return _imported_definition(program, found, seen | {key})
    return key


class _Graph:
    """Units and module-level names: what each unit reads, binds and changes, and what reaches what."""

    def __init__(self, program: Program, exercises: set[str]) -> None:
        self.program = program
        self.exercises = exercises
        self.findings: dict[Unit, list[Finding]] = {}
        self.loads: dict[Unit, set[Key]] = {}
        self.binds: dict[Unit, set[Key]] = {}
        self.definers: dict[Key, list[Unit]] = {}
        self.loaders: dict[Key, list[Unit]] = {}
        self.mutating: set[Unit] = set()
        self.in_force: dict[str, Unit | None] = {}
        self.follows: dict[Unit, list[Unit]] = {}
        """Units a unit reaches directly: a top-level `try` header reaches the units of its body."""

    def load(self, unit: Unit, key: Key) -> None:
        self.loads.setdefault(unit, set()).add(key)

    def link(self) -> None:
        """Index definers and loaders, and find the units whose call may change module-level names."""
        program = self.program
        direct: list[Unit] = []
        for module, unit, index in program.all_units():
            scan = module.scans[index]
            for name in scan.loads:
                self.load(unit, (module.name, name))
            bound = {(module.name, b.name) for b in scan.bindings if b.kind != STAR}
            bound |= {(module.name, n) for b in scan.bindings if b.kind == STAR and b.imported_from in program.modules for n in _names_of(program.modules[b.imported_from or ""])}
            data = {n for n in {*scan.changes, *(n for n, _ in scan.passes)} if _holds_data(program, module.name, n)}
            changed = {n for n, certain in scan.changes.items() if certain or n in data}
            passed = {n for n, call in scan.passes if n in data and _calls_own_code(program, call)}
            self.binds[unit] = bound
            for key in bound | {(module.name, n) for n in changed | passed}:
                if not self._superseded(key, unit):
                    self.definers.setdefault(key, []).append(unit)
            if (scan.feeds & changed) or passed or any(b.in_function for b in scan.bindings):
                direct.append(unit)
        for unit, keys in self.loads.items():
            keys |= {(m, "__getattr__") for m, _ in keys if m in program.hooks}
            for key in keys:
                self.loaders.setdefault(key, []).append(unit)
        self._link_tries()
        todo = deque(direct)
        self.mutating = set(direct)
        while todo:
            for key in self.binds.get(todo.popleft(), ()):
                for loader in self.loaders.get(key, ()):
                    if loader not in self.mutating:
                        self.mutating.add(loader)
                        todo.append(loader)

    def _link_tries(self) -> None:
        """An `except ... as e` clause at top level holds what its `try` body raised: its header reaches that body's units."""
        headers = {id(u.statement): u for _, u, _ in self.program.all_units() if u.kind == "header" and isinstance(u.statement, (ast.Try, ast.TryStar))}
        for _, unit, _ in self.program.all_units():
            inner: ast.AST = unit.statement
            for block in reversed(unit.blocks):
                header = headers.get(id(block))
                if header is not None and any(s is inner for s in block.body):  # type: ignore[attr-defined]
                    self.follows.setdefault(header, []).append(unit)
                inner = block

    def _superseded(self, key: Key, unit: Unit) -> bool:
        """Whether a def/class of an exercise is an earlier version than the one checked (and run again after
        the student's code, see `autograder.intake.pin`). A helper's earlier versions still count: one may
        stay in force when the cell redefining it fails."""
        module, name = key
        if module != MAIN or unit.kind != "def" or name not in self.exercises:
            return False
        if name not in self.in_force:
            found, _ = definition(self.program.bindings(module, name))
            self.in_force[name] = found.unit if found is not None and found.kind in ("def", "class") else None
        return self.in_force[name] not in (None, unit)

    def reach(self, roots: list[Unit], blocked_keys: set[Key], blocked_units: set[Unit]) -> list[Finding]:
        """The findings of every unit the roots reach: through names they read to what binds or changes them,
        and from helpers that change names to the code that calls them."""
        seen = set(roots)
        todo = deque(roots)
        found: list[Finding] = []
        while todo:
            unit = todo.popleft()
            found += self.findings.get(unit, [])
            following: list[Unit] = list(self.follows.get(unit, ()))
            for key in self.loads.get(unit, ()):
                if key not in blocked_keys:
                    following += self.definers.get(key, [])
            if unit in self.mutating:
                for key in self.binds.get(unit, ()):
                    following += self.loaders.get(key, [])
            for other in following:
                if other not in seen and other not in blocked_units:
                    seen.add(other)
                    todo.append(other)
        return found

    def everywhere(self) -> list[Finding]:
        """Findings that gate every exercise: changes of shared state anywhere, and code that cannot be checked where top-level code reaches it."""
        shared = [f for fs in self.findings.values() for f in fs if f.kind == "shared"]
        top = [u for _, u, _ in self.program.all_units() if u.kind != "def"]
        reached = self.reach(top, set(), set())
        return shared + [f for f in reached if f.kind == "dynamic"]


def _names_of(module: Module) -> set[str]:
    return {b.name for b in module.bindings() if b.kind != STAR}


def _holds_data(program: Program, module: str, name: str) -> bool:
    """Whether a name may hold an object that code can change (a container, a tensor, an instance) rather than
    only constants, modules, library objects and functions."""
    values = program.values.solver.values[program.values.name_var(module, name)]
    return any(v in (UNKNOWN, CLASS, OVERFLOW) or v[0] in "[*" for v in values)


def _calls_own_code(program: Program, call: ast.Call) -> bool:
    """Whether a call may run the student's code (which may keep what it is passed), as far as the analysis knows."""
    return any(v[0] in "&*" or v == OVERFLOW for v in program.values.values_of(call.func))


def _shared_store(base: int, attribute: str, program: Program, constant: bool) -> str | None:
    """What shared object a store changes (a module, a class, something unidentified), if any and if it matters.

    A setting of torch's that holds plain data (`torch.backends.cudnn.benchmark = flag`) changes no
    function, whatever is stored in it.
    """
    if constant:
        return None
    values = program.values.solver.values[base]
    for value in sorted(values):
        if value == OVERFLOW or value == CLASS:
            return "<a class or module the check cannot identify>"
        if value.startswith("@"):
            return value[1:] or "<the graded module>"
        if is_path(value) and torch_objects.is_namespace(value) and not torch_objects.is_setting(f"{value}.{attribute}"):
            return value
    return None


def _store_kind(shared: str) -> Kind:
    """A change of torch, of the standard library (which torch's own Python code calls) or of something
    unidentified reaches every function; a change of another library only the code that uses it."""
    root = shared.split(".")[0]
    if root.startswith("<") or root in ("torch", "builtins") or root in sys.stdlib_module_names or not is_path(shared):
        return "shared"
    return "banned"


def _violation(unit: Unit, node: ast.AST | None, api: str) -> Violation:
    line, code = unit.line(node)
    return Violation(api, unit.source.filename, line, code)


def _finding(unit: Unit, node: ast.AST | None, api: str, kind: Kind) -> Finding:
    return Finding(_violation(unit, node, api), kind)


def _finding_in_chunk(chunk: Chunk) -> Finding:
    return Finding(Violation(dynamic.TOO_DEEP, chunk.filename, 0, ""), "dynamic")


class _Sites:
    """The checks on every node of one unit."""

    def __init__(self, checker: StaticChecker, program: Program, module: Module, unit: Unit, graph: _Graph, devices: _Devices) -> None:
        self.checker = checker
        self.devices = devices
        self.apis = checker.apis
        self.program = program
        self.values = program.values
        self.module = module
        self.unit = unit
        self.graph = graph
        self.parents: dict[int, ast.AST] = {}
        self.flagged: set[int] = set()

    def run(self) -> Iterator[Finding]:
        if self.unit.too_deep:
            yield _finding(self.unit, None, dynamic.TOO_DEEP, "dynamic")
            return
        order: list[ast.AST] = []
        todo: deque[ast.AST] = deque(parts(self.unit))
        while todo:
            node = todo.popleft()
            order.append(node)
            for child in ast.iter_child_nodes(node):
                self.parents[id(child)] = node
                todo.append(child)
        for node in reversed(order):
            yield from self.node(node)

    def finding(self, node: ast.AST, api: str, kind: Kind) -> Finding:
        if kind == "banned":
            self.flagged.add(id(node))
        return _finding(self.unit, node, api, kind)

    def node(self, node: ast.AST) -> Iterator[Finding]:
        parent = self.parents.get(id(node))
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            if node.id in ("__builtins__", "__loader__", "__spec__"):
                yield self.finding(node, dynamic.unchecked(node.id), "dynamic")
            yield from self.check_values(node, self.values.values_of(node), parent)
            if node.id == "get_ipython" and "IPython.get_ipython" in self.values.values_of(node):
                yield from self.ipython(node, parent)
        elif isinstance(node, ast.Attribute):
            yield from self.attribute(node, parent)
        elif isinstance(node, ast.Call):
            yield from self.call(node, parent)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and fold_str(node.slice) is not None:
            namespace = self._namespace_of(node)
            if namespace is not None:
                yield from self.check_values(node, self.values.values_of(node), parent)
                key = fold_str(node.slice) or ""
                if isinstance(namespace, str):
                    self.graph.load(self.unit, (self.module.name, key))
                else:
                    self.record_loads(namespace, key)
                    if id(node) not in self.flagged:
                        yield from self.by_name(node, namespace, key)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            yield from self.imports(node)
        elif isinstance(node, ast.keyword) and self.apis.keywords and not self.keywords_stay(parent):
            yield from self.keyword(node)

    def _namespace_of(self, node: ast.Subscript) -> ast.AST | str | None:
        """For `x.__dict__[k]` and `vars(x)[k]`: `x`; for `globals()[k]`: this module's name; otherwise None."""
        base = node.value
        if isinstance(base, ast.Attribute) and base.attr == "__dict__":
            return base.value
        if isinstance(base, ast.Call) and namespace_call(base):
            return base.args[0] if base.args else self.module.name
        return None

    def check_values(self, node: ast.AST, values: set[str], parent: ast.AST | None) -> Iterator[Finding]:
        """Banned APIs and unchecked objects among the values of an expression."""
        called = isinstance(parent, ast.Call) and parent.func is node
        for value in sorted(values):
            if value == OVERFLOW:
                # Called, it could be anything, a hook on all of torch say; only read, it matters where it is used.
                yield self.finding(node, dynamic.TOO_MANY, "dynamic" if called else "banned")
            elif is_path(value):
                hit = self.apis.path(value)
                if hit and self.named_further(node, value, parent):
                    continue
                if hit:
                    yield self.finding(node, hit, "banned")
                    return
                entry = dynamic.reaches_anything(value)
                if entry and not self.inert(node, value, parent):
                    yield self.finding(node, dynamic.unchecked(entry), "dynamic")
                elif value in dynamic.CALL_ONLY and not called:
                    name = value.rsplit(".", 1)[-1]
                    yield self.finding(node, f"`{name}` passed as a value (cannot be checked): {dynamic.PLAINLY}", "dynamic")

    def named_further(self, node: ast.AST, value: str, parent: ast.AST | None) -> bool:
        """Whether a banned module is only the start of a banned name read from it (`torch.autograd` in
        `torch.autograd.grad`), which names the use better."""
        return (
            isinstance(parent, ast.Attribute)
            and parent.value is node
            and isinstance(parent.ctx, ast.Load)
            and torch_objects.is_module(value)
            and self.apis.path(f"{value}.{parent.attr}") is not None
        )

    def inert(self, node: ast.AST, value: str, parent: ast.AST | None) -> bool:
        """Whether a use of an unchecked library object can neither hand out an object nor run text: a
        membership test on a namespace (`"google.colab" in sys.modules`), a clock, or a timer of functions."""
        if (value in dynamic.DICTS and _membership(node, parent)) or value in dynamic.CLOCKS:
            return True
        if value == "timeit" and isinstance(parent, ast.Attribute) and parent.value is node:
            value, node, parent = f"timeit.{parent.attr}", parent, self.parents.get(id(parent))
            if value in dynamic.CLOCKS:
                return True
        return value in dynamic.TIMERS and isinstance(parent, ast.Call) and parent.func is node and self.times_functions(parent)

    def times_functions(self, call: ast.Call) -> bool:
        """Whether a timer's statement and setup, where given, are the student's functions, never text."""
        if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
            return False
        timed = [call.args[i] for _, i in dynamic.TIMED if i < len(call.args)]
        timed += [k.value for k in call.keywords if k.arg in {name for name, _ in dynamic.TIMED}]
        return all(self.values.values_of(a) and all(v.startswith("&") for v in self.values.values_of(a)) for a in timed)

    def attribute(self, node: ast.Attribute, parent: ast.AST | None) -> Iterator[Finding]:
        name = node.attr
        is_dunder = name.startswith("__") and name.endswith("__")
        if is_dunder and not isinstance(node.ctx, ast.Load):
            yield self.finding(node, f"a change of `{name}` (cannot be checked): {dynamic.PLAINLY}", "dynamic")
        elif name in dynamic.DUNDERS and not (name == "__dict__" and isinstance(parent, ast.Subscript) and fold_str(parent.slice) is not None and isinstance(parent.ctx, ast.Load)):
            yield self.finding(node, dynamic.unchecked(name), "dynamic")
        if name in dynamic.FRAME_ATTRIBUTES:
            yield self.finding(node, dynamic.unchecked(name), "dynamic")
        if isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name) and node.value.func.id == "get_ipython":
            if name not in dynamic.IPYTHON_SHIMS or not (isinstance(parent, ast.Call) and parent.func is node):
                yield self.finding(node, dynamic.unchecked(f"get_ipython().{name}"), "dynamic")
        if not isinstance(node.ctx, ast.Load):
            if id(node.value) not in self.flagged:
                yield from self.by_name(node, node.value, name)
            return
        self.record_loads(node.value, name)
        if id(node.value) in self.flagged:
            self.flagged.add(id(node))
            return
        yield from self.check_values(node, self.values.values_of(node), parent)
        if id(node) not in self.flagged:
            yield from self.by_name(node, node.value, name)

    def by_name(self, node: ast.AST, base: ast.AST, name: str) -> Iterator[Finding]:
        """A banned name read, called, set or deleted on an object the check cannot identify (a tensor's `.softmax`,
        `.requires_grad = True`, say); an instance
        of a plain class of the student's has only the student's attributes (see `autograder.checks.classes`)."""
        values = self.values.values_of(base)
        if any(v in UNIDENTIFIED or (v[0] in "&*" and not self.program.class_defines(v, name) and "&" + v[1:] not in self.values.plain) for v in values):
            hit = self.apis.name(name)
            if hit:
                yield self.finding(node, hit, "banned")

    def record_loads(self, base: ast.AST, name: str) -> None:
        """Reading an attribute of one of the student's modules reads that module's name."""
        for value in self.values.values_of(base):
            if value.startswith("@") and f"{value[1:]}.{name}" not in self.program.modules:
                self.graph.load(self.unit, (value[1:], name))

    def call(self, node: ast.Call, parent: ast.AST | None) -> Iterator[Finding]:
        funcs = self.values.values_of(node.func)
        first_name = fold_str(node.args[1]) if len(node.args) >= 2 else None
        for func in sorted(funcs):
            if func in dynamic.NAME_FUNCTIONS:
                if first_name is None:
                    yield self.finding(node, dynamic.COMPUTED_NAME, "dynamic")
                elif func == "builtins.getattr":
                    self.record_loads(node.args[0], first_name)
                    yield from self.check_values(node, self.values.values_of(node), parent)
                    if id(node) not in self.flagged:
                        yield from self.by_name(node, node.args[0], first_name)
                else:
                    yield from self.by_name(node, node.args[0], first_name)
            elif func in dynamic.NAMESPACE_FUNCTIONS:
                lookup = isinstance(parent, ast.Subscript) and parent.value is node and fold_str(parent.slice) is not None
                keyed = lookup and isinstance(getattr(parent, "ctx", None), ast.Load) and namespace_call(node)
                if not keyed and not (_membership(node, parent) and not node.args):
                    yield self.finding(node, dynamic.COMPUTED_KEY, "dynamic")
            elif func in dynamic.IMPORTERS:
                if not node.args or fold_str(node.args[0]) is None:
                    yield self.finding(node, dynamic.COMPUTED_IMPORT, "dynamic")
            elif func in dynamic.RUNS_CODE:
                yield self.finding(node, f"{func.rsplit('.', 1)[-1]}() (code built at run time cannot be checked)", "dynamic")
        if any(k.arg == dynamic.EVALUATES and not (isinstance(k.value, ast.Constant) and k.value.value is False) for k in node.keywords):
            yield self.finding(node, dynamic.EVALUATED, "dynamic")
        elif any(k.arg is None for k in node.keywords) and any(f.startswith("inspect.") for f in funcs):
            yield self.finding(node, dynamic.EVALUATED, "dynamic")
        if self.checker.check_fixed_device:
            device = self.fixed_device(node)
            if device:
                yield self.finding(node, device, "banned")

    def keywords_stay(self, call: ast.AST | None) -> bool:
        """Whether a call gives its keyword arguments to no library function that could take a banned one: it can
        only run functions of the student's, whose keywords name their own parameters (the code that passes them on
        to a library is checked where it does), build a dict (`dict(**grads)`, whose keywords are its keys), or make
        an instance of a class of the student's that only such code makes (see `data_class`)."""
        if not isinstance(call, ast.Call):
            return False
        funcs = self.values.values_of(call.func)
        return bool(funcs) and all(self.values.is_function(f) or f in KEYWORD_DATA or self.data_class(f, set()) for f in funcs)

    def data_class(self, value: str, seen: set[str]) -> bool:
        """Whether a class of the student's is made by its own code (its `__init__`, `__new__`, or one that
        `dataclass` writes) or by a base among `DATA_BASES`, none of which hands its keywords to another function:
        no metaclass, and every base such a class."""
        node = self.values.definition(value)
        if not isinstance(node, ast.ClassDef) or value in seen or any(k.arg == "metaclass" for k in node.keywords):
            return False
        for base in node.bases:
            found = self.values.values_of(base)
            if not found or not all(self.data_class(v, seen | {value}) or _data_base(v) for v in found):
                return False
        return True

    def keyword(self, node: ast.keyword) -> Iterator[Finding]:
        """A banned keyword argument, given by name or unpacked from a dict whose keys are written out."""
        names = [node.arg] if node.arg is not None else self.keys(node.value)
        if names is None:
            yield self.finding(node, dynamic.COMPUTED_KEYWORDS, "banned")
            return
        for name in names:
            hit = self.apis.keyword(name)
            if hit:
                yield self.finding(node, hit, "banned")
                return

    def keys(self, node: ast.expr, seen: frozenset[tuple[int, str]] = frozenset()) -> list[str] | None:
        """The keys of a dict unpacked as keyword arguments, when the code writes them out: a dict display with
        constant keys, `dict(name=..., **d)` of such dicts, or a local name set only to such displays that keeps its
        dict and never gets a new key (see `autograder.checks.scopes.Scan.fixed`); None for any other dict."""
        parts: list[tuple[str | None, ast.expr]] = []
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if key is None:
                    parts.append((None, value))
                else:
                    name = fold_str(key)
                    if name is None:
                        return None
                    parts.append((name, value))
        elif isinstance(node, ast.Call) and not node.args and self.values.values_of(node.func) == {"builtins.dict"}:
            parts = [(k.arg, k.value) for k in node.keywords]
        elif isinstance(node, ast.Name):
            return self.named_keys(node, seen)
        else:
            return None
        keys: list[str] = []
        for name, value in parts:
            inner = [name] if name is not None else self.keys(value, seen)
            if inner is None:
                return None
            keys += inner
        return keys

    def named_keys(self, node: ast.Name, seen: frozenset[tuple[int, str]]) -> list[str] | None:
        """The keys of the dicts a local name may hold, where it keeps them and adds none (see `keys`). A display
        that unpacks the name itself (`d = {**d, "k": v}`) adds only its other keys to those the name already had."""
        scan = self.module.scans[self.unit.index]
        scope = scan.locals.get(id(node))
        if scope is None or (scope, node.id) not in scan.fixed:
            return None
        if (scope, node.id) in seen:
            return []
        keys: list[str] = []
        for assignment in self.program.assignments(node, self.unit)[1]:
            inner = self.keys(assignment.value, seen | {(scope, node.id)}) if isinstance(assignment.value, ast.Dict) else None
            if inner is None:
                return None
            keys += inner
        return keys

    def ipython(self, node: ast.Name, parent: ast.AST | None) -> Iterator[Finding]:
        """`get_ipython()` is only checkable as the call IPython writes for a magic: `get_ipython().run_line_magic(...)`."""
        grand = self.parents.get(id(parent)) if parent is not None else None
        if not (isinstance(parent, ast.Call) and parent.func is node and isinstance(grand, ast.Attribute)):
            yield self.finding(node, dynamic.unchecked("get_ipython"), "dynamic")

    def imports(self, node: ast.Import | ast.ImportFrom) -> Iterator[Finding]:
        """Importing a banned API by name (uses of unchecked modules are caught where they are used); importing from the student's module reads its names."""
        if isinstance(node, ast.Import):
            paths = [a.name for a in node.names]
        else:
            module = absolute(node.module, node.level, self.module.package)
            if module is None:
                return
            if module in self.program.modules:
                for alias in node.names:
                    if alias.name == "*":
                        for name in _names_of(self.program.modules[module]):
                            self.graph.load(self.unit, (module, name))
                    elif f"{module}.{alias.name}" not in self.program.modules:
                        self.graph.load(self.unit, (module, alias.name))
                return
            paths = [f"{module}.{a.name}" for a in node.names if a.name != "*"]
        for path in paths:
            hit = self.apis.path(path) if path.split(".")[0] not in self.program.files else None
            if hit:
                yield self.finding(node, hit, "banned")

    def fixed_device(self, node: ast.Call) -> str | None:
        """A device written into the code (directly, or through names set to it) rather than taken from the
        data, a parameter or the machine, where the call may not name it (see `refused_by`)."""
        for keyword in node.keywords:
            if keyword.arg == "device":
                found = self.fixed(keyword.value, self.refused_by(node))
                if found:
                    return f"a fixed device (device={found[0]}{found[1]})"
        func = node.func
        if "torch.device" in self.values.values_of(func) and node.args:
            refused = self.refused_at(node)
            found = self.fixed(node.args[0], refused) if refused is not None else None
            if found:
                return f"a fixed device (torch.device({found[0]}){found[1]})"
        if isinstance(func, ast.Attribute) and func.attr == "cuda" and not any(is_path(v) for v in self.values.values_of(func.value)):
            return "a fixed device (.cuda())"
        if _moves(node) and node.args:
            found = self.fixed(node.args[0], _gpu)
            if found:
                return f"a fixed device (.to({found[0]}){found[1]})"
        return None

    def refused_by(self, call: ast.Call) -> Refused:
        """Which constant devices a call may not be given.

        `.to()` may name the CPU, to bring a result back. So may a call that can only make a generator or a
        permutation of indices (`CPU_DRAWS`): a generator is no tensor, and a permutation only picks rows (a
        tensor on the GPU can be indexed with indices on the CPU), so drawing the order on the CPU gives CPU
        and GPU runs the same mini-batches, as the contract of 04_mlp asks. Any other call makes a tensor,
        which must not sit on a device fixed in the code (`torch.zeros(3, device="cpu")` next to inputs on
        the GPU is the classic mistake). A GPU is refused everywhere.
        """
        if _moves(call):
            return _gpu
        funcs = self.values.values_of(call.func)
        draws = [torch_objects.lookup(p) for p in CPU_DRAWS]
        if funcs and all(is_path(f) and any(torch_objects.lookup(f) is d for d in draws) for f in funcs):
            return _not_cpu
        return _any

    def refused_at(self, node: ast.Call) -> Refused | None:
        """Which constant devices a `torch.device(...)` made here may not be, by where its value goes: none where a
        conditional expression on availability chooses it (`torch.device("cuda") if torch.cuda.is_available()
        else torch.device("cpu")`) or it is assigned to a name chosen by availability (see `_Devices`); those
        its call refuses where it is a device argument; any elsewhere. Its value goes through the branches of
        conditional expressions and `or`/`and` to where they go."""
        value: ast.AST = node
        parent = self.parents.get(id(value))
        while isinstance(parent, ast.BoolOp) or (isinstance(parent, ast.IfExp) and parent.test is not value):
            if isinstance(parent, ast.IfExp) and self.devices.tests_availability(parent.test, self.unit):
                return None
            value, parent = parent, self.parents.get(id(parent))
        if isinstance(parent, ast.keyword) and parent.arg == "device":
            call = self.parents.get(id(parent))
            return self.refused_by(call) if isinstance(call, ast.Call) else _any
        if isinstance(parent, ast.Call) and _moves(parent) and parent.args and parent.args[0] is value:
            return _gpu
        if isinstance(parent, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and parent.value is value:
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            if all(isinstance(t, ast.Name) and self.devices.by_availability(t, self.unit) for t in targets):
                return None
        return _any

    def fixed(self, node: ast.expr, refused: Refused) -> tuple[str, str] | None:
        """The first refused constant device an argument may be, as the message shows it: the constant itself, or
        the argument as written and where it was set."""
        for device, constant, unit in self.devices.constants(node, self.unit):
            if not refused(device):
                continue
            if any(n is constant for n in ast.walk(node)):
                return repr(device), ""
            where = f"line {constant.lineno}" if unit.source is self.unit.source else f"{unit.source.filename} line {constant.lineno}"
            return ast.unparse(node), f", set to {device!r} at {where}"
        return None


def _data_base(value: str) -> bool:
    """Whether a base of a class is a library class among `DATA_BASES`."""
    found = torch_objects.lookup(value) if is_path(value) else torch_objects.MISSING
    return found is not torch_objects.MISSING and any(found is torch_objects.lookup(base) for base in DATA_BASES)


def _moves(call: ast.Call) -> bool:
    """Whether a call is `x.to(...)`, which moves an object rather than making one."""
    return isinstance(call.func, ast.Attribute) and call.func.attr == "to"


def _any(device: str) -> bool:
    return True


def _gpu(device: str) -> bool:
    return device.startswith("cuda")


def _not_cpu(device: str) -> bool:
    return device.partition(":")[0] != "cpu"


class _Devices:
    """Which constant devices an expression may be, following the names it reads to their assignments.

    A device is fixed when written as a constant (`"cuda"`, also through a name set to one, or as the fallback
    of `device or "cuda"`). A name is chosen by availability when any assignment of it sits under an `if` that
    tests availability (`torch.cuda.is_available()`, also through a name set to it) or sets it to a value that
    does: then none of its values is fixed, which accepts `if avail: dev = "cuda"` / `else: dev = "cpu"` and
    `dev = "cuda"` / `if not avail: dev = "cpu"` alike. A parameter, a tensor's `.device` or a conditional
    expression is a choice of the caller, the data or the code, never fixed. A `torch.device(...)` of a constant
    is judged where it is made, by where its value goes (see `_Sites.refused_at`).
    """

    def __init__(self, program: Program) -> None:
        self.program = program
        self.found: dict[Hashable, list[tuple[str, ast.expr, Unit]]] = {}
        self.chosen: dict[Hashable, bool] = {}

    def constants(self, node: ast.expr, unit: Unit) -> list[tuple[str, ast.expr, Unit]]:
        """Each constant device the expression may be, with the constant and its unit."""
        value = fold_str(node)
        if value is not None:
            return [(value, node, unit)]
        if isinstance(node, ast.BoolOp):
            return [c for part in node.values for c in self.constants(part, unit)]
        if not isinstance(node, ast.Name):
            return []
        key, assigned = self.program.assignments(node, unit)
        if key not in self.found:
            self.found[key] = []
            if not self.by_availability(node, unit):
                self.found[key] = [c for a in assigned for c in self.constants(a.value, a.unit)]
        return self.found[key]

    def by_availability(self, node: ast.Name, unit: Unit) -> bool:
        """Whether a name is chosen by availability (a name met again while deciding is not)."""
        key, assigned = self.program.assignments(node, unit)
        if key not in self.chosen:
            self.chosen[key] = False
            self.chosen[key] = any(self.tests_availability(e, a.unit) for a in assigned for e in (a.value, *a.tests))
        return self.chosen[key]

    def tests_availability(self, expr: ast.expr, unit: Unit) -> bool:
        """Whether an expression calls a function of availability, or reads a name chosen by availability."""
        values = self.program.values
        for node in ast.walk(expr):
            if isinstance(node, ast.Call) and any(_availability(v) for v in values.values_of(node.func)):
                return True
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and self.by_availability(node, unit):
                return True
        return False


def _availability(value: str) -> bool:
    return is_path(value) and value.startswith("torch.") and value.rsplit(".", 1)[-1] in AVAILABILITY


def _membership(node: ast.AST, parent: ast.AST | None) -> bool:
    """Whether an object is only searched for a key (`"history" in globals()`): for a dict of names, that gives a bool
    and compares names only, never handing out an object it holds."""
    return (
        isinstance(parent, ast.Compare)
        and len(parent.ops) == 1
        and isinstance(parent.ops[0], (ast.In, ast.NotIn))
        and parent.comparators[0] is node
    )


def _unique(violations: Iterable[Violation]) -> list[Violation]:
    return list(dict.fromkeys(violations))


def _reported(violations: Iterable[Violation]) -> tuple[Violation, ...]:
    """The distinct violations, at most MAX_REPORTED of them and a count of the rest, so a report stays readable."""
    unique = _unique(violations)
    if len(unique) <= MAX_REPORTED:
        return tuple(unique)
    rest = len(unique) - MAX_REPORTED
    return (*unique[:MAX_REPORTED], Violation(f"{rest} more uses like these", "the submission", 0, ""))
