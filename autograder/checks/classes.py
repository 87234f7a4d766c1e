"""The student's classes whose objects the check can tell apart from a tensor.

The check takes a banned name on an object it cannot identify for a tensor's
method: `obj.log_softmax(z)` gates as `Tensor.log_softmax`. That is wrong
when `obj` is an instance of the student's own class with its own
`log_softmax`, or `self` in one of its methods. Two kinds of classes are
identified from a first analysis of the submission, which assumes nothing
about them; a second analysis then uses what is found:

- A *plain* class: a `class` statement without keywords (so without a
  metaclass) and without `__new__`, whose bases are plain classes or
  `object`, `torch.nn.Module` or `abc.ABC`. Calling it gives exactly a new
  instance of it (`type.__call__` and `object.__new__`), and every attribute
  of that instance or of the class is the student's own: a definition in a
  class body or a value stored by the student's code (both of which the
  analysis follows), or a module registered in a `torch.nn.Module`. None of
  those three bases has a banned attribute. The second analysis also takes
  a call of the student's own function to give only what it returns.
- A *sealed* class: a plain class defined at the top level of a module,
  with at most `MAX_FAMILY` subclasses, all of them plain and top-level,
  whose class object (and that of every subclass) is only instantiated,
  used as a base, compared, checked with `isinstance`, printed or asked for
  a data attribute or its name: never handed to other code, which could
  call a method with something else than an instance
  (`Ops.log_softmax(tensor, 1)`) or create a subclass with a tensor's
  methods first. Then `self` in its plain methods is always an instance of
  the class or of a subclass.
- An *exact* class: a plain class none of whose classes derives from
  `torch.nn.Module` or answers for missing attributes (`__getattr__`). Its
  instances have just the attributes the student's code stores, so an
  attribute that keeps its list (`self.layers = [Linear(...), Sigmoid()]`,
  only ever set to new lists and only read for items, see
  `_Survey.kept`) holds just the items put in it, as a local list does.

Both rest on the analysis seeing every write into an object and following
every value, so a submission that writes attributes by computed names,
through `__dict__`, `vars()`, `__setattr__`, `__setstate__` or
`functools.update_wrapper`, stores a dunder attribute, holds code too deep
to analyse or values too many to follow, has no identified classes (and
one with code the check cannot follow anywhere is checked again without
them, see `autograder.checks.static`). Sealing also needs every class object
the code gets from `type(x)`, `x.__class__`, `super()` or a classmethod's
first parameter to be used in those plain ways only, and no class to have a
hook through which Python hands it a class (`__init_subclass__`,
`__set_name__`, ...). Library code is trusted to call the methods of an
instance it is given bound to that instance (as `torch.nn.Module.__call__`
calls `forward`), and not to hand out the class of an object it is given.
"""

from __future__ import annotations

import abc
import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator

import torch

from autograder.checks import torch_objects
from autograder.checks.bindings import fold_str, parts
from autograder.checks.names import CLASS_DECORATORS, OVERFLOW, SUPER, is_path, namespace_call
from autograder.checks.scopes import FRESH, reads_items

if TYPE_CHECKING:
    from autograder.checks.program import Program

Selfs = dict[tuple[str, int], frozenset[str]]

BASES = (object, torch.nn.Module, abc.ABC)
"""Library classes a plain class may derive from: their instances have no attribute the student did not set."""

NAMES = {"__name__", "__qualname__", "__module__", "__doc__"}
"""Attributes of a class that are only text."""

UNTRACKED = {"__dict__", "__setattr__", "__delattr__", "__setstate__", "__builtins__"}
"""Attributes through which code writes into an object by a name the analysis does not see."""

COPIERS = {"builtins.vars", "functools.update_wrapper", "functools.wraps"}
"""Library functions that write attributes into an object by names the analysis does not see."""

WRITERS = {"builtins.setattr", "builtins.delattr"}
"""Builtins that write an attribute by name: the analysis sees the write when the name is a constant."""
READERS = {"builtins.getattr"}
"""The builtin that reads an attribute by name (which may be a class)."""

CLASS_METHODS = {"builtins.classmethod", "abc.abstractclassmethod"}
"""Decorators that pass a method its class rather than an instance."""

