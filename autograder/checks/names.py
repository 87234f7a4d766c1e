"""What each expression in a submission may stand for, across the student's own modules.

The static check needs to know that `F.softmax`, `sm` after `sm = torch.softmax`,
`table["f"]` after `table = {"f": torch.softmax}` or `getattr(torch, "soft" + "max")`
all mean `torch.softmax`, and that `m.exp = f` after `m = torch` changes torch.
This is a flow-insensitive points-to analysis: every module-level name,
every local variable, every attribute name of an object the analysis cannot
identify (one "heap" slot per attribute name, shared by all such objects),
every function's parameters and return value, and every expression is a
variable holding a set of values, and each piece of code adds constraints
between them ("whatever `b` holds, `a` holds with `.x` appended"). The
constraints are solved once with a work list. A call the student's code makes
passes each argument to the parameter of its place or name; one a library
makes, or of a function a library may have wrapped, passes anything to any
parameter (see `Solver.call`). Being flow-insensitive, it
holds every value a name may take at any time, which is what makes it sound
for code that runs in any order (notebook cells, functions called later).

Values are strings:
- a dotted path of an installed library (`torch.nn.functional.softmax`);
- `@name`, a module of the student's (`@` alone is the graded module itself);
- `&module:n`, the n-th function, lambda or class defined in a module, and
  `*module:n` an instance of that class;
- `[v`, a container (list, dict, tuple...) holding `v`, and `[` alone any
  container written in the code, holding what is put in it;
- `?`, an object the analysis cannot identify (a tensor, a call's result);
- `^`, a class it cannot identify (`type(x)`, `x.__class__`);
- `!`, more values than it follows: the analysis gave up, which gates.

What is put into a container (`xs.append(v)`, `xs[k] = v`) reaches only the
variable it is put through, not the others that hold the same list. So the
items a variable's containers hold are exact only where no other code can
hold its lists: a local variable that keeps its own list (see
`autograder.checks.scopes`). Every other variable that holds a container
also holds `[?`, a container that may hold anything: module-level names,
parameters, and locals that hand their list on (attributes already hold `?`,
except those that keep their lists, read on objects whose every attribute
the analysis sees stored, see `Values.kept_attributes`).
Indexing or iterating an object that is not a container gives an unknown
object, since the student's `__getitem__` may return anything.

Each variable holds at most MAX_VALUES values and a path has at most
MAX_PARTS names, so every variable changes a bounded number of times and the
work is linear in the size of the code, whatever chains of aliases it holds.
"""

from __future__ import annotations

import ast
import builtins
import importlib.metadata
import sys
from collections import deque
from dataclasses import dataclass, field
from functools import cache
from typing import Hashable, Iterable, Iterator

from autograder.checks import torch_objects
from autograder.checks.bindings import Binding, Unit, absolute, fold_str, is_constant
from autograder.checks.dynamic import IMPORTERS, NAME_FUNCTIONS, NOTEBOOK_NAMES
from autograder.checks.scopes import COMPREHENSIONS, FRESH, READERS, Scan, arguments

MAIN = ""
UNKNOWN = "?"
CLASS = "^"
OVERFLOW = "!"
CONTAINER = "["
MAX_VALUES = 32
MAX_PARTS = 16
BUILTIN_NAMES = frozenset(dir(builtins))
CLASS_DECORATORS = {"dataclasses.dataclass"}
"""Class decorators that give back the class they decorate (called with options, a decorator like themselves)."""
SHARED = "[?"
"""A container that other code may hold, and so put anything into."""
ITERATORS = {"builtins.reversed", "builtins.list", "builtins.tuple", "builtins.iter"}
"""Builtins whose result, given one container, holds just its items."""
SUPER = "builtins.super"
"""`super(...)` gives a proxy of an instance (an object the analysis cannot identify), never one of its
arguments, and calls none of them: reading an attribute through it finds a class attribute of a base, bound to
the instance, and storing one raises."""
MUTATORS = {"append", "extend", "insert", "add", "update", "setdefault", "appendleft", "extendleft", "put", "push"}
"""Methods through which a container takes in the values passed to them."""

Op = tuple[Hashable, ...]


def namespace_call(node: ast.Call) -> bool:
    """`globals()` or `vars(x)`, whose constant keys are names (`locals()` and `vars()` are not followed)."""
    func = node.func
    return isinstance(func, ast.Name) and ((func.id == "globals" and not node.args) or (func.id == "vars" and len(node.args) == 1))


@cache
def _libraries() -> frozenset[str]:
    return frozenset(sys.stdlib_module_names) | frozenset(importlib.metadata.packages_distributions()) | {"torch", "builtins"}


def is_library(root: str) -> bool:
    """Whether a top-level module name is the standard library's or an installed distribution's, which Python
    finds before any module of the student's."""
    return root in _libraries()


def is_path(value: str) -> bool:
    """Whether a value is a dotted path of an installed library."""
    return value[:1] not in ("@", "&", "*", "[", "?", "^", "!")


@dataclass(frozen=True, eq=False)
class CallSite:
    """A call, for the transfers that depend on what is called."""

    arguments: int
    """Everything the callee receives (the receiver of a method call too)."""
    name: str | None = None
    """The constant attribute name of a getattr/setattr call, or module name of an import call."""
    first: int | None = None
    """The first argument, whose attribute a getattr call reads."""
    passed: int | None = None
    """What the call is passed (arguments only, not the receiver), which an unidentified callee may return."""
    single: int | None = None
    """The one argument of a call passed just one, by position."""
    positional: tuple[int, ...] = ()
    """The arguments given by position, up to the first one unpacked with `*`."""
    keywords: tuple[tuple[str, int], ...] = ()
    """The arguments given by keyword."""
    spread: int | None = None
    """What is unpacked with `*` or `**`, and the positional arguments after the first `*`: any parameter from
    the first of them on may receive it."""
    receiver: int | None = None
    """The object a method is read from (`obj` in `obj.method(...)`), which a bound method receives first."""


