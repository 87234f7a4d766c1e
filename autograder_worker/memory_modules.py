"""Importing a submission's own modules from their sources in memory.

A folder submission's `helpers.py` or package `mypkg/` must be importable by
the graded code, but the worker writes no student file to disk: a meta-path
finder serves each module from the source sent in the load request. It is
appended after Python's own finders, so a student file named `torch.py` or
`copy.py` can never stand in for a module the grader relies on. Sources go
into linecache under their display names, so tracebacks show the student's
lines.
"""

from __future__ import annotations

import linecache
import sys
from importlib.abc import Loader, MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any, Iterable, Sequence


class MemoryModules(MetaPathFinder, Loader):
    """Finder and loader of the modules `{name, filename, source, package}` of one submission."""

    def __init__(self, modules: Iterable[dict[str, Any]]) -> None:
        self._modules = {str(m["name"]): m for m in modules}
        for module in self._modules.values():
            source, filename = str(module["source"]), str(module["filename"])
            linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)

    @property
    def filenames(self) -> set[str]:
        return {str(m["filename"]) for m in self._modules.values()}

    def install(self) -> None:
        sys.meta_path.append(self)

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> ModuleSpec | None:
        module = self._modules.get(fullname)
        if module is None:
            return None
        spec = ModuleSpec(fullname, self, origin=str(module["filename"]), is_package=bool(module["package"]))
        spec.has_location = True
        return spec

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        entry = self._modules[module.__name__]
        exec(compile(str(entry["source"]), str(entry["filename"]), "exec"), module.__dict__)

    def get_source(self, fullname: str) -> str:
        return str(self._modules[fullname]["source"])
