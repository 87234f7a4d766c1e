"""Finding each student's submission in a submissions folder.

One entry per student: `alice.py`, `bob.ipynb`, a folder `carol/` or an
archive `dave.zip`. Inside a folder or archive the file that holds the
student's work is picked (see `_choose`), and the other .py files come along
as modules it can import (see `autograder.intake.modules`). Archives are read
in memory with size limits and never extracted, so a hostile archive cannot
write files.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable, Mapping

from autograder.intake.modules import TreeFile, folder_files, with_helpers, zip_files
from autograder.intake.notebook import NotebookError, notebook_chunks
from autograder.intake.source import STUB_MESSAGE, Chunk, SubmissionSource

MAX_SOURCE_BYTES = 20 * 1024 * 1024
MAX_ZIP_MEMBERS = 2000
_DEFINES = r"^\s*(?:def|class)\s+{name}\b|^\s*{name}\s*=|^\s*from\s+[\w.]+\s+import\s+.*\b{name}\b"


@dataclass(frozen=True)
class Rejected:
    """An entry that names a student but cannot be graded; `reason` says what to do."""

    student: str
    origin: str
    reason: str


@dataclass(frozen=True)
class Skipped:
    """A file in the submissions folder that is not a submission at all."""

    origin: str
    reason: str


Entry = SubmissionSource | Rejected


def _decode(data: bytes, display_name: str) -> str:
    if len(data) > MAX_SOURCE_BYTES:
        raise ValueError(f"{display_name} is larger than {MAX_SOURCE_BYTES // (1024 * 1024)} MB")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{display_name} is not UTF-8 text; save it as UTF-8") from None


def source_from_bytes(student: str, origin: str, name: str, data: bytes) -> SubmissionSource:
    """Build a submission from one file's content; raises ValueError with a student-facing reason."""
    text = _decode(data, name)
    if name.endswith(".ipynb"):
        try:
            return SubmissionSource(student, origin, "notebook", notebook_chunks(text, name))
        except NotebookError as exc:
            raise ValueError(str(exc)) from None
    return SubmissionSource(student, origin, "module", (Chunk(name, name, text),))


def _code_text(name: str, data: bytes) -> str:
    """The code of a candidate file, for ranking only (a notebook's code cells, joined)."""
    text = data.decode("utf-8", "replace")
    if not name.endswith(".ipynb"):
        return text
    try:
        return "\n".join(c.source for c in notebook_chunks(text, name))
    except NotebookError:
        return ""


def _rank(name: str, text: str, mtime: float, module: str, exercises: tuple[str, ...]) -> tuple[int, int, int, float]:
    """Higher is likelier the student's work: defines more exercises (or imports them
    from the student's own modules), fewer untouched stubs, named like the
    assignment's module, saved more recently."""
    defined = sum(1 for e in exercises if re.search(_DEFINES.format(name=re.escape(e)), text, re.M))
    stubs = text.count(STUB_MESSAGE)
    named = PurePosixPath(name).stem == module
    return defined, -stubs, int(named), mtime


def _choose(candidates: Mapping[str, tuple[Callable[[], bytes], float]], module: str, exercises: tuple[str, ...], where: str) -> str:
    """Pick the file to grade among the .py/.ipynb files of a folder or archive.

    Students zip the whole release folder, so the untouched stub module often
    sits next to the notebook they worked in: the file that defines the
    exercises, with the fewest stubs left, wins.
    """
    if not candidates:
        raise ValueError(f"{where} holds no .py or .ipynb file; hand in {module}.py or {module}.ipynb")
    if len(candidates) == 1:
        return next(iter(candidates))
    ranks = {c: _rank(c, _code_text(c, read()), mtime, module, exercises) for c, (read, mtime) in candidates.items()}
    best = max(candidates, key=lambda c: (ranks[c], -len(PurePosixPath(c).parts), c.endswith(".py")))
    defined, _, named, _ = ranks[best]
    if not defined and not named:
        raise ValueError(
            f"{where} holds several candidate files ({', '.join(sorted(candidates)[:5])}) and none defines "
            f"{', '.join(exercises) or 'the exercises'}; hand in {module}.py or {module}.ipynb"
        )
    return best


