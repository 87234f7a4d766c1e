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

In a folder submission, the student's own modules are checked too (see
`autograder.checks.names` for how names are followed into them): a banned
call in a helper gates every exercise that uses the helper, however many
modules lie between, and an alias of a banned API defined in a helper is
caught where it is used. A module no exercise uses costs nothing, and one
the graded file never imports never runs, so it is not even mentioned. What
lies beyond the bounds of following names cannot be checked and gates like
code built at run time.
"""

from __future__ import annotations

import ast
import fnmatch
from dataclasses import dataclass
from typing import Iterable, Iterator

from autograder.checks.names import MAIN, UNCHECKED, Program, Resolver, Unit, defined_names, fold_str
from autograder.intake.source import Chunk, ModuleFile

TENSOR_METHOD = "Tensor."
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


class StaticChecker:
    """Finds banned APIs (and, optionally, fixed devices) in a submission."""

    def __init__(self, banned: Iterable[str], check_fixed_device: bool = True) -> None:
        banned = tuple(banned)
        self.module_patterns = tuple(p for p in banned if not p.startswith(TENSOR_METHOD))
        self.methods = {p[len(TENSOR_METHOD) :] for p in banned if p.startswith(TENSOR_METHOD)}
        self.check_fixed_device = check_fixed_device

    def _banned_path(self, path: str) -> str | None:
        if path.startswith(UNCHECKED):
            return f"`{path[1:].split(UNCHECKED)[0]}`, through too many aliases or imports to follow (cannot be checked)"
        for pattern in self.module_patterns:
            if fnmatch.fnmatchcase(path, pattern):
                return path
        parts = path.rsplit(".", 1)
        if len(parts) == 2 and parts[0] == "torch.Tensor" and parts[1] in self.methods:
            return f"torch.Tensor.{parts[1]}"
        return None

    def _uses(self, node: ast.AST, resolver: Resolver) -> Iterator[tuple[ast.AST, str]]:
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

    def _method_use(self, node: ast.AST, resolver: Resolver) -> str | None:
        if not isinstance(node, ast.Attribute) or node.attr not in self.methods:
            return None
        if isinstance(node.value, ast.Name) and node.value.id in SELF_NAMES:
            return None
        if resolver.resolve(node.value) - {"torch.Tensor"}:
            return None
        return f"Tensor.{node.attr}"

    def _dynamic_use(self, node: ast.Call | ast.Subscript, resolver: Resolver) -> Iterator[tuple[ast.AST, str]]:
        for path in resolver.resolve(node):
            hit = self._banned_path(path)
            if hit:
                yield node, hit
                return
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in RUNS_CODE and not resolver.resolve(node.func):
            yield node, f"{node.func.id}() (code built at run time cannot be checked)"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr" and len(node.args) >= 2:
            name = fold_str(node.args[1])
            bases = resolver.resolve(node.args[0])
            if name is None and any(b.split(".")[0] == "torch" for b in bases):
                yield node, f"getattr on {sorted(bases)[0]} with a computed name (cannot be checked)"
            elif name in self.methods and not (bases - {"torch.Tensor"}):
                yield node, f"Tensor.{name}"

    def _fixed_device(self, node: ast.Call, resolver: Resolver) -> str | None:
        for keyword in node.keywords:
            if keyword.arg == "device":
                value = fold_str(keyword.value)
                if value is not None:
                    return f"a fixed device (device={value!r})"
        func = node.func
        if "torch.device" in resolver.resolve(func) and node.args and fold_str(node.args[0]) is not None:
            return f"a fixed device (torch.device({fold_str(node.args[0])!r}))"
        if isinstance(func, ast.Attribute) and func.attr == "cuda" and not resolver.resolve(func.value):
            return "a fixed device (.cuda())"
        if isinstance(func, ast.Attribute) and func.attr == "to" and node.args:
            value = fold_str(node.args[0])
            if value is not None and value.startswith("cuda"):
                return f"a fixed device (.to({value!r}))"
        return None

    def check(self, chunks: Iterable[Chunk], exercises: Iterable[str], modules: Iterable[ModuleFile] = ()) -> StaticReport:
        """Gate the exercises whose code (or a helper it uses, in any of the student's modules) breaks a rule."""
        program = Program(chunks, modules)
        exercise_set = set(exercises)
        roots = {exercise: program.roots(exercise) for exercise in sorted(exercise_set)}
        exercise_keys = {key for keys in roots.values() for key in keys} | {(MAIN, e) for e in exercise_set}
        found_in: dict[str, tuple[dict[str, list[Violation]], list[Violation]]] = {}

        def violations(module: str) -> tuple[dict[str, list[Violation]], list[Violation]]:
            if module not in found_in:
                found_in[module] = self._violations(program.unit(module))
            return found_in[module]

        gating: dict[str, tuple[Violation, ...]] = {}
        for exercise, keys in roots.items():
            if not keys:
                gating[exercise] = (Violation(f"no plain definition of `{exercise}` (def {exercise}(...))", "the submission", 0, ""),)
                continue
            reached = program.reachable(keys, exercise_keys - set(keys))
            found = [v for module, name in reached for v in violations(module)[0].get(name, [])]
            if found:
                gating[exercise] = tuple(_unique(found))
        gated = {v for vs in gating.values() for v in vs}
        ungraded: list[Violation] = []
        for module in [MAIN, *program.imported()]:
            owned, outside = violations(module)
            ungraded += outside + [v for vs in owned.values() for v in vs if v not in gated]
        return StaticReport(gating, tuple(_unique(ungraded)))

    def _violations(self, unit: Unit) -> tuple[dict[str, list[Violation]], list[Violation]]:
        """A module's banned uses: by the top-level definition they sit in, and those outside any."""
        owned: dict[str, list[Violation]] = {}
        outside: list[Violation] = []
        for located in unit.statements:
            owner = next((n for n in defined_names(located.node) if unit.definitions.get(n) is located), None)
            for node, api in self._uses(located.node, unit.resolver):
                line = getattr(node, "lineno", located.node.lineno)
                code = located.lines[line - 1].strip() if 0 < line <= len(located.lines) else ""
                violation = Violation(api, located.filename, line, code)
                (outside if owner is None else owned.setdefault(owner, [])).append(violation)
        return owned, outside


def _unique(violations: Iterable[Violation]) -> list[Violation]:
    return list(dict.fromkeys(violations))