IMPLICIT = {"__new__", "__init_subclass__", "__class_getitem__"}
"""Methods Python passes a class rather than an instance."""

GETTERS = {"__getattr__", "__getattribute__"}
"""Methods through which an object answers for attributes it was never given."""

HOOKS = IMPLICIT | {"__set_name__", "__mro_entries__", "__prepare__", "__instancecheck__", "__subclasscheck__", "__subclasshook__"}
"""Methods through which Python hands a class to the student's code."""

SUPER_LEAKS = {"__thisclass__", "__self_class__", "__self__", "__get__", "__class__", "__reduce__", "__reduce_ex__"}
"""Attributes of `super()` that give its class, or an unbound view of it."""

TEXT = {"builtins.print", "builtins.str", "builtins.repr", "builtins.format"}
"""Builtins that only turn a class into text."""
CHECKS = {"builtins.isinstance", "builtins.issubclass"}
"""Builtins that only compare a class with others (a hook that could see it, `__subclasshook__` say, rules sealing out)."""
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)

MAX_CLASSES = 200
"""More class statements than this are not looked into (no student writes so many): the work grows with their square."""

MAX_FAMILY = 8
"""A class with more subclasses than this is not sealed: `self` would hold more values than the analysis follows."""


@dataclass(frozen=True)
class Identified:
    """What the second analysis may assume of the student's classes."""

    plain: frozenset[str] = frozenset()
    """The plain classes (`&module:n`)."""
    selfs: Selfs = field(default_factory=dict)
    """The methods of sealed classes, with the instances their `self` can be."""
    exact: frozenset[str] = frozenset()
    """Plain classes whose instances have no attribute but those the student's code stores (see `Values.exact`)."""
    kept: frozenset[str] = frozenset()
    """Attribute names whose lists no other code can hold (see `Values.kept_attributes`)."""


def identify(program: Program) -> Identified:
    """The plain classes, sealed classes' methods, classes whose attributes are exactly those stored, and attributes
    that keep their lists."""
    count = sum(isinstance(d, ast.ClassDef) for m in program.modules.values() for d in m.definitions)
    if not 0 < count <= MAX_CLASSES:
        return Identified()
    survey = _Survey(program)
    if not survey.trusted():
        return Identified()
    plain = survey.plain()
    if not plain:
        return Identified()
    return Identified(frozenset(plain), survey.selfs(plain), survey.exact(plain), survey.kept())


def _dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


def _body_bindings(node: ast.ClassDef) -> Iterator[tuple[str, ast.AST]]:
    """The names a class body binds, with what binds each: a def or class statement, or another node (nested blocks
    included, nested scopes not)."""
    todo: list[ast.AST] = list(node.body)
    while todo:
        current = todo.pop()
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield current.name, current
            todo.extend(current.decorator_list)
            continue
        if isinstance(current, ast.Name) and not isinstance(current.ctx, ast.Load):
            yield current.id, current
        elif isinstance(current, ast.alias):
            yield (current.asname or current.name).split(".")[0], current
        elif isinstance(current, ast.ExceptHandler) and current.name:
            yield current.name, current
        elif isinstance(current, (ast.MatchAs, ast.MatchStar)) and current.name:
            yield current.name, current
        elif isinstance(current, ast.MatchMapping) and current.rest:
            yield current.rest, current
        if not isinstance(current, SCOPES):
            todo.extend(ast.iter_child_nodes(current))