@dataclass
class Store:
    """An attribute stored or deleted (`x.a = v`, `setattr(x, "a", v)`, `del x.a`): a change of `x`."""

    unit: Unit
    node: ast.AST
    base: int
    attribute: str
    constant: bool


@dataclass
class Module:
    """One module's code: the graded file or one of the student's modules."""

    name: str
    package: str
    units: list[Unit]
    scans: list[Scan]
    definitions: list[ast.AST] = field(default_factory=list)

    def bindings(self) -> Iterator[Binding]:
        """Every module-level binding in the module, unit by unit."""
        for scan in self.scans:
            yield from scan.bindings


class Solver:
    """Variables holding sets of values, edges that carry values between them, and a work list."""

    def __init__(self, program: "Values") -> None:
        self.program = program
        self.values: list[set[str]] = []
        self.edges: list[list[tuple[int, Op]]] = []
        self.keys: dict[Hashable, int] = {}
        self.seen: set[tuple[int, int, Op]] = set()
        self.queue: deque[tuple[int, str]] = deque()
        self.work = 0
        self.sites: dict[str, list[CallSite]] = {}
        """The calls of each function of the student's that its caller's code makes itself (see `Solver.call`)."""
        self.bindable: set[str] = set()
        """Functions read as an attribute of an object, which may so be bound methods: their first parameter receives
        the object, and each argument the parameter after the one its place names."""
        self.wrapped: set[str] = set()
        """Functions a library call may have wrapped (`functools.partial(f, x)`): what calling them passes may reach
        any of their parameters."""

    def var(self, key: Hashable | None = None) -> int:
        """The variable for `key` (a new one each time without a key)."""
        if key is not None and key in self.keys:
            return self.keys[key]
        self.values.append(set())
        self.edges.append([])
        index = len(self.values) - 1
        if key is not None:
            self.keys[key] = index
        return index

    def add(self, var: int, value: str) -> None:
        """Add a value, or OVERFLOW once the variable is full (after which it takes nothing more)."""
        held = self.values[var]
        if value in held or OVERFLOW in held:
            return
        if len(held) >= MAX_VALUES:
            value = OVERFLOW
        held.add(value)
        self.queue.append((var, value))

    def edge(self, source: int, target: int, op: Op = ("copy",)) -> None:
        """Carry every value of `source`, now and later, through `op` into `target` (once per distinct edge)."""
        if (source, target, op) in self.seen:
            return
        self.seen.add((source, target, op))
        self.edges[source].append((target, op))
        for value in list(self.values[source]):
            self.apply(op, value, target)

    def run(self) -> None:
        while self.queue:
            var, value = self.queue.popleft()
            for target, op in list(self.edges[var]):
                self.apply(op, value, target)

    def apply(self, op: Op, value: str, target: int) -> None:
        """What one value becomes through one edge; `work` counts these steps."""
        self.work += 1
        if value == OVERFLOW:
            self.add(target, OVERFLOW)
            return
        kind = op[0]
        if kind == "copy":
            self.add(target, value)
        elif kind == "attr":
            self.attribute(value, str(op[1]), target)
        elif kind == "wrap":
            self.add(target, value if value.startswith("[") else "[" + value)
        elif kind == "unwrap":
            if value != CONTAINER:
                self.add(target, value[1:] if value.startswith("[") else UNKNOWN)
        elif kind == "item":
            if value != CONTAINER:
                self.add(target, value[1:] if value.startswith("[") else _indexed(value))
        elif kind == "slice":
            self.add(target, value if value.startswith("[") else _indexed(value))
        elif kind == "share":
            if value.startswith("["):
                self.add(target, SHARED)
        elif kind == "shared_unless":
            if value != op[1]:
                self.edge(target, target, ("share",))
        elif kind == "fresh_call":
            if not self.program.returns_fresh(value):
                self.edge(target, target, ("share",))
        elif kind == "fresh_result":
            if not value.startswith("["):
                self.edge(target, target, ("share",))
        elif kind == "choose":
            chosen = op[2] if value == op[1] else op[3]
            assert isinstance(chosen, int)
            self.edge(chosen, target)
        elif kind == "items":
            site = op[1]
            assert isinstance(site, CallSite)
            if value.startswith("["):
                self.add(target, value)
            else:
                self.opaque(site, target)
        elif kind in ("passed", "returned"):
            self.add(target, value)
            if value.startswith("[") and value != CONTAINER:
                self.add(target, value[1:])
            if kind == "returned" and self.program.is_function(value):
                self.wrap(value)
        elif kind == "bound":
            self.add(target, value)
            if self.program.is_function(value):
                self.bind(value)
        elif kind == "contents":
            if value.startswith("["):
                self.add(target, value)
        elif kind == "classes":
            if self.program.is_class(value):
                self.add(target, value)
        elif kind == "modules":
            if value.startswith("@") or (is_path(value) and torch_objects.is_module(value)):
                self.add(target, value)
        elif kind == "call":
            site = op[1]
            assert isinstance(site, CallSite)
            self.call(value, site, target, bool(op[2]), direct=True)
        elif kind == "invoke":
            site = op[1]
            assert isinstance(site, CallSite)
            if value.startswith("&") or value.startswith("*"):
                self.call(value, site, target, bool(op[2]), direct=False)

    def attribute(self, value: str, name: str, target: int) -> None:
        """The values of `value.name`: a longer path, a name of a student's module, or the heap slot for unidentified objects."""
        if name == "__class__":
            self.add(target, CLASS)
        elif value[0] == "*" and name in self.program.kept_attributes and "&" + value[1:] in self.program.exact:
            self.edge(self.var(("heap", name)), target, ("bound",))
        elif value in (UNKNOWN, CLASS) or value[0] in "&*":
            self.add(target, UNKNOWN)
            self.edge(self.var(("heap", name)), target, ("bound",) if self.binds(value) else ("copy",))
        elif value.startswith("["):
            self.add(target, value)
        elif value.startswith("@"):
            module = value[1:]
            submodule = f"{module}.{name}" if module else ""
            if submodule in self.program.student_modules:
                self.add(target, "@" + submodule)
            else:
                self.edge(self.program.name_var(module, name), target)
                if module in self.program.hooks:
                    self.add(target, UNKNOWN)
                for star in self.program.stars.get(module, ()):
                    if torch_objects.exports(star, name):
                        self.add(target, f"{star}.{name}")
        elif value.count(".") + 1 >= MAX_PARTS:
            self.add(target, OVERFLOW)
        else:
            self.add(target, f"{value}.{name}")

    def binds(self, value: str) -> bool:
        """Whether a function read as an attribute of `value` may come out bound to it: an instance's method, or a
        method of the metaclass of a class that is not plain (a function read from a plain class or from another
        function comes out as it is)."""
        return value in (UNKNOWN, CLASS) or value[0] == "*" or (self.program.is_class(value) and value not in self.program.plain)

    def call(self, value: str, site: CallSite, target: int, returns: bool, direct: bool) -> None:
        """What calling `value` at `site` gives `target`, and what the callee's parameters receive.

        Calling the student's function runs its body, which the analysis follows: the result is what it returns
        (and, before the student's classes are told apart, see `autograder.checks.classes`, also an unidentified
        object), and it calls nothing it was passed but where its body does. Once the classes are told
        apart, calling a plain class gives its new instance. Any other call may also give an unidentified object,
        or anything it was passed, and call what it was passed, except `super(...)` (see `SUPER`).

        Where the student's code calls a function itself (`direct`), each argument reaches the parameter it is
        passed to (see `pass_arguments`); where a library calls it (`map(f, xs)`, a class's `__init__` run by
        the class), anything the call was passed may reach any parameter.
        """
        if returns and value in CLASS_DECORATORS:
            self.add(target, value)
            if site.passed is not None:
                self.edge(site.passed, target, ("classes",))
            return
        if value == SUPER:
            if returns:
                self.add(target, UNKNOWN)
            return
        if returns and value in ITERATORS and site.single is not None:
            self.edge(site.single, target, ("items", site))
            return
        if returns and self.program.is_function(value):
            if not self.program.plain:
                self.add(target, UNKNOWN)
        elif returns and value not in self.program.plain:
            self.opaque(site, target)
        if value.startswith("&"):
            module, index = value[1:].split(":")
            node = self.program.modules[module].definitions[int(index)]
            if isinstance(node, ast.ClassDef):
                if returns:
                    self.add(target, f"*{module}:{index}")
                for method in ("__init__", "__new__"):
                    self.edge(self.var(("heap", method)), target, ("invoke", site, False))
                return
            if direct:
                self.sites.setdefault(value, []).append(site)
                self.pass_arguments(value, site, 0)
                if value in self.bindable:
                    self.pass_arguments(value, site, 1)
                if value in self.wrapped:
                    self.edge(site.arguments, self.var(("args", module, index)))
            else:
                self.edge(site.arguments, self.var(("args", module, index)))
            if returns:
                self.edge(self.var(("return", module, index)), target)
        elif value.startswith("*"):
            self.edge(self.var(("heap", "__call__")), target, ("invoke", site, returns))
        elif not returns:
            return
        elif value.startswith("["):
            self.add(target, value)
            if value != CONTAINER:
                self.add(target, value[1:])
        elif value == "builtins.type":
            self.add(target, CLASS)
        elif value in NAME_FUNCTIONS and site.name is not None and site.first is not None:
            if value == "builtins.getattr":
                self.edge(site.first, target, ("attr", site.name))
        elif value in IMPORTERS and site.name is not None:
            self.edge(self.program.module_var(site.name), target)
        elif is_path(value) and torch_objects.is_module(value):
            self.add(target, value)

    def pass_arguments(self, value: str, site: CallSite, shift: int) -> None:
        """What each parameter of the student's function receives from a call its caller's code makes: the argument
        in its place or of its name, and anything unpacked from where that starts. A bound method (`shift` 1)
        receives the object it was read from first, and the arguments one place further on."""
        node = self.program.definition(value)
        assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        module, index = value[1:].split(":")
        params = arguments(node.args)
        positional = len(node.args.posonlyargs) + len(node.args.args)
        vararg = positional if node.args.vararg else None
        kwarg = len(params) - 1 if node.args.kwarg else None
        by_name = {a.arg: i for i, a in enumerate(params) if i >= len(node.args.posonlyargs) and i != vararg and i != kwarg}

        def parameter(i: int) -> int:
            return self.var(("param", module, index, i))

        if shift and site.receiver is not None and (positional or vararg is not None):
            self.edge(site.receiver, parameter(0 if positional else vararg or 0))
        for place, argument in enumerate(site.positional, start=shift):
            slot = place if place < positional else vararg
            if slot is not None:
                self.edge(argument, parameter(slot))
        for name, argument in site.keywords:
            slot = by_name.get(name, kwarg)
            if slot is not None:
                self.edge(argument, parameter(slot))
        if site.spread is not None:
            for slot in range(min(len(site.positional) + shift, positional), len(params)):
                self.edge(site.spread, parameter(slot), ("passed",))

    def bind(self, value: str) -> None:
        """Count a function as one that may be called as a bound method (see `bindable`)."""
        if value not in self.bindable:
            self.bindable.add(value)
            for site in self.sites.get(value, []):
                self.pass_arguments(value, site, 1)

    def wrap(self, value: str) -> None:
        """Count a function as one a library may have wrapped (see `wrapped`)."""
        if value not in self.wrapped:
            self.wrapped.add(value)
            module, index = value[1:].split(":")
            for site in self.sites.get(value, []):
                self.edge(site.arguments, self.var(("args", module, index)))

    def opaque(self, site: CallSite, target: int) -> None:
        """A call whose result the analysis cannot identify: an unknown object, what it was passed (or a wrapper of
        it), or what the callables it was passed return."""
        self.add(target, UNKNOWN)
        if site.passed is not None:
            self.edge(site.passed, target, ("returned",))
            self.edge(site.passed, target, ("invoke", site, True))


