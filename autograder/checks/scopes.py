"""Which module-level names a unit of code reads, binds and changes, by Python's scoping rules, and which local lists stay local.

A banned API reaches an exercise through module-level names: the exercise
reads a name, and whatever binds or changes that name (an assignment, a
`global` statement in some function, a call `table.update(...)`) may have put
the banned API there. Local variables and parameters are not module-level
names, so they are told apart here the way Python does: a name is local to a
function when the function binds it anywhere, unless it is declared `global`;
class bodies and comprehensions have scopes of their own.

The analysis of values (`autograder.checks.names`) follows what is put into a
list only through the variable that names it, so it can trust what a list
holds only where no other code holds the same list: a *kept* local variable
is only ever set to a list the code builds right there (a list or tuple
display, a list comprehension) and is only read for its items, never handed
on (see `Scan.kept`).
"""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass, field
from typing import Iterator, Literal

from autograder.checks.bindings import STAR, Binding, Unit, absolute, is_constant, parts

ScopeKind = Literal["module", "function", "class", "comprehension"]
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
FRESH = (ast.List, ast.Tuple, ast.ListComp, ast.Dict, ast.DictComp)
"""Expressions that build a new list, tuple or dict, which no other code holds yet."""
READERS = frozenset({"reversed", "enumerate", "zip", "list", "tuple", "iter", "len"})
"""Builtins that only read the items of a list they are passed (their names are checked to be the builtins'
when the values are solved, see `autograder.checks.names`)."""
GROWERS = frozenset({"append", "extend", "insert", "update", "setdefault"})
"""Methods of a list or dict that may put a new item or key in it."""
ITEM_METHODS = GROWERS | {"pop", "remove", "clear", "reverse", "sort", "index", "count", "copy", "get", "keys", "values", "items", "popitem"}
"""Methods of a list or dict that keep it where it is: those that put values in it are followed into the variable that names it."""


@dataclass
class Scope:
    """One scope and what its code binds and declares."""

    kind: ScopeKind
    parent: Scope | None
    key: int
    bound: set[str] = field(default_factory=set)
    declared_global: set[str] = field(default_factory=set)
    declared_nonlocal: set[str] = field(default_factory=set)


@dataclass
class Scan:
    """What one unit does with module-level names.

    `changes` are names whose object the unit may change, certainly by a
    store or a `del` (`x[0] = ...`), or by calling a method (`x.append(...)`),
    which counts when the name holds data rather than a module or a
    function; `passes` are names passed to a call (`fill(x)`), which count
    when the callee may be the student's own code. `feeds` are the names
    into whose object the unit may put values (`x[0] = v`, `x.append(v)`),
    maybe values its callers passed it. `locals` maps the nodes that name a
    local variable (a Name, a def, an import alias, an except clause, a
    match pattern) to the key of the function or comprehension scope it
    lives in, and `scopes` maps each function and lambda to the key of its
    own scope. `kept` are the local variables, by scope key and name, whose
    lists no other code can hold: every binding sets them to a new list,
    tuple or dict, or to what a call returns (which the analysis of values
    checks to be a new one, see `autograder.checks.names`), and every read
    takes items out (iterating, indexing, slicing, `reversed`, `enumerate`,
    `zip`, `len`, unpacking with `**` into a new dict or a call's), tests them or
    calls a list or dict method on them, so that whatever is put into the
    list goes through their name. `fixed` are the kept variables that no code
    puts a new item or key into (`d[k] = v`, `d.update(...)`).
    """

    loads: set[str] = field(default_factory=set)
    bindings: list[Binding] = field(default_factory=list)
    changes: dict[str, bool] = field(default_factory=dict)
    passes: list[tuple[str, ast.Call]] = field(default_factory=list)
    feeds: set[str] = field(default_factory=set)
    locals: dict[int, int] = field(default_factory=dict)
    scopes: dict[int, int] = field(default_factory=dict)
    kept: set[tuple[int, str]] = field(default_factory=set)
    fixed: set[tuple[int, str]] = field(default_factory=set)