class _Survey:
    """Every node of a submission with its parent and values, and its class statements."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.values = program.values
        self.parents: dict[int, ast.AST] = {}
        self.nodes: list[ast.AST] = []
        for _, unit, _ in program.all_units():
            for part in parts(unit):
                for node in ast.walk(part):
                    self.nodes.append(node)
                    for child in ast.iter_child_nodes(node):
                        self.parents[id(child)] = node
        self.locals = {key for module in program.modules.values() for scan in module.scans for key in scan.locals}
        """Nodes that name a local variable (of a function, lambda or comprehension)."""
        self.classes: dict[str, ast.ClassDef] = {
            f"&{m.name}:{i}": d for m in program.modules.values() for i, d in enumerate(m.definitions) if isinstance(d, ast.ClassDef)
        }
        self.deferred = self._deferred_annotations()
        self.bases = {value: self._student_bases(node) for value, node in self.classes.items()}
        self.sites: dict[str, list[ast.AST]] = {}
        """Where code gets each class object by a name."""
        for node in self.nodes:
            if self._named_here(node):
                for value in self.of(node) & self.classes.keys():
                    self.sites.setdefault(value, []).append(node)
        top = {id(u.statement) for _, u, _ in program.all_units() if u.kind == "def"}
        self.top = {value for value, node in self.classes.items() if id(node) in top}
        """Classes defined at the top level of a module (not in a function or a class), which only names reach."""

    def _deferred_annotations(self) -> set[int]:
        """The nodes of annotations that never run: all of them in a module with `from __future__ import annotations`,
        and those of variables inside functions anywhere."""
        deferred: set[int] = set()
        for module in self.program.modules.values():
            future = any(_future_annotations(u.statement) for u in module.units)
            for unit in module.units:
                for part in parts(unit):
                    for node in ast.walk(part):
                        for annotation in _annotations(node, future):
                            deferred.update(id(n) for n in ast.walk(annotation))
        return deferred

    def of(self, node: ast.AST) -> set[str]:
        return self.values.values_of(node)

    def parent(self, node: ast.AST) -> ast.AST | None:
        return self.parents.get(id(node))

    # what the analysis sees of every write

    def trusted(self) -> bool:
        """Whether the analysis sees every write into an object (no computed or dunder attribute writes, no writes
        through namespaces) and follows every value (none has more values than it follows)."""
        if self.program.too_deep or any(u.too_deep for _, u, _ in self.program.all_units()):
            return False
        if any(_dunder(store.attribute) for store in self.values.stores):
            return False
        for node in self.nodes:
            if isinstance(node, ast.Attribute) and node.attr in UNTRACKED or isinstance(node, ast.Name) and node.id in UNTRACKED:
                return False
            found = self.of(node)
            if OVERFLOW in found or found & COPIERS:
                return False
            if found & WRITERS and not self._named(node, computed=False):
                return False
            if found & READERS and not self._named(node, computed=True):
                return False
        return True

    def _named(self, node: ast.AST, computed: bool) -> bool:
        """Whether getattr/setattr/delattr is called right here with a name that opens no namespace, and a constant one unless `computed`."""
        call = self.parent(node)
        if not isinstance(call, ast.Call) or call.func is not node or len(call.args) < 2:
            return False
        name = fold_str(call.args[1])
        return name not in UNTRACKED if name is not None else computed

    # plain classes

    def plain(self) -> set[str]:
        """The classes whose call gives exactly a new instance whose attributes are all the student's."""
        plain = {v for v, node in self.classes.items() if not node.keywords and "__new__" not in dict(_body_bindings(node))}
        changed = True
        while changed:
            changed = False
            for value in sorted(plain):
                if not all(self._plain_base(base, plain) for base in self.classes[value].bases):
                    plain.discard(value)
                    changed = True
        return plain

    def _plain_base(self, base: ast.expr, plain: set[str]) -> bool:
        found = self.of(base)
        return bool(found) and all(v in plain or (is_path(v) and any(torch_objects.lookup(v) is b for b in BASES)) for v in found)

    def _student_bases(self, node: ast.ClassDef) -> set[str]:
        return {v for base in node.bases for v in self.of(base) if v in self.classes}

    # attributes that keep their lists

    def exact(self, plain: set[str]) -> frozenset[str]:
        """The plain classes whose instances have only the attributes the student's code stores: none of their
        classes derives from `torch.nn.Module` (whose `__getattr__` answers what `register_buffer` and the like
        store by name) or defines `__getattr__` or `__getattribute__`."""
        found: set[str] = set()
        for value in plain:
            lineage = self._ancestors(value)
            bases = {v for c in lineage for base in self.classes[c].bases for v in self.of(base) if v not in self.classes}
            hooks = {name for c in lineage for name, _ in _body_bindings(self.classes[c])} & GETTERS
            if not hooks and all(any(torch_objects.lookup(v) is b for b in (object, abc.ABC)) for v in bases):
                found.add(value)
        return frozenset(found)

    def kept(self) -> frozenset[str]:
        """Attribute names whose lists no other code can hold, read on an instance of an exact class (see `exact`):
        every store of the name (`obj.name = ...`) sets it alone to a new list, tuple or dict or to what a call
        returns (which the analysis checks to be a new one), every read only takes items out (see
        `autograder.checks.scopes.reads_items`), no class body binds the name (a class attribute, a dataclass's
        field, a property), and no code writes it as a string (`getattr(obj, "name")`, `setattr`, `hasattr`)."""
        stored: set[str] = set()
        spoiled = {name for node in self.classes.values() for name, _ in _body_bindings(node)}
        for node in self.nodes:
            text = fold_str(node) if isinstance(node, (ast.Constant, ast.BinOp, ast.JoinedStr, ast.Call)) else None
            if text is not None:
                spoiled.add(text)
            if not isinstance(node, ast.Attribute) or _dunder(node.attr):
                continue
            parent = self.parent(node)
            if isinstance(node.ctx, ast.Store):
                stored.add(node.attr)
                if not _fresh_store(node, parent):
                    spoiled.add(node.attr)
            elif isinstance(node.ctx, ast.Load) and not reads_items(node, parent, self.parent(parent) if parent is not None else None):
                spoiled.add(node.attr)
        return frozenset(stored - spoiled)

    # sealed classes

    def selfs(self, plain: set[str]) -> Selfs:
        """For each plain method of a sealed class: the instances its first parameter can be."""
        if any(name in HOOKS for node in self.classes.values() for name, _ in _body_bindings(node)) or not self._classes_stay_put():
            return {}
        ancestors = {value: self._ancestors(value) for value in self.classes}
        found: Selfs = {}
        for value in sorted(plain):
            family = {v for v in self.classes if value in ancestors[v]}
            if len(family) > MAX_FAMILY:
                continue
            lineage = set().union(*(ancestors[v] for v in family))
            if not family <= plain & self.top or not all(self._dataclass(d) for v in family for d in self.classes[v].decorator_list):
                continue
            if not all(self._contained(v, lineage) for v in family):
                continue
            instances = frozenset("*" + v[1:] for v in family)
            module = value[1:].partition(":")[0]
            for method in self._methods(self.classes[value]):
                found[(module, self._number(module, method))] = instances
        return found

    def _ancestors(self, value: str) -> set[str]:
        seen = {value}
        todo = [value]
        while todo:
            for base in self.bases[todo.pop()]:
                if base not in seen:
                    seen.add(base)
                    todo.append(base)
        return seen

    def _number(self, module: str, node: ast.AST) -> int:
        return next(i for i, d in enumerate(self.program.modules[module].definitions) if d is node)

    def _dataclass(self, decorator: ast.expr) -> bool:
        """Whether a class decorator is `dataclass`, which hands the class to no other code (and keeps it, without `slots=True`)."""
        if isinstance(decorator, ast.Call):
            constant = all(isinstance(k.value, ast.Constant) and k.arg != "slots" for k in decorator.keywords)
            return not decorator.args and constant and self.of(decorator.func) <= CLASS_DECORATORS and bool(self.of(decorator.func))
        return bool(self.of(decorator)) and self.of(decorator) <= CLASS_DECORATORS

    def _methods(self, node: ast.ClassDef) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
        """The plain methods of a class whose first parameter always holds the instance."""
        names = [name for name, _ in _body_bindings(node)]
        for statement in node.body:
            if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) or statement.decorator_list:
                continue
            positional = [*statement.args.posonlyargs, *statement.args.args]
            if statement.name not in IMPLICIT and positional and names.count(statement.name) == 1 and not self._named_in_body(node, statement.name):
                yield statement

    def _named_in_body(self, node: ast.ClassDef, name: str) -> bool:
        """Whether the class body itself reads a method's name (and could hand the function on unbound)."""
        todo: list[ast.AST] = [s for s in node.body if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        todo += [d for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for d in s.decorator_list]
        return any(isinstance(n, ast.Name) and n.id == name for part in todo for n in ast.walk(part))

    def _contained(self, value: str, lineage: set[str]) -> bool:
        """Whether every place code gets a class object from is a use that cannot hand it on.

        A class object is got by its name (a module-level or class-level name, an attribute or a
        constant key of the student's module), and only from there can it go on: so these places are
        all that is checked, not every expression the analysis lets it flow to.
        """
        data = self._data_attributes(lineage)
        return all(self._inert(node, data | NAMES, student=True) for node in self.sites.get(value, ()))

    def _named_here(self, node: ast.AST) -> bool:
        """Whether an expression gets an object by a name of a module: a name that is not local, an attribute of the
        student's module, a constant key of `globals()` or `vars(module)`, or a getattr."""
        if isinstance(node, ast.Name):
            return isinstance(node.ctx, ast.Load) and id(node) not in self.locals
        if isinstance(node, ast.Attribute):
            return any(v[:1] == "@" for v in self.of(node.value))
        if isinstance(node, ast.Subscript):
            return isinstance(node.value, ast.Call) and namespace_call(node.value)
        return isinstance(node, ast.Call) and bool(self.of(node.func) & READERS)

    def _data_attributes(self, lineage: set[str]) -> set[str]:
        """Names the classes of a lineage bind only to data, static methods and classes (so that reading one on the class hands on no method)."""
        kinds: dict[str, bool] = {}
        for value in lineage:
            for name, statement in _body_bindings(self.classes[value]):
                method = isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and not self._static(statement)
                kinds[name] = kinds.get(name, False) or method
        return {name for name, method in kinds.items() if not method}

    def _static(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        """Whether a method never sees an instance: a static method, or a class method (whose class parameter is checked on its own)."""
        if len(function.decorator_list) != 1:
            return False
        found = self.of(function.decorator_list[0])
        return bool(found) and found <= CLASS_METHODS | {"builtins.staticmethod"}

    def _inert(self, node: ast.AST, attributes: set[str], student: bool) -> bool:
        """Whether a class object is used where it cannot be handed on: called, read for a harmless attribute,
        checked, compared, printed, or (a student's class) used as a base."""
        parent = self.parent(node)
        if isinstance(parent, ast.Call) and parent.func is node:
            return True
        if isinstance(parent, ast.Attribute) and parent.value is node and isinstance(parent.ctx, ast.Load):
            return parent.attr in attributes
        if isinstance(parent, ast.ClassDef):
            return student and node in parent.bases
        if isinstance(parent, ast.FormattedValue) or id(node) in self.deferred:
            return True
        if isinstance(parent, ast.Tuple) and isinstance(parent.ctx, ast.Load):
            node, parent = parent, self.parent(parent)
        if isinstance(parent, ast.Call) and node in parent.args:
            called = self.of(parent.func)
            if parent.args[0] is node and called == {SUPER} and self._plain_super(parent.func):
                return True
            return bool(called) and (called <= CHECKS or called <= TEXT)
        if isinstance(parent, ast.Compare) and len(parent.ops) == 1:
            other = parent.comparators[0] if parent.left is node else parent.left
            if isinstance(parent.ops[0], (ast.Is, ast.IsNot)):
                return True
            return isinstance(parent.ops[0], (ast.Eq, ast.NotEq)) and self._library(other)
        return False

    def _library(self, node: ast.AST) -> bool:
        found = self.of(node)
        return bool(found) and all(is_path(v) for v in found)

    def _classes_stay_put(self) -> bool:
        """Whether no class object the code gets without naming it (`type(x)`, `x.__class__`, `super()`, a classmethod's
        first parameter) can be handed on: each place that gets one uses it where it cannot go on."""
        for node in self.nodes:
            found = self.of(node)
            if "builtins.type" in found and not self._called(node):
                return False
            if self._class_of(node) and not self._inert(node, NAMES, student=False):
                return False
            if SUPER in found and not self._plain_super(node):
                return False
            if found & CLASS_METHODS and not self._plain_class_method(node):
                return False
        return True

    def _called(self, node: ast.AST) -> bool:
        parent = self.parent(node)
        return isinstance(parent, ast.Call) and parent.func is node

    def _class_of(self, node: ast.AST) -> bool:
        """Whether an expression gets the class of an object: `type(x)`, `x.__class__`, `getattr(x, "__class__")`."""
        if isinstance(node, ast.Attribute):
            return node.attr == "__class__" and isinstance(node.ctx, ast.Load)
        if not isinstance(node, ast.Call):
            return False
        called = self.of(node.func)
        named = len(node.args) >= 2 and fold_str(node.args[1]) == "__class__"
        return "builtins.type" in called or (bool(called & READERS) and named)

    def _plain_super(self, node: ast.AST) -> bool:
        """`super().name` or `super(C, self).name` in a plain method, which gives the instance's view of a base and not
        its class.

        `super()` is `super(__class__, first)`, with `first` the current value of the method's first parameter; so is
        `super(C, self)` when `self` names that parameter. Where the method never rebinds it, it holds the instance
        (the class is sealed), Python makes sure that the instance is one of `C`, and what `name` gives is bound to
        it. `C` itself goes nowhere: only the leaking attributes of the proxy give it.
        """
        call = self.parent(node)
        if not isinstance(call, ast.Call) or call.func is not node or call.keywords:
            return False
        read = self.parent(call)
        if not isinstance(read, ast.Attribute) or read.value is not call or read.attr in SUPER_LEAKS:
            return False
        function = self._enclosing(call)
        owner = self.parent(function) if function is not None else None
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) or not isinstance(owner, ast.ClassDef):
            return False
        positional = [*function.args.posonlyargs, *function.args.args]
        if function.decorator_list or function.name in IMPLICIT or not positional:
            return False
        first = positional[0].arg
        if any(isinstance(n, ast.Name) and n.id == first and not isinstance(n.ctx, ast.Load) for n in ast.walk(function)):
            return False
        if not call.args:
            return True
        instance = call.args[-1]
        return len(call.args) == 2 and isinstance(instance, ast.Name) and instance.id == first and not isinstance(call.args[0], ast.Starred)

    def _plain_class_method(self, node: ast.AST) -> bool:
        """A `@classmethod` whose class parameter is only called or asked for its name."""
        function = self.parent(node)
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) or node not in function.decorator_list:
            return False
        if not isinstance(self.parent(function), ast.ClassDef):
            return False
        positional = [*function.args.posonlyargs, *function.args.args]
        if not positional:
            return True
        name = positional[0].arg
        for inner in ast.walk(function):
            if isinstance(inner, ast.Name) and inner.id == name:
                parent = self.parent(inner)
                called = isinstance(parent, ast.Call) and parent.func is inner
                named = isinstance(parent, ast.Attribute) and parent.attr in NAMES
                if not (called or named):
                    return False
        return True

    def _enclosing(self, node: ast.AST) -> ast.AST | None:
        parent = self.parent(node)
        while parent is not None and not isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            parent = self.parent(parent)
        return parent