def choose_file(folder: Path, files: list[Path], module: str, exercises: tuple[str, ...]) -> Path:
    """The file among `files` (inside `folder`) that holds the student's work."""
    candidates = {p.relative_to(folder).as_posix(): (p.read_bytes, p.stat().st_mtime) for p in files if p.stat().st_size <= MAX_SOURCE_BYTES}
    return folder / _choose(candidates, module, exercises, f"{folder.name}/")


def _from_files(
    student: str, files: Mapping[str, TreeFile], where: str, display: str, module: str, exercises: tuple[str, ...]
) -> SubmissionSource:
    """The graded file among `files` with the student's other modules; `display` prefixes paths in messages."""
    candidates = {p: (f.read, f.mtime) for p, f in files.items() if f.size <= MAX_SOURCE_BYTES}
    chosen = _choose(candidates, module, exercises, where)
    source = source_from_bytes(student, f"{display}{chosen}", PurePosixPath(chosen).name, files[chosen].read())
    return with_helpers(source, files, chosen, display, module)


def _from_folder(student: str, folder: Path, module: str, exercises: tuple[str, ...]) -> SubmissionSource:
    return _from_files(student, folder_files(folder), f"{folder.name}/", f"{folder.name}/", module, exercises)


def _from_zip(student: str, path: Path, module: str, exercises: tuple[str, ...]) -> SubmissionSource:
    try:
        with zipfile.ZipFile(path) as archive:
            if len(archive.infolist()) > MAX_ZIP_MEMBERS:
                raise ValueError(f"{path.name} holds more than {MAX_ZIP_MEMBERS} files")
            return _from_files(student, zip_files(archive), path.name, f"{path.name}:", module, exercises)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError) as exc:
        raise ValueError(f"{path.name} is not a readable zip archive ({exc}); zip the folder again") from None


def read_entry(path: Path, module: str, exercises: tuple[str, ...] = ()) -> Entry | Skipped:
    """Read one entry of a submissions folder."""
    student = path.stem if path.is_file() else path.name
    if path.is_symlink():
        return Skipped(path.name, "symbolic links are not followed")
    try:
        if path.is_dir():
            return _from_folder(student, path, module, exercises)
        if path.suffix == ".zip":
            return _from_zip(student, path, module, exercises)
        if path.suffix in (".py", ".ipynb"):
            return source_from_bytes(student, path.name, path.name, path.read_bytes())
    except (ValueError, OSError) as exc:
        return Rejected(student, path.name, str(exc))
    return Skipped(path.name, "not a submission (expected a .py, .ipynb, folder or .zip)")


def discover(
    folder: Path, module: str, exercises: tuple[str, ...] = (), exclude: Path | None = None
) -> tuple[list[Entry], list[Skipped]]:
    """Every student's entry, in name order, with duplicates rejected by name.

    `exclude` is the output folder, which may sit inside the submissions folder.
    """
    entries: list[Entry] = []
    skipped: list[Skipped] = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if path.name.startswith(".") or (exclude is not None and path.resolve() == exclude.resolve()):
            continue
        entry = read_entry(path, module, exercises)
        (skipped if isinstance(entry, Skipped) else entries).append(entry)  # type: ignore[arg-type]
    by_student: dict[str, list[Entry]] = {}
    for entry in entries:
        by_student.setdefault(entry.student, []).append(entry)
    result: list[Entry] = []
    for student, group in by_student.items():
        if len(group) == 1:
            result.append(group[0])
        else:
            origins = ", ".join(e.origin for e in group)
            result.append(Rejected(student, origins, f"several submissions for {student} ({origins}); keep exactly one"))
    return result, skipped
