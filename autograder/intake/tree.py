"""The source files of a submitted folder, listed without following anything out of it.

A folder submission is the student's: it may hold symbolic links (to
/etc/passwd, to the hidden tests, to another student's folder, a link
loop, a linked folder), named pipes, devices, huge files, copied virtual
environments, and folders nested thousands deep. The listing

- never follows a link nor enters a linked folder: a link that may hold
  code (named .py or .ipynb, or pointing at a folder) is `left_out` with a
  reason, so a student whose code sits behind one is told why it was not
  found;
- does not enter caches, dot-folders, virtual environments (a folder with a
  pyvenv.cfg) or folders deeper than `MAX_DEPTH` (no student's code sits
  that deep);
- reads nothing: each file is read later, by `TreeFile.read`, only as the
  regular file that was listed and only up to `MAX_SOURCE_BYTES`, so a file
  or folder swapped for a link after the listing is refused, not followed.
  (A folder swapped for a link while it is being listed is listed where the
  link leads: that takes writing into the submissions folder while it is
  being graded.)

Archives (`autograder.intake.archive`) are listed into the same `Tree`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable

from autograder.intake.files import MAX_SOURCE_BYTES, read_regular
from autograder.intake.students import printable

MAX_DEPTH = 32
SOURCE_SUFFIXES = (".py", ".ipynb")
ARCHIVE_SUFFIX = ".zip"
IGNORED_FOLDERS = {"__MACOSX", ".ipynb_checkpoints", "__pycache__", "site-packages", "dist-packages", "node_modules"}
VENV_MARKER = "pyvenv.cfg"

LINK = "it is a symbolic link, which the grader does not follow; put the file itself there"
LINKED_FOLDER = "it is a symbolic link to a folder, which the grader does not follow; put the folder itself there"
SPECIAL = "it is not a regular file (a named pipe, socket or device); remove it"


@dataclass(frozen=True)
class TreeFile:
    """A source file of a submission, read only when it is needed (at most `MAX_SOURCE_BYTES`; raises OSError)."""

    read: Callable[[], bytes]
    size: int
    mtime: float


@dataclass(frozen=True)
class Tree:
    """The source files of a folder or archive by POSIX path (as `printable` text), and what was passed over.

    `left_out` maps a path that may hold the student's code but was not read
    to why, as a clause that completes "PATH was not read: ..."; `archives`
    are the archives inside, which the grader never opens.
    """

    files: dict[str, TreeFile]
    left_out: dict[str, str] = field(default_factory=dict)
    archives: tuple[str, ...] = ()


def ignored(part: str) -> bool:
    """A folder or file name that is never the student's own work (caches, dot-files, copied libraries)."""
    return part in IGNORED_FOLDERS or part.startswith(".")


def _points_to_folder(link: os.DirEntry[str]) -> bool:
    """Whether a link leads to a folder: followed only to look, and a loop or a dangling link is no folder."""
    try:
        return link.is_dir()
    except OSError:
        return False


def _listed(folder: Path) -> list[os.DirEntry[str]] | str:
    """The entries of `folder`, or why it cannot be listed."""
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except OSError as exc:
        return f"could not be listed ({exc.strerror})"


def folder_tree(folder: Path, display: str = "") -> Tree:
    """The .py and .ipynb files of `folder`; `display` prefixes paths in the messages of `TreeFile.read`."""
    files: dict[str, TreeFile] = {}
    left_out: dict[str, str] = {}
    archives: list[str] = []
    pending: list[tuple[Path, str, int]] = [(folder, "", 0)]
    while pending:
        here, prefix, depth = pending.pop()
        entries = _listed(here)
        if isinstance(entries, str):
            if not depth:
                raise OSError(f"{display or printable(folder.name)} {entries}; hand it in again")
            left_out[printable(prefix)] = f"it {entries}"
            continue
        if depth and any(e.name == VENV_MARKER for e in entries):
            continue
        for entry in entries:
            if ignored(entry.name):
                continue
            path = printable(prefix + entry.name)
            is_source = entry.name.endswith(SOURCE_SUFFIXES)
            if entry.is_symlink():
                if is_source:
                    left_out[path] = LINK
                elif _points_to_folder(entry):
                    left_out[f"{path}/"] = LINKED_FOLDER
            elif entry.is_dir(follow_symlinks=False):
                if depth < MAX_DEPTH:
                    pending.append((Path(entry.path), f"{prefix}{entry.name}/", depth + 1))
            elif not is_source:
                if entry.name.endswith(ARCHIVE_SUFFIX):
                    archives.append(path)
            elif not entry.is_file(follow_symlinks=False):
                left_out[path] = SPECIAL
            else:
                info = os.stat(entry.path, follow_symlinks=False)
                read = partial(read_regular, Path(entry.path), f"{display}{path}", MAX_SOURCE_BYTES, (info.st_dev, info.st_ino))
                files[path] = TreeFile(read, info.st_size, info.st_mtime)
    return Tree(dict(sorted(files.items())), dict(sorted(left_out.items())), tuple(sorted(archives)))