def _fresh_store(node: ast.Attribute, parent: ast.AST | None) -> bool:
    """Whether an attribute is set, alone, to a new list, tuple or dict, or to what a call returns."""
    if isinstance(parent, ast.Assign):
        return len(parent.targets) == 1 and parent.targets[0] is node and isinstance(parent.value, (*FRESH, ast.Call))
    return isinstance(parent, ast.AnnAssign) and parent.target is node and isinstance(parent.value, (*FRESH, ast.Call))


def _annotations(node: ast.AST, future: bool) -> Iterator[ast.expr]:
    """The annotations a node holds that never run."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        if future:
            yield from (a.annotation for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs] if a.annotation is not None)
            yield from (a.annotation for a in (node.args.vararg, node.args.kwarg) if a is not None and a.annotation is not None)
            if not isinstance(node, ast.Lambda) and node.returns is not None:
                yield node.returns
        if not isinstance(node, ast.Lambda):
            yield from (s.annotation for s in _own_scope(node.body) if isinstance(s, ast.AnnAssign))
    elif future and isinstance(node, ast.AnnAssign):
        yield node.annotation


def _own_scope(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """The nodes of a function body that run in its own scope (a class defined in it evaluates its annotations)."""
    todo: list[ast.AST] = list(body)
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, SCOPES):
            todo.extend(ast.iter_child_nodes(node))


def _future_annotations(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.ImportFrom) and statement.module == "__future__" and any(a.name == "annotations" for a in statement.names)
