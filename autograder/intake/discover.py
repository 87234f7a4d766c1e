"""Finding each student's submission in a submissions folder.

One entry per student: `alice.py`, `bob.ipynb`, a folder `carol/` or an
archive `dave.zip`. Inside a folder or archive the module named in the
assignment (e.g. `classification.py`) is preferred, then the notebook of that
name, then a single `.py` or `.ipynb`. Archives are read in memory with size
limits and never extracted, so a hostile archive cannot write files.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from autograder.intake.notebook import NotebookError, notebook_chunks
from autograder.intake.source import Chunk, SubmissionSource

MAX_SOURCE_BYTES = 20 * 1024 * 1024
MAX_ZIP_MEMBERS = 2000
IGNORED_PARTS = {"__MACOSX", ".ipynb_checkpoints", "__pycache__"}


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


def _choose(candidates: list[str], module: str, where: str) -> str:
    """Pick the file to grade among the .py/.ipynb paths of a folder or archive."""
    usable = [c for c in candidates if not set(PurePosixPath(c).parts) & IGNORED_PARTS and not PurePosixPath(c).name.startswith(".")]
    for preferred in (f"{module}.py", f"{module}.ipynb"):
        named = [c for c in usable if PurePosixPath(c).name == preferred]
        if named:
            return min(named, key=lambda c: len(PurePosixPath(c).parts))
    if len(usable) == 1:
        return usable[0]
    if not usable:
        raise ValueError(f"{where} holds no .py or .ipynb file; hand in {module}.py or {module}.ipynb")
    raise ValueError(
        f"{where} holds several candidate files ({', '.join(sorted(usable)[:5])}); "
        f"name the one to grade {module}.py or {module}.ipynb"
    )


def _from_folder(student: str, folder: Path, module: str) -> SubmissionSource:
    candidates = [
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.suffix in (".py", ".ipynb") and p.is_file() and not p.is_symlink()
    ]
    chosen = _choose(candidates, module, f"{folder.name}/")
    return source_from_bytes(student, f"{folder.name}/{chosen}", PurePosixPath(chosen).name, (folder / chosen).read_bytes())


def _from_zip(student: str, path: Path, module: str) -> SubmissionSource:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise ValueError(f"{path.name} holds more than {MAX_ZIP_MEMBERS} files")
            candidates = [m.filename for m in members if not m.is_dir() and m.filename.endswith((".py", ".ipynb"))]
            chosen = _choose(candidates, module, path.name)
            info = archive.getinfo(chosen)
            if info.file_size > MAX_SOURCE_BYTES:
                raise ValueError(f"{chosen} in {path.name} is too large")
            data = archive.read(info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError) as exc:
        raise ValueError(f"{path.name} is not a readable zip archive ({exc}); zip the folder again") from None
    return source_from_bytes(student, f"{path.name}:{chosen}", PurePosixPath(chosen).name, data)


def read_entry(path: Path, module: str) -> Entry | Skipped:
    """Read one entry of a submissions folder."""
    student = path.stem if path.is_file() else path.name
    if path.is_symlink():
        return Skipped(path.name, "symbolic links are not followed")
    try:
        if path.is_dir():
            return _from_folder(student, path, module)
        if path.suffix == ".zip":
            return _from_zip(student, path, module)
        if path.suffix in (".py", ".ipynb"):
            return source_from_bytes(student, path.name, path.name, path.read_bytes())
    except (ValueError, OSError) as exc:
        return Rejected(student, path.name, str(exc))
    return Skipped(path.name, "not a submission (expected a .py, .ipynb, folder or .zip)")


def discover(folder: Path, module: str) -> tuple[list[Entry], list[Skipped]]:
    """Every student's entry, in name order, with duplicates rejected by name."""
    entries: list[Entry] = []
    skipped: list[Skipped] = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if path.name.startswith("."):
            continue
        entry = read_entry(path, module)
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