def _own_nodes(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """The nodes of a function body that run in its own scope (not in functions, lambdas or classes defined in it)."""
    todo: list[ast.AST] = list(body)
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            todo.extend(ast.iter_child_nodes(node))


def _indexed(value: str) -> str:
    """An item of an object that is not a container: the student's object or class may return anything from
    `__getitem__` or `__class_getitem__`; a library's object is taken as itself (`os.environ["HOME"]`)."""
    return UNKNOWN if value[:1] in ("&", "*", "^") else value


class Values:
    """The points-to analysis of a whole submission: build the constraints of each module, then solve."""

    def __init__(self, student_modules: set[str], hooks: set[str]) -> None:
        self.student_modules = student_modules
        self.hooks = hooks
        """Student modules with a module-level `__getattr__`, whose missing names may be anything."""
        self.stars: dict[str, list[str]] = {}
        """Libraries each module star-imports from."""
        self.modules: dict[str, Module] = {}
        self.plain: frozenset[str] = frozenset()
        """Classes whose call gives exactly a new instance of their own (see `autograder.checks.classes`): where there
        are any, code that could change a function or a class without the analysis seeing it was ruled out."""
        self.selfs: dict[tuple[str, int], frozenset[str]] = {}
        """Methods whose first parameter can only be an instance of the given classes, by (module, number)."""
        self.exact: frozenset[str] = frozenset()
        """Plain classes whose instances have no attribute but those the student's code stores."""
        self.kept_attributes: frozenset[str] = frozenset()
        """Attribute names whose lists no other code can hold, where read on an instance of an `exact` class: only ever
        set to new lists (checked where set to what a call returns, see `Builder.kept_from_call`) and only read for
        their items (see `autograder.checks.classes`). Such a read gives what the student's code stored and nothing
        unknown, so the items are exact as for a local that keeps its list."""
        self.solver = Solver(self)
        self.nodes: dict[int, int] = {}
        self.stores: list[Store] = []
        self.calls: list[tuple[int, CallSite, int]] = []
        """Every call: what is called, the call, and what it gives."""
        self.empty = self.solver.var()
        self._constants: dict[str, int] = {}
        self._definitions: dict[str, ast.AST] = {}
        self._fresh: dict[str, bool] = {}

    def definition(self, value: str) -> ast.AST | None:
        """The def, lambda or class statement a value `&module:n` stands for."""
        if value[:1] != "&":
            return None
        if value not in self._definitions:
            module, _, index = value[1:].partition(":")
            self._definitions[value] = self.modules[module].definitions[int(index)]
        return self._definitions[value]

    def is_function(self, value: str) -> bool:
        """Whether a value is a function or lambda of the student's (whose every return the analysis follows)."""
        return isinstance(self.definition(value), (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))

    def returns_fresh(self, value: str) -> bool:
        """Whether a value is a function of the student's whose every call gives a new list, tuple or dict, which no
        other code holds: each of its returns builds one right there (`return [Linear(W1, b1), Sigmoid()]`)."""
        if value not in self._fresh:
            node = self.definition(value)
            if isinstance(node, ast.Lambda):
                self._fresh[value] = isinstance(node.body, FRESH)
            elif isinstance(node, ast.FunctionDef):
                own = list(_own_nodes(node.body))
                self._fresh[value] = not any(isinstance(n, (ast.Yield, ast.YieldFrom, ast.Await)) for n in own) and all(
                    n.value is None or isinstance(n.value, FRESH) for n in own if isinstance(n, ast.Return)
                )
            else:
                self._fresh[value] = False
        return self._fresh[value]

    def is_class(self, value: str) -> bool:
        """Whether a value is a class of the student's (`&module:n` numbering a class statement)."""
        return isinstance(self.definition(value), ast.ClassDef)

    def name_var(self, module: str, name: str) -> int:
        """The variable of a module-level name; a builtin's or notebook's name also holds what Python would find without a binding.
        Any code may hold a list a module-level name holds (`globals()`, another module, another cell)."""
        key = ("name", module, name)
        if key not in self.solver.keys:
            var = self.solver.var(key)
            self.solver.edge(var, var, ("share",))
            if name in BUILTIN_NAMES:
                self.solver.add(var, f"builtins.{name}")
            if name in NOTEBOOK_NAMES and module == MAIN:
                self.solver.add(var, NOTEBOOK_NAMES[name])
        return self.solver.keys[key]

    def constant(self, value: str) -> int:
        """A variable holding just `value`."""
        if value not in self._constants:
            var = self.solver.var()
            self.solver.add(var, value)
            self._constants[value] = var
        return self._constants[value]

    def module_var(self, dotted: str) -> int:
        """What `import dotted as x` gives x: a student module, a library's module, or (unknown) the graded module itself."""
        parts = dotted.split(".")
        for end in range(len(parts), 0, -1):
            prefix = ".".join(parts[:end])
            if prefix in self.student_modules:
                var = self.constant("@" + prefix)
                break
        else:
            end = 1
            root = parts[0]
            var = self.constant(root if is_library(root) else "@" + MAIN)
        for part in parts[end:]:
            step = self.solver.var()
            self.solver.edge(var, step, ("attr", part))
            var = step
        return var

    def values_of(self, node: ast.AST) -> set[str]:
        """What an expression may hold (empty for a constant or code that was not analysed)."""
        var = self.nodes.get(id(node))
        return self.solver.values[var] if var is not None else set()

    def solve(self) -> None:
        """Solve; a call of something that holds no value at all (a method of a constant, say) is a call the
        analysis cannot identify, which may give more values and so more such calls."""
        pending = list(self.calls)
        while True:
            self.solver.run()
            empty = [(site, result) for func, site, result in pending if not self.solver.values[func]]
            pending = [c for c in pending if self.solver.values[c[0]]]
            if not empty:
                return
            for site, result in empty:
                self.solver.opaque(site, result)


class Builder:
    """Adds one module's constraints to the analysis, unit by unit."""

    def __init__(self, values: Values, module: Module, stars: list[str], shadowed: dict[str, tuple[int, bool]]) -> None:
        self.values = values
        self.solver = values.solver
        self.module = module
        self.stars = stars
        """Libraries the module star-imports from."""
        self.shadowed = shadowed
        """For names bound after the last star import: the unit that binds them, and whether no code calls anything before it."""
        self.unit: Unit | None = None
        self.locals: dict[int, int] = {}
        """Nodes that name local variables, by the key of their scope (a star import cannot stand for a local)."""
        self.scopes: dict[int, int] = {}
        """Functions and lambdas, by the key of their own scope."""
        self.kept: set[tuple[int, str]] = set()
        """Local variables whose lists no other code holds, by the key of their scope and their name."""
        self.returns: list[int | None] = [None]
        self.in_class: list[bool] = [False]

    def name(self, name: str, node: ast.AST | None = None) -> int:
        """The variable of a name: a local variable when `node` names one, else the module's name."""
        scope = self.locals.get(id(node)) if node is not None else None
        if scope is None:
            return self.values.name_var(self.module.name, name)
        return self.local(scope, name)

    def local(self, scope: int, name: str) -> int:
        """A local variable, whose lists other code may hold unless it keeps them (see `autograder.checks.scopes`)."""
        var = self.solver.var(("local", self.module.name, scope, name))
        if (scope, name) not in self.kept:
            self.solver.edge(var, var, ("share",))
        return var

    def kept_local(self, node: ast.expr) -> int | None:
        """The variable of a local that keeps its list, when `node` reads one."""
        scope = self.locals.get(id(node))
        if not isinstance(node, ast.Name) or scope is None or (scope, node.id) not in self.kept:
            return None
        return self.local(scope, node.id)

    def kept_from_call(self, target: ast.expr, value: ast.expr) -> None:
        """A local or attribute that keeps its list may be set to what a call returns only where the call can only run functions of
        the student's that return a new list (see `Values.returns_fresh`) and gives nothing else (an unidentified
        object is what a call the analysis cannot follow gives): else other code may hold the list too."""
        if isinstance(value, ast.Call):
            kept = self.kept_local(target)
            if kept is None and isinstance(target, ast.Attribute) and target.attr in self.values.kept_attributes:
                kept = self.heap(target.attr)
            if kept is not None:
                self.solver.edge(self.expr(value.func), kept, ("fresh_call",))
                self.solver.edge(self.expr(value), kept, ("fresh_result",))

    def heap(self, name: str) -> int:
        """The slot for attribute `name` of every object the analysis cannot tell apart."""
        return self.solver.var(("heap", name))

    def define(self, node: ast.AST) -> int:
        """Number a function, lambda or class of the module, for its `&module:n` value."""
        self.module.definitions.append(node)
        return len(self.module.definitions) - 1

    def build(self, unit: Unit, scan: Scan) -> None:
        if unit.too_deep:
            return
        self.unit = unit
        self.locals = scan.locals
        self.scopes = scan.scopes
        self.kept = scan.kept
        statement = unit.statement
        if unit.kind != "header":
            self.statement(statement)
        elif isinstance(statement, (ast.If, ast.While)):
            self.expr(statement.test)
        elif isinstance(statement, (ast.For, ast.AsyncFor)):
            self.iterate(statement.target, statement.iter)
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            for item in statement.items:
                self.with_item(item)
        elif isinstance(statement, (ast.Try, ast.TryStar)):
            for handler in statement.handlers:
                self.handler(handler, body=False)

    # statements

    def statements(self, statements: Iterable[ast.stmt]) -> None:
        for statement in statements:
            self.statement(statement)

    def statement(self, node: ast.stmt) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.function(node)
        elif isinstance(node, ast.ClassDef):
            self.klass(node)
        elif isinstance(node, ast.Return):
            if node.value is not None and self.returns[-1] is not None:
                self.solver.edge(self.expr(node.value), self.returns[-1])
        elif isinstance(node, ast.Assign):
            source = self.expr(node.value)
            for target in node.targets:
                self.bind(target, source, node.value)
                self.kept_from_call(target, node.value)
        elif isinstance(node, ast.AnnAssign):
            self.expr(node.annotation)
            if node.value is not None:
                self.bind(node.target, self.expr(node.value), node.value)
                self.kept_from_call(node.target, node.value)
        elif isinstance(node, ast.AugAssign):
            source = self.solver.var()
            self.solver.add(source, UNKNOWN)
            self.solver.edge(self.expr(node.value), source, ("contents",))
            if isinstance(node.target, ast.Name):
                self.solver.edge(self.name(node.target.id, node.target), source, ("contents",))
            self.bind(node.target, source)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self.iterate(node.target, node.iter)
            self.statements(node.body + node.orelse)
        elif isinstance(node, (ast.While, ast.If)):
            self.expr(node.test)
            self.statements(node.body + node.orelse)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                self.with_item(item)
            self.statements(node.body)
        elif isinstance(node, (ast.Try, ast.TryStar)):
            self.statements(node.body)
            for handler in node.handlers:
                self.handler(handler, body=True)
            self.statements(node.orelse + node.finalbody)
        elif isinstance(node, ast.Match):
            subject = self.expr(node.subject)
            for case in node.cases:
                for pattern in ast.walk(case.pattern):
                    if isinstance(pattern, (ast.MatchAs, ast.MatchStar)) and pattern.name:
                        self.solver.edge(subject, self.name(pattern.name, pattern))
                        self.solver.add(self.name(pattern.name, pattern), UNKNOWN)
                    elif isinstance(pattern, ast.MatchMapping) and pattern.rest:
                        self.solver.add(self.name(pattern.rest, pattern), UNKNOWN)
                    elif isinstance(pattern, ast.MatchValue):
                        self.expr(pattern.value)
                if case.guard is not None:
                    self.expr(case.guard)
                self.statements(case.body)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self.solver.edge(self.values.module_var(alias.name), self.name(alias.asname, alias))
                else:
                    root = alias.name.split(".")[0]
                    self.solver.edge(self.values.module_var(root), self.name(root, alias))
        elif isinstance(node, ast.ImportFrom):
            self.import_from(node)
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                self.expr(target)
        elif isinstance(node, ast.Raise):
            for raised in (node.exc, node.cause):
                if raised is not None:
                    self.solver.edge(self.expr(raised), self.solver.var(("raised",)))
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.expr(child)

    def import_from(self, node: ast.ImportFrom) -> None:
        module = absolute(node.module, node.level, self.module.package)
        for alias in node.names:
            if alias.name == "*":
                continue
            target = self.name(alias.asname or alias.name, alias)
            if module is None:
                self.solver.add(target, UNKNOWN)
                continue
            self.solver.edge(self.values.module_var(module), target, ("attr", alias.name))

    def with_item(self, item: ast.withitem) -> None:
        context = self.expr(item.context_expr)
        if item.optional_vars is not None:
            entered = self.solver.var()
            self.solver.add(entered, UNKNOWN)
            self.solver.edge(context, entered)
            self.bind(item.optional_vars, entered)

    def handler(self, handler: ast.ExceptHandler, body: bool) -> None:
        if handler.type is not None:
            self.expr(handler.type)
        if handler.name:
            self.solver.add(self.name(handler.name, handler), UNKNOWN)
            self.solver.edge(self.solver.var(("raised",)), self.name(handler.name, handler))
        if body:
            self.statements(handler.body)

    def parameters(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, index: int) -> None:
        """Each parameter holds an unknown object, its default, what the calls the student's code makes pass to it
        (by place or name, see `Solver.pass_arguments`), and whatever any other call passes (to any parameter).
        `*args` and `**kwargs` hold what they receive in a container.

        The first parameter of a method of a sealed class (`self`) holds just the instances it can be.
        """
        received = self.solver.var(("args", self.module.name, str(index)))
        packed = {id(node.args.vararg), id(node.args.kwarg)}
        positional = [*node.args.posonlyargs, *node.args.args]
        defaults = dict(zip([a.arg for a in positional[len(positional) - len(node.args.defaults) :]], node.args.defaults))
        defaults.update((a.arg, d) for a, d in zip(node.args.kwonlyargs, node.args.kw_defaults) if d is not None)
        scope = self.scopes.get(id(node))
        instances = self.values.selfs.get((self.module.name, index))
        for position, argument in enumerate(arguments(node.args)):
            var = self.values.name_var(self.module.name, argument.arg) if scope is None else self.local(scope, argument.arg)
            if position == 0 and instances is not None:
                for instance in instances:
                    self.solver.add(var, instance)
            else:
                own = self.solver.var(("param", self.module.name, str(index), position))
                self.solver.add(var, UNKNOWN)
                self.solver.edge(received, var, ("passed",))
                if id(argument) in packed:
                    self.solver.edge(received, var, ("wrap",))
                self.solver.edge(own, var, ("wrap",) if id(argument) in packed else ("copy",))
            if argument.arg in defaults:
                self.solver.edge(self.expr(defaults[argument.arg]), var)
            if argument.annotation is not None:
                self.expr(argument.annotation)

    def decorated(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, value: int) -> int:
        """What the name of a decorated definition holds: each decorator called on what the one below gave."""
        for decorator in reversed(node.decorator_list):
            value = self.call_site(self.expr(decorator), [value], [])
        return value

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        index = self.define(node)
        self.parameters(node, index)
        if node.returns is not None:
            self.expr(node.returns)
        value = self.decorated(node, self.values.constant(f"&{self.module.name}:{index}"))
        self.bind_name(node.name, value, node)
        self.returns.append(self.solver.var(("return", self.module.name, str(index))))
        self.in_class.append(False)
        self.statements(node.body)
        self.returns.pop()
        self.in_class.pop()

    def klass(self, node: ast.ClassDef) -> None:
        index = self.define(node)
        for base in [*node.bases, *(k.value for k in node.keywords)]:
            self.expr(base)
        self.bind_name(node.name, self.decorated(node, self.values.constant(f"&{self.module.name}:{index}")), node)
        self.returns.append(None)
        self.in_class.append(True)
        self.statements(node.body)
        self.returns.pop()
        self.in_class.pop()

    # targets

    def bind_name(self, name: str, source: int, node: ast.AST) -> None:
        self.solver.edge(source, self.name(name, node))
        if self.in_class[-1]:
            self.solver.edge(source, self.heap(name))

    def unwrapped(self, source: int) -> int:
        var = self.solver.var()
        self.solver.edge(source, var, ("unwrap",))
        return var

    def iterate(self, target: ast.expr, iterable: ast.expr) -> None:
        """Bind a loop's target to the items of what it iterates. Unpacking `enumerate(xs)` or `zip(xs, ys)` gives
        each name the items of its own list where the call is the builtin's (any other callee gives anything)."""
        items = self.unwrapped(self.expr(iterable))
        pairs = self.paired(target, iterable)
        if pairs is None:
            self.bind(target, items)
            return
        assert isinstance(target, (ast.Tuple, ast.List)) and isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name)
        func = self.expr(iterable.func)
        anything = self.unwrapped(items)
        for part, source in zip(target.elts, pairs):
            var = self.solver.var()
            self.solver.edge(func, var, ("choose", f"builtins.{iterable.func.id}", source, anything))
            self.bind(part, var)

    def paired(self, target: ast.expr, iterable: ast.expr) -> list[int] | None:
        """What each name of a target takes from `enumerate(xs)` (the index, then an item of xs) or `zip(xs, ys, ...)`
        (an item of each) when unpacked into as many names; None for any other loop."""
        if not isinstance(target, (ast.Tuple, ast.List)) or not isinstance(iterable, ast.Call) or not isinstance(iterable.func, ast.Name):
            return None
        if any(isinstance(e, ast.Starred) for e in [*target.elts, *iterable.args]):
            return None
        name, args, keywords = iterable.func.id, iterable.args, {k.arg for k in iterable.keywords}
        if name == "enumerate" and len(target.elts) == 2 and len(args) + len(keywords) in (1, 2) and len(args) >= 1 and keywords <= {"start"}:
            return [self.values.empty, self.unwrapped(self.expr(args[0]))]
        if name == "zip" and args and len(target.elts) == len(args) and keywords <= {"strict"}:
            return [self.unwrapped(self.expr(a)) for a in args]
        return None

    def sink(self, node: ast.expr) -> int | None:
        """The variable a container expression lives in, for what is put into it (`x[k] = v`, `x.append(v)`)."""
        if isinstance(node, ast.Name):
            return self.name(node.id, node)
        if isinstance(node, ast.Attribute):
            return self.heap(node.attr)
        if isinstance(node, ast.Subscript):
            return self.sink(node.value)
        return None

    def bind(self, target: ast.expr, source: int, value: ast.expr | None = None) -> None:
        if isinstance(target, ast.Name):
            self.bind_name(target.id, source, target)
        elif isinstance(target, (ast.Tuple, ast.List)):
            elements = getattr(value, "elts", None)
            if (
                elements is not None
                and len(elements) == len(target.elts)
                and not any(isinstance(e, ast.Starred) for e in [*elements, *target.elts])
            ):
                for part, part_value in zip(target.elts, elements):
                    self.bind(part, self.expr(part_value), part_value)
                return
            inner = self.unwrapped(source)
            for part in target.elts:
                if isinstance(part, ast.Starred):
                    self.bind(part.value, source)
                else:
                    self.bind(part, inner)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, source)
        elif isinstance(target, ast.Attribute):
            base = self.expr(target.value)
            self.solver.edge(source, self.heap(target.attr))
            self.record_store(target, base, target.attr, is_constant(value))
        elif isinstance(target, ast.Subscript):
            self.expr(target.value)
            self.expr(target.slice)
            sink = self.sink(target.value)
            if sink is not None:
                self.solver.edge(source, sink, ("wrap",))

    def record_store(self, node: ast.AST, base: int, attribute: str, constant: bool) -> None:
        assert self.unit is not None
        self.values.stores.append(Store(self.unit, node, base, attribute, constant))

    # expressions

    def var_for(self, node: ast.AST) -> int:
        var = self.solver.var()
        self.values.nodes[id(node)] = var
        return var

    def expr(self, node: ast.expr) -> int:
        known = self.values.nodes.get(id(node))
        if known is not None:
            return known
        var = self._expr(node)
        self.values.nodes[id(node)] = var
        return var

    def _expr(self, node: ast.expr) -> int:
        solver = self.solver
        if isinstance(node, ast.Name):
            return self.load(node)
        if isinstance(node, ast.Constant):
            return self.values.empty
        if isinstance(node, ast.Attribute):
            var = solver.var()
            solver.edge(self.expr(node.value), var, ("attr", node.attr))
            if isinstance(node.ctx, ast.Del):
                self.record_store(node, self.expr(node.value), node.attr, False)
            return var
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            var = solver.var()
            solver.add(var, CONTAINER)
            for element in node.elts:
                if isinstance(element, ast.Starred):
                    solver.edge(self.expr(element.value), var, ("wrap",))
                else:
                    solver.edge(self.expr(element), var, ("wrap",))
            return var
        if isinstance(node, ast.Dict):
            var = solver.var()
            solver.add(var, CONTAINER)
            for key, item in zip(node.keys, node.values):
                if key is None:
                    solver.edge(self.expr(item), var)
                else:
                    solver.edge(self.expr(key), var, ("wrap",))
                    solver.edge(self.expr(item), var, ("wrap",))
            return var
        if isinstance(node, COMPREHENSIONS):
            var = solver.var()
            solver.add(var, CONTAINER)
            for generator in node.generators:
                self.iterate(generator.target, generator.iter)
                for condition in generator.ifs:
                    self.expr(condition)
            results = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
            for result in results:
                solver.edge(self.expr(result), var, ("wrap",))
            return var
        if isinstance(node, ast.Lambda):
            index = self.define(node)
            self.parameters(node, index)
            returned = solver.var(("return", self.module.name, str(index)))
            self.returns.append(returned)
            solver.edge(self.expr(node.body), returned)
            self.returns.pop()
            return self.values.constant(f"&{self.module.name}:{index}")
        if isinstance(node, ast.NamedExpr):
            value = self.expr(node.value)
            self.bind(node.target, value, node.value)
            return value
        if isinstance(node, (ast.BoolOp, ast.IfExp)):
            var = solver.var()
            parts = node.values if isinstance(node, ast.BoolOp) else [node.body, node.orelse]
            if isinstance(node, ast.IfExp):
                self.expr(node.test)
            for part in parts:
                solver.edge(self.expr(part), var)
            return var
        if isinstance(node, ast.BinOp):
            var = solver.var()
            solver.add(var, UNKNOWN)
            solver.edge(self.expr(node.left), var, ("contents",))
            solver.edge(self.expr(node.right), var, ("contents",))
            return var
        if isinstance(node, ast.Starred):
            return self.expr(node.value)
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            if node.value is not None:
                value = self.expr(node.value)
                if self.returns[-1] is not None:
                    solver.edge(value, self.returns[-1], ("wrap",))
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.expr(child)
            elif isinstance(child, ast.comprehension):
                self.expr(child.iter)
        if isinstance(node, (ast.JoinedStr, ast.FormattedValue, ast.Slice)):
            return self.values.empty
        var = solver.var()
        solver.add(var, UNKNOWN)
        return var

    def load(self, node: ast.Name) -> int:
        """A name's variable; where a star import of a library may still stand for it, with the library's name too."""
        var = self.name(node.id, node)
        if not self.stars or id(node) in self.locals or self.unit is None:
            return var
        shadow = self.shadowed.get(node.id)
        if shadow is not None and (self.unit.index > shadow[0] or (self.unit.kind == "def" and shadow[1])):
            return var
        paths = [f"{star}.{node.id}" for star in self.stars if torch_objects.exports(star, node.id)]
        if not paths:
            return var
        own = self.solver.var()
        self.solver.edge(var, own)
        for path in paths:
            self.solver.add(own, path)
        return own

    def subscript(self, node: ast.Subscript) -> int:
        key = fold_str(node.slice)
        base = node.value
        var = self.solver.var()
        if key is not None and isinstance(node.ctx, ast.Load):
            if isinstance(base, ast.Attribute) and base.attr == "__dict__":
                self.expr(base)
                self.solver.edge(self.expr(base.value), var, ("attr", key))
                return var
            if isinstance(base, ast.Call) and isinstance(base.func, ast.Name) and namespace_call(base):
                self.expr(base)
                if base.args:
                    self.solver.edge(self.expr(base.args[0]), var, ("attr", key))
                else:
                    self.solver.edge(self.values.name_var(self.module.name, key), var)
                return var
        self.expr(node.slice)
        self.solver.edge(self.expr(base), var, ("slice",) if isinstance(node.slice, ast.Slice) else ("item",))
        return var

    def call(self, node: ast.Call) -> int:
        func = self.expr(node.func)
        passed = [self.expr(a) for a in node.args] + [self.expr(k.value) for k in node.keywords]
        receiver = [self.expr(node.func.value)] if isinstance(node.func, ast.Attribute) else []
        name = fold_str(node.args[1]) if len(node.args) >= 2 else None
        if isinstance(node.func, ast.Name) and node.func.id == "__import__" or isinstance(node.func, ast.Attribute) and node.func.attr == "import_module":
            name = fold_str(node.args[0]) if node.args else None
        first = passed[0] if node.args else None
        single = passed[0] if len(node.args) == 1 and not node.keywords and not isinstance(node.args[0], ast.Starred) else None
        result = self.call_site(func, passed, receiver, name, first, node, single, self.placed(node))
        if isinstance(node.func, ast.Name) and node.func.id in READERS:
            for read in node.args:
                kept = self.kept_local(read)
                if kept is None and isinstance(read, ast.Attribute) and read.attr in self.values.kept_attributes:
                    kept = self.heap(read.attr)
                if kept is not None:
                    self.solver.edge(func, kept, ("shared_unless", f"builtins.{node.func.id}"))
        if isinstance(node.func, ast.Attribute) and node.func.attr in MUTATORS:
            sink = self.sink(node.func.value)
            if sink is not None:
                for argument in passed:
                    self.solver.edge(argument, sink, ("wrap",))
        if isinstance(node.func, ast.Name) and node.func.id == "setattr" and name is not None and len(node.args) >= 3:
            self.solver.edge(passed[2], self.heap(name))
            self.record_store(node, passed[0], name, is_constant(node.args[2]))
        if isinstance(node.func, ast.Name) and node.func.id == "delattr" and name is not None:
            self.record_store(node, passed[0], name, False)
        return result

    def placed(self, node: ast.Call) -> tuple[tuple[int, ...], tuple[tuple[str, int], ...], int | None]:
        """A call's arguments by place (up to the first `*`) and by keyword, and a variable for the rest: what is
        unpacked and the positional arguments after the first `*`, which may reach any later parameter."""
        positional: list[int] = []
        rest: list[int] = []
        for argument in node.args:
            if rest or isinstance(argument, ast.Starred):
                rest.append(self.expr(argument))
            else:
                positional.append(self.expr(argument))
        keywords = tuple((k.arg, self.expr(k.value)) for k in node.keywords if k.arg is not None)
        rest += [self.expr(k.value) for k in node.keywords if k.arg is None]
        spread = None
        if rest:
            spread = self.solver.var()
            for unpacked in rest:
                self.solver.edge(unpacked, spread)
        return tuple(positional), keywords, spread

    def call_site(
        self,
        func: int,
        passed: list[int],
        receiver: list[int],
        name: str | None = None,
        first: int | None = None,
        node: ast.AST | None = None,
        single: int | None = None,
        placed: tuple[tuple[int, ...], tuple[tuple[str, int], ...], int | None] | None = None,
    ) -> int:
        solver = self.solver
        arguments, passed_var = solver.var(), solver.var()
        result = self.var_for(node) if node is not None else solver.var()
        for argument in passed:
            solver.edge(argument, passed_var)
        solver.edge(passed_var, arguments)
        solver.edge(func, arguments, ("modules",))
        for argument in receiver:
            solver.edge(argument, arguments)
        positional, keywords, spread = placed if placed is not None else (tuple(passed), (), None)
        site = CallSite(arguments, name, first, passed_var, single, positional, keywords, spread, receiver[0] if receiver else None)
        self.values.calls.append((func, site, result))
        solver.edge(func, result, ("call", site, True))
        return result