def arguments(args: ast.arguments) -> list[ast.arg]:
    """Every parameter of a function, in order."""
    return [*args.posonlyargs, *args.args, *([args.vararg] if args.vararg else []), *args.kwonlyargs, *([args.kwarg] if args.kwarg else [])]


def outer_parts(node: ast.AST) -> Iterator[ast.AST]:
    """The children of a node that run in the scope around it (for a def: decorators, defaults, annotations)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        yield from node.decorator_list
        yield from node.args.defaults
        yield from (d for d in node.args.kw_defaults if d is not None)
        yield from (a.annotation for a in arguments(node.args) if a.annotation is not None)
        if node.returns is not None:
            yield node.returns
    elif isinstance(node, ast.Lambda):
        yield from node.args.defaults
        yield from (d for d in node.args.kw_defaults if d is not None)
    elif isinstance(node, ast.ClassDef):
        yield from node.decorator_list
        yield from node.bases
        yield from node.keywords
    elif isinstance(node, COMPREHENSIONS):
        yield node.generators[0].iter
    else:
        yield from ast.iter_child_nodes(node)


def inner_parts(node: ast.AST) -> list[ast.AST]:
    """The children of a node that run in its own new scope."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return list(node.body)
    if isinstance(node, ast.Lambda):
        return [node.body]
    if isinstance(node, COMPREHENSIONS):
        parts: list[ast.AST] = []
        for index, generator in enumerate(node.generators):
            parts.append(generator.target)
            if index:
                parts.append(generator.iter)
            parts.extend(generator.ifs)
        parts += [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        return parts
    return []


def _pattern_names(node: ast.AST) -> Iterator[str]:
    if isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
        yield node.name
    if isinstance(node, ast.MatchMapping) and node.rest:
        yield node.rest


def _walrus_targets(nodes: list[ast.AST]) -> Iterator[str]:
    """Names bound by `:=` inside comprehensions, which bind in the scope around the comprehension."""
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
            yield node.target.id
        if not isinstance(node, (*FUNCTIONS, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))


def _scope(kind: ScopeKind, parent: Scope | None, key: int, body: list[ast.AST], params: list[str]) -> Scope:
    """A new scope with the names its own code binds (not those of scopes nested in it)."""
    scope = Scope(kind, parent, key, set(params))
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            scope.bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            scope.bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            scope.bound.update((a.asname or a.name.split(".")[0]) for a in node.names if a.name != "*")
        elif isinstance(node, ast.ExceptHandler) and node.name:
            scope.bound.add(node.name)
        elif isinstance(node, ast.Global):
            scope.declared_global.update(node.names)
        elif isinstance(node, ast.Nonlocal):
            scope.declared_nonlocal.update(node.names)
        scope.bound.update(_pattern_names(node))
        if isinstance(node, COMPREHENSIONS):
            scope.bound.update(_walrus_targets(inner_parts(node)))
        stack.extend(outer_parts(node))
    scope.bound -= scope.declared_global
    return scope


class Scanner:
    """Scans units of one module for what they do with its module-level names."""

    def __init__(self, package: str) -> None:
        self.package = package
        self.top = Scope("module", None, 0)
        self.keys = itertools.count(1)

    def scan(self, unit: Unit) -> Scan:
        scan = Scan()
        if unit.too_deep:
            if isinstance(unit.statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                scan.bindings.append(Binding(unit.statement.name, "def", unit, unit.statement))
            return scan
        visit = _Visit(self, unit, scan)
        statement = unit.statement
        if unit.kind != "header":
            visit.node(statement, self.top)
        elif isinstance(statement, (ast.If, ast.While)):
            visit.node(statement.test, self.top)
        elif isinstance(statement, (ast.For, ast.AsyncFor)):
            visit.node(statement.iter, self.top)
            visit.target(statement.target, self.top, "a for loop")
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            for item in statement.items:
                visit.node(item.context_expr, self.top)
                if item.optional_vars is not None:
                    visit.target(item.optional_vars, self.top, "a with statement")
        elif isinstance(statement, (ast.Try, ast.TryStar)):
            for handler in statement.handlers:
                if handler.type is not None:
                    visit.node(handler.type, self.top)
                if handler.name:
                    visit.bind(handler.name, self.top, "an except clause", handler)
        scan.kept, scan.fixed = _kept(parts(unit), scan)
        return scan


def _kept(roots: list[ast.AST], scan: Scan) -> tuple[set[tuple[int, str]], set[tuple[int, str]]]:
    """The local variables of a unit whose lists no other code can hold, and those of them no code adds to (see `Scan.kept`)."""
    parents: dict[int, ast.AST] = {}
    nodes: list[ast.AST] = []
    for root in roots:
        for node in ast.walk(root):
            nodes.append(node)
            for child in ast.iter_child_nodes(node):
                parents[id(child)] = node
    fresh: set[tuple[int, str]] = set()
    shared: set[tuple[int, str]] = set()
    grown: set[tuple[int, str]] = set()
    unnamed: set[int] = set()
    for node in nodes:
        if isinstance(node, FUNCTIONS) and id(node) in scan.scopes:
            shared.update((scan.scopes[id(node)], a.arg) for a in arguments(node.args))
        key = scan.locals.get(id(node))
        if key is None:
            continue
        name = _local_name(node)
        parent = parents.get(id(node))
        if name is None:
            unnamed.add(key)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            if isinstance(parent, ast.AnnAssign) and parent.value is None:
                continue
            (fresh if _fresh(node, parent) else shared).add((key, name))
        elif not (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and reads_items(node, parent, parents.get(id(parent)))):
            shared.add((key, name))
        elif _grows(node, parent, parents.get(id(parent))):
            grown.add((key, name))
    kept = {k for k in fresh - shared if k[0] not in unnamed}
    return kept, kept - grown


def _local_name(node: ast.AST) -> str | None:
    """The name a node that names a local variable binds or reads."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name
    if isinstance(node, ast.alias):
        return node.asname or node.name.split(".")[0]
    if isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)):
        return node.name
    if isinstance(node, ast.MatchMapping):
        return node.rest
    return None


def _fresh(node: ast.Name, parent: ast.AST | None) -> bool:
    """Whether a name is bound, alone, to a list, tuple or dict built right there, or to what a call returns."""
    if isinstance(parent, ast.Assign):
        return len(parent.targets) == 1 and parent.targets[0] is node and isinstance(parent.value, (*FRESH, ast.Call))
    return isinstance(parent, ast.AnnAssign) and parent.target is node and isinstance(parent.value, (*FRESH, ast.Call))


def reads_items(node: ast.expr, parent: ast.AST | None, grand: ast.AST | None) -> bool:
    """Whether a read of a list or dict only takes its items out, tests it or calls a list or dict method on it:
    never hands it on. Unpacking a dict into a call's keywords (`f(**d)`) or a dict display (`{**d}`) copies it."""
    if isinstance(parent, (ast.For, ast.AsyncFor, ast.comprehension)):
        return parent.iter is node
    if isinstance(parent, ast.Subscript):
        return parent.value is node
    if isinstance(parent, ast.Attribute):
        return parent.value is node and parent.attr in ITEM_METHODS and isinstance(grand, ast.Call) and grand.func is parent
    if isinstance(parent, ast.Call):
        return isinstance(parent.func, ast.Name) and parent.func.id in READERS and any(a is node for a in parent.args)
    if isinstance(parent, ast.keyword):
        return parent.arg is None
    if isinstance(parent, ast.Dict):
        return any(key is None and value is node for key, value in zip(parent.keys, parent.values))
    if isinstance(parent, (ast.If, ast.While, ast.IfExp, ast.Assert)):
        return parent.test is node
    return isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not)


def _grows(node: ast.expr, parent: ast.AST | None, grand: ast.AST | None) -> bool:
    """Whether a read of a list or dict puts a new item or key in it."""
    if isinstance(parent, ast.Subscript):
        return isinstance(parent.ctx, ast.Store)
    return isinstance(parent, ast.Attribute) and parent.attr in GROWERS and isinstance(grand, ast.Call)


class _Visit:
    """One walk over one unit."""

    def __init__(self, scanner: Scanner, unit: Unit, scan: Scan) -> None:
        self.scanner = scanner
        self.unit = unit
        self.scan = scan

    def owner(self, name: str, scope: Scope) -> Scope | None:
        """The function or comprehension scope whose local variable `name` is, when reading it in `scope`; None for the module's name.

        A class body reads its own names from the class, falling back to the
        module (so the module's name counts); functions and comprehensions do
        not see the class's names.
        """
        current: Scope | None = scope
        if scope.kind == "class":
            if name in scope.bound or name in scope.declared_global:
                return None
            current = scope.parent
        while current is not None:
            if current.kind == "module" or name in current.declared_global:
                return None
            if current.kind != "class" and name in current.bound and name not in current.declared_nonlocal:
                return current
            current = current.parent
        return None

    def is_global(self, name: str, scope: Scope) -> bool:
        return self.owner(name, scope) is None

    def bind(self, name: str, scope: Scope, kind: str, node: ast.AST, imported_from: str | None = None, named: ast.AST | None = None) -> None:
        """Record a binding of `name` in `scope` by `node` (`named` is the node that names it, when not `node` itself)."""
        if scope.kind == "module" or name in scope.declared_global:
            inside = scope.kind != "module"
            if inside:
                kind = f"{kind} in a function (global {name})"
            self.scan.bindings.append(Binding(name, kind, self.unit, node, imported_from, inside))
            return
        home = self.owner(name, scope.parent) if name in scope.declared_nonlocal and scope.parent else scope
        if home is not None and home.kind in ("function", "comprehension"):
            self.scan.locals[id(named or node)] = home.key

    def root(self, node: ast.AST, scope: Scope) -> str | None:
        """The module-level name at the root of `x.a[0].b`, if it is one."""
        while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
            node = node.value
        return node.id if isinstance(node, ast.Name) and self.is_global(node.id, scope) else None

    def change(self, node: ast.AST, scope: Scope, certain: bool, fed: bool) -> None:
        """Record that the object of the module-level name at the root of `node` may change (and take in values, when `fed`)."""
        name = self.root(node, scope)
        if name is not None:
            self.scan.changes[name] = self.scan.changes.get(name, False) or certain
            if fed:
                self.scan.feeds.add(name)

    def target(self, node: ast.AST, scope: Scope, kind: str, fed: bool = True) -> None:
        """A target of an assignment, loop, `with` or `del`; `fed` when it takes in a value that is not a literal."""
        if isinstance(node, ast.Name):
            self.bind(node.id, scope, "del" if isinstance(node.ctx, ast.Del) else kind, node)
        elif isinstance(node, (ast.Tuple, ast.List)):
            for element in node.elts:
                self.target(element, scope, kind, fed)
        elif isinstance(node, ast.Starred):
            self.target(node.value, scope, kind, fed)
        elif isinstance(node, (ast.Attribute, ast.Subscript)):
            self.change(node, scope, True, fed and not isinstance(node.ctx, ast.Del))
            self.node(node, scope)
        else:
            self.node(node, scope)

    def node(self, node: ast.AST, scope: Scope) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for part in outer_parts(node):
                self.node(part, scope)
            kind = "class" if isinstance(node, ast.ClassDef) else "def"
            self.bind(node.name, scope, kind if scope.kind == "module" else f"a {kind}", node)
            self.scope_of(node, scope)
        elif isinstance(node, (ast.Lambda, *COMPREHENSIONS)):
            for part in outer_parts(node):
                self.node(part, scope)
            self.scope_of(node, scope)
        elif isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                home = self.owner(node.id, scope)
                if home is None:
                    self.scan.loads.add(node.id)
                else:
                    self.scan.locals[id(node)] = home.key
            else:
                self.target(node, scope, "an assignment")
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            if node.value is not None:
                self.node(node.value, scope)
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(node, ast.AnnAssign) and node.value is None and isinstance(target, ast.Name):
                    continue
                if isinstance(node, ast.AugAssign) and isinstance(target, ast.Name) and self.is_global(target.id, scope):
                    self.scan.loads.add(target.id)
                self.target(target, scope, "an assignment", not is_constant(node.value))
            if isinstance(node, ast.AnnAssign):
                self.node(node.annotation, scope)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self.node(node.iter, scope)
            self.target(node.target, scope, "a for loop")
            for statement in node.body + node.orelse:
                self.node(statement, scope)
        elif isinstance(node, ast.withitem):
            self.node(node.context_expr, scope)
            if node.optional_vars is not None:
                self.target(node.optional_vars, scope, "a with statement")
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                self.target(target, scope, "del")
        elif isinstance(node, ast.NamedExpr):
            self.node(node.value, scope)
            home = scope
            while home.kind == "comprehension" and home.parent is not None:
                home = home.parent
            if isinstance(node.target, ast.Name):
                self.bind(node.target.id, home, "a := expression", node, named=node.target)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                self.bind(alias.asname or alias.name.split(".")[0], scope, "an import", node, named=alias)
        elif isinstance(node, ast.ImportFrom):
            module = absolute(node.module, node.level, self.scanner.package)
            for alias in node.names:
                if alias.name == "*":
                    self.scan.bindings.append(Binding("*", STAR, self.unit, node, module))
                else:
                    self.bind(alias.asname or alias.name, scope, "from" if scope.kind == "module" else "an import", node, module, alias)
        elif isinstance(node, ast.ExceptHandler):
            if node.type is not None:
                self.node(node.type, scope)
            if node.name:
                self.bind(node.name, scope, "an except clause", node)
            for statement in node.body:
                self.node(statement, scope)
        elif isinstance(node, ast.Call):
            arguments = [*node.args, *(k.value for k in node.keywords)]
            if isinstance(node.func, ast.Attribute):
                self.change(node.func.value, scope, False, not all(is_constant(a) for a in arguments))
            for argument in arguments:
                name = self.root(argument, scope)
                if name is not None:
                    self.scan.passes.append((name, node))
            for child in ast.iter_child_nodes(node):
                self.node(child, scope)
        else:
            for name in _pattern_names(node):
                self.bind(name, scope, "a match pattern", node)
            for child in ast.iter_child_nodes(node):
                self.node(child, scope)

    def scope_of(self, node: ast.AST, scope: Scope) -> None:
        """Walk the part of a def, lambda, class or comprehension that runs in its own scope."""
        inner = inner_parts(node)
        if isinstance(node, COMPREHENSIONS):
            targets = [g.target for g in node.generators]
            names = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
            new = Scope("comprehension", scope, next(self.scanner.keys), names)
            for part in inner:
                if any(part is t for t in targets):
                    self.target(part, new, "a comprehension")
                else:
                    self.node(part, new)
            return
        if isinstance(node, ast.ClassDef):
            new = _scope("class", scope, next(self.scanner.keys), inner, [])
        else:
            params = [a.arg for a in arguments(node.args)]  # type: ignore[attr-defined]
            new = _scope("function", scope, next(self.scanner.keys), inner, params)
            self.scan.scopes[id(node)] = new.key
        for part in inner:
            self.node(part, new)
