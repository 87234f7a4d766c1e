"""Imports in a worker come from Python's installation, or from the submission itself.

The static check reads every file of a submission before any of it runs. A
module that the submission's code writes at run time (into its temp folder)
and then imports through a changed `sys.path` would never be read, so a
worker refuses to import from a file outside the installed Python, its
packages and this package; the submission's own modules are served from
memory (see `memory_modules`) and pass. Removing this finder means touching
`sys.meta_path`, which the static check gates.
"""

from __future__ import annotations

import os
import site
import sys
import sysconfig
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Sequence


def python_folders() -> set[str]:
    """Python's prefixes and library folders, as this interpreter names them."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, *site.getsitepackages()}
    paths.update(sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib"))
    return {p for p in paths if p}


def installed_roots() -> tuple[str, ...]:
    """Python's folders and this package's folder, by their real paths."""
    paths = python_folders() | {os.path.dirname(os.path.abspath(__file__))}
    return tuple(sorted({os.path.realpath(p) for p in paths}))


class InstalledOnly(MetaPathFinder):
    """Asks the other finders, and refuses a module whose files lie outside `roots`."""

    def __init__(self, roots: tuple[str, ...], allowed: MetaPathFinder) -> None:
        self.roots = roots
        self.allowed = allowed

    def _inside(self, path: str) -> bool:
        real = os.path.realpath(path)
        return any(real == root or real.startswith(root + os.sep) for root in self.roots)

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> ModuleSpec | None:
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec: ModuleSpec | None = finder.find_spec(fullname, path, target)
            if spec is None:
                continue
            if finder is self.allowed:
                return spec
            places = [spec.origin] if spec.has_location and spec.origin else []
            places += list(spec.submodule_search_locations or [])
            outside = [p for p in places if not self._inside(p)]
            if outside:
                raise ImportError(
                    f"`import {fullname}` would load {outside[0]}, which is not part of your submission: "
                    "a module must be submitted with your work, not written or found while it runs",
                    name=fullname,
                )
            return spec
        return None


def guard(allowed: MetaPathFinder) -> None:
    """From now on, import only installed modules and those `allowed` serves."""
    sys.meta_path.insert(0, InstalledOnly(installed_roots(), allowed))
