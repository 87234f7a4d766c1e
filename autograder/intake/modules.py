"""The student's own modules beside the graded file, made importable.

A folder or archive holds the graded file and often the student's helpers:
`helpers.py` beside it, or a small package `mypkg/` with relative imports.
Each `.py` file becomes a module named as Python names it when the student
runs their code: relative to the graded file's folder first, then to the
submission's root. Caches, dot-folders and virtual environments are not the
student's work and are never listed. Helpers are bounded in number and size;
past a bound, or for a helper that cannot be read as text, the graded file is
loaded alone with a notice saying what to hand in instead, because rejecting
the whole submission would cost every point for a packaging mistake.

Paths are listed as `printable` text, so a file name that is not UTF-8 or
holds terminal escapes can be named in any message, and folders deeper than
`MAX_DEPTH` are not entered (no student's code sits that deep, and walking
every ancestor of thousands of such paths would take quadratic time).
"""

from __future__ import annotations

import keyword
import os
import zipfile
import zlib
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Callable, Iterable, Mapping

from autograder.intake.source import ModuleFile, SubmissionSource
from autograder.intake.students import printable

MAX_HELPER_FILES = 200
MAX_HELPER_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 32
SOURCE_SUFFIXES = (".py", ".ipynb")
IGNORED_FOLDERS = {"__MACOSX", ".ipynb_checkpoints", "__pycache__", "site-packages", "dist-packages", "node_modules"}
VENV_MARKER = "pyvenv.cfg"
TOP = PurePosixPath(".")


@dataclass(frozen=True)
class TreeFile:
    """A source file of a submission, read only when it is needed."""

    read: Callable[[], bytes]
    size: int
    mtime: float


@dataclass(frozen=True)
class _Named:
    """One importable name of a helper file, and the import root it was named from."""

    name: str
    package: bool
    path: str
    root: PurePosixPath


def _ignored(part: str) -> bool:
    return part in IGNORED_FOLDERS or part.startswith(".")


def folder_files(folder: Path) -> dict[str, TreeFile]:
    """The .py and .ipynb files of a folder, by POSIX path relative to it.

    Ignored folders and virtual environments (a folder with a pyvenv.cfg) are
    not even entered, so a copied `.venv` costs no time; symbolic links are
    not followed.
    """
    files: dict[str, TreeFile] = {}
    for top, folders, names in os.walk(folder):
        here = Path(top)
        if here != folder and VENV_MARKER in names:
            folders.clear()
            continue
        depth = len(here.relative_to(folder).parts)
        folders[:] = [f for f in folders if not _ignored(f) and depth < MAX_DEPTH]
        for name in names:
            path = here / name
            if name.endswith(SOURCE_SUFFIXES) and not _ignored(name) and not path.is_symlink() and path.is_file():
                stat = path.stat()
                files[printable(path.relative_to(folder).as_posix())] = TreeFile(path.read_bytes, stat.st_size, stat.st_mtime)
    return dict(sorted(files.items()))


def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    """A member's bytes; a damaged or encrypted member is an OSError like any unreadable file."""
    try:
        return archive.read(member)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError, ValueError) as exc:
        raise OSError(f"{printable(member.filename)}: {exc}") from None


def _modified(member: zipfile.ZipInfo) -> float:
    """When a member was last saved; 0 for a date no calendar has (some tools write month 0)."""
    try:
        return datetime(*member.date_time).timestamp()
    except (ValueError, OverflowError):
        return 0.0


def zip_files(archive: zipfile.ZipFile) -> dict[str, TreeFile]:
    """The .py and .ipynb members of an archive, with the same folders left out as for a folder."""
    members = [m for m in archive.infolist() if not m.is_dir() and m.filename.count("/") <= MAX_DEPTH]
    venvs = {PurePosixPath(m.filename).parent for m in members if PurePosixPath(m.filename).name == VENV_MARKER} - {TOP}
    files: dict[str, TreeFile] = {}
    for member in members:
        path = PurePosixPath(member.filename)
        if member.filename.endswith(SOURCE_SUFFIXES) and not any(map(_ignored, path.parts)) and not venvs & set(path.parents):
            read = partial(_read_member, archive, member)
            files[printable(member.filename)] = TreeFile(read, member.file_size, _modified(member))
    return dict(sorted(files.items()))


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
    for path in used:
        try:
            texts[path] = files[path].read().decode("utf-8-sig")
        except UnicodeDecodeError:
            return _alone(source, graded, f"{display}{path} is not UTF-8 text", f"save it as UTF-8, or leave it out if {graded} does not import it")
        except OSError as exc:
            return _alone(source, graded, f"{display}{path} could not be read ({exc})", "copy or zip your folder again")
    modules = [ModuleFile(n.name, f"{display}{n.path}", texts[n.path], n.package) for n in named]
    return replace(source, modules=tuple(modules + _folder_packages(named, display)))
