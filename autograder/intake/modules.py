"""The student's own modules beside the graded file, made importable.

A folder or archive holds the graded file and often the student's helpers:
`helpers.py` beside it, or a small package `mypkg/` with relative imports.
Each `.py` file becomes a module named as Python names it when the student
runs their code: relative to the graded file's folder first, then to the
submission's root. Which files are listed at all (no caches, dot-folders,
virtual environments, links) is `autograder.intake.tree`'s business.
Helpers are bounded in number and size; past a bound, or for a helper that
cannot be read as source, the graded file is loaded alone with a notice
saying what to hand in instead, because rejecting the whole submission
would cost every point for a packaging mistake.
"""

from __future__ import annotations

import keyword
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Iterable, Mapping

from autograder.intake.encoding import decode_source
from autograder.intake.source import ModuleFile, SubmissionSource
from autograder.intake.tree import TreeFile, folder_tree

MAX_HELPER_FILES = 200
MAX_HELPER_BYTES = 5 * 1024 * 1024
TOP = PurePosixPath(".")


@dataclass(frozen=True)
class _Named:
    """One importable name of a helper file, and the import root it was named from."""

    name: str
    package: bool
    path: str
    root: PurePosixPath


def folder_files(folder: Path) -> dict[str, TreeFile]:
    """The .py and .ipynb files of a folder, by POSIX path relative to it (see `autograder.intake.tree`)."""
    return folder_tree(folder).files


def _module_name(parts: tuple[str, ...]) -> tuple[str, bool] | None:
    """(dotted name, is a package) of a .py file below an import root, when Python can import it at all."""
    *folders, file = parts
    stem = file[: -len(".py")]
    names = folders if stem == "__init__" else [*folders, stem]
    if not names or not all(n.isidentifier() and not keyword.iskeyword(n) for n in names):
        return None
    return ".".join(names), stem == "__init__"


def _names(paths: Iterable[str], chosen: str, module: str) -> list[_Named]:
    """Every helper's importable names; where two files claim a name, the first one wins.

    The graded file's folder is named from first, as Python puts the running
    script's folder first on its path; within a root, a package wins over a
    module of the same name, as it does in Python. The assignment's own
    module name is left out: the worker serves the graded file under it.
    """
    found: dict[str, _Named] = {}
    for root in dict.fromkeys([PurePosixPath(chosen).parent, TOP]):
        named = []
        for path in paths:
            pure = PurePosixPath(path)
            mapped = _module_name(pure.relative_to(root).parts) if root in pure.parents else None
            if mapped is not None and mapped[0] != module:
                named.append(_Named(mapped[0], mapped[1], path, root))
        for entry in sorted(named, key=lambda n: (n.name, not n.package)):
            found.setdefault(entry.name, entry)
    return list(found.values())


def _folder_packages(named: list[_Named], display: str) -> list[ModuleFile]:
    """Empty packages for folders that hold modules but no __init__.py, which Python imports as well."""
    taken = {n.name for n in named}
    packages: dict[str, ModuleFile] = {}
    for entry in named:
        parts = entry.name.split(".")
        for depth in range(1, len(parts)):
            name = ".".join(parts[:depth])
            if name not in taken and name not in packages:
                packages[name] = ModuleFile(name, f"{display}{entry.root.joinpath(*parts[:depth]).as_posix()}/", "", True)
    return list(packages.values())


def _alone(source: SubmissionSource, chosen: str, reason: str, fix: str) -> SubmissionSource:
    notice = (
        f"only {chosen} was loaded, without your other .py files, because {reason}; "
        f"importing your own modules from {chosen} fails, so {fix}"
    )
    return replace(source, notices=source.notices + (notice,))


def with_helpers(
    source: SubmissionSource, files: Mapping[str, TreeFile], chosen: str, display: str, module: str
) -> SubmissionSource:
    """`source` with the other .py files of its folder or archive as importable modules.

    `chosen` is the graded file's path among `files`, `display` the prefix
    that names a helper in messages (`carol/`, `dave.zip:`).
    """
    named = _names([p for p in files if p.endswith(".py") and p != chosen], chosen, module)
    used = sorted({n.path for n in named})
    size = sum(files[p].size for p in used)
    graded = PurePosixPath(chosen).name
    if len(used) > MAX_HELPER_FILES or size > MAX_HELPER_BYTES:
        reason = (
            f"they are more than the grader loads ({len(used)} files, {size / 2**20:.1f} MB; "
            f"at most {MAX_HELPER_FILES} files and {MAX_HELPER_BYTES // 2**20} MB)"
        )
        fix = f"hand in {graded} with only the .py files it imports, without virtual environments, data or copies of libraries"
        return _alone(source, graded, reason, fix)
    texts: dict[str, str] = {}
    notices: list[str] = []
    for path in used:
        try:
            texts[path], notice = decode_source(files[path].read(), f"{display}{path}")
        except (ValueError, OSError) as exc:
            return _alone(source, graded, str(exc), f"fix that file, or leave it out if {graded} does not import it")
        notices += [notice] if notice else []
    modules = [ModuleFile(n.name, f"{display}{n.path}", texts[n.path], n.package) for n in named]
    return replace(source, modules=tuple(modules + _folder_packages(named, display)), notices=source.notices + tuple(notices))
