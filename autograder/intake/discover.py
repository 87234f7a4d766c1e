"""Finding each student's submission in a submissions folder.

One entry per student: `alice.py`, `bob.ipynb`, a folder `carol/` or an
archive `dave.zip`. Intake has two parts, because everything inside an entry
is under a student's control:

- `scan` only lists the folder and names the students: cheap, and safe to run
  in the process that grades the class. It refuses, with a result that says
  why, names that cannot be shown or that clash with the grader's own output
  or with another student's name (see `autograder.intake.students`).
- `read_entry` reads one entry: the file, the notebook, the file picked in a
  folder or archive (see `_choose`) and the other .py files that come along
  as modules it can import (see `autograder.intake.modules`). Whatever the
  content, it returns a `Rejected` with a reason instead of raising, and it
  is meant to run in a supervised grader process, where a submission that
  still takes too long or too much memory costs its own student only.

Nothing is ever written: a file is read into memory only as the regular
file that was listed, never through a link and never past a size bound
(`autograder.intake.files`), and an archive is never extracted, its members
inflated in memory to bounds that hold whatever their headers claim
(`autograder.intake.archive`). What may hold the student's code but was not
read (a link, a pipe, a file too large, a member outside the archive) is
named in a notice, or in the reason for a rejection when nothing was left.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Callable, Mapping

from autograder.intake.archive import open_zip, zip_tree
from autograder.intake.encoding import decode_notebook, decode_source
from autograder.intake.files import MAX_SOURCE_BYTES, MB, SHRINK, open_regular, read_bounded, too_large
from autograder.intake.modules import with_helpers
from autograder.intake.notebook import NotebookError, code_cells, notebook_chunks
from autograder.intake.source import STUB_MESSAGE, Chunk, SubmissionSource
from autograder.intake.students import clash_key, name_problem, printable
from autograder.intake.tree import Tree, folder_tree

MAX_RANKED_BYTES = 256 * MB
MAX_NOTICED = 10
"""Files passed over that a notice names one by one; the rest are counted."""
SUBMISSION_SUFFIXES = (".py", ".ipynb", ".zip")
_DEFINES = r"^[ \t]*(?:def|class)[ \t]+{name}\b|^[ \t]*{name}[ \t]*=|^[ \t]*from[ \t]+[\w.]+[ \t]+import[ \t].*\b{name}\b"


@dataclass(frozen=True)
class Candidate:
    """An entry of the submissions folder that names a student and is still to be read (by `read_entry`)."""

    student: str
    path: Path

    @property
    def origin(self) -> str:
        """The entry's name as messages show it, like `Rejected.origin`."""
        return printable(self.path.name)


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


def source_from_bytes(student: str, origin: str, name: str, data: bytes) -> SubmissionSource:
    """Build a submission from one file's content; raises ValueError with a student-facing reason."""
    if len(data) > MAX_SOURCE_BYTES:
        raise too_large(name, MAX_SOURCE_BYTES)
    if name.endswith(".ipynb"):
        try:
            return SubmissionSource(student, origin, "notebook", notebook_chunks(decode_notebook(data, name), name))
        except NotebookError as exc:
            raise ValueError(str(exc)) from None
    text, notice = decode_source(data, name)
    return SubmissionSource(student, origin, "module", (Chunk(name, name, text),), notices=(notice,) if notice else ())


def _code_text(name: str, data: bytes) -> str:
    """The code of a candidate file, for ranking only (a notebook's code cells as written, joined)."""
    text = data.decode("utf-8", "replace")
    if not name.endswith(".ipynb"):
        return text
    try:
        return "\n".join(code for _, code in code_cells(text, name))
    except NotebookError:
        return ""


def _rank(name: str, text: str, mtime: float, module: str, exercises: tuple[str, ...]) -> tuple[int, int, int, float]:
    """Higher is likelier the student's work: defines more exercises (or imports them
    from the student's own modules), fewer untouched stubs, named like the
    assignment's module, saved more recently. Every pattern stays on one line
    (`[ \\t]`, not `\\s`), so a file of blank lines is searched in linear time."""
    defined = sum(1 for e in exercises if re.search(_DEFINES.format(name=re.escape(e)), text, re.M))
    stubs = text.count(STUB_MESSAGE)
    named = PurePosixPath(name).stem == module
    return defined, -stubs, int(named), mtime


def _choose(candidates: Mapping[str, tuple[Callable[[], bytes], float, int]], module: str, exercises: tuple[str, ...], where: str) -> str:
    """Pick the file to grade among the .py/.ipynb files of a folder or archive.

    Students zip the whole release folder, so the untouched stub module often
    sits next to the notebook they worked in: the file that defines the
    exercises, with the fewest stubs left, wins. Ranking reads every
    candidate, so their total size is bounded.
    """
    if not candidates:
        raise ValueError(f"{where} holds no .py or .ipynb file; hand in {module}.py or {module}.ipynb")
    if len(candidates) == 1:
        return next(iter(candidates))
    total = sum(size for _, _, size in candidates.values())
    if total > MAX_RANKED_BYTES:
        raise ValueError(
            f"{where} holds {len(candidates)} .py and .ipynb files of {total // 2**20} MB in all, more than the "
            f"{MAX_RANKED_BYTES // 2**20} MB the grader searches for your work; hand in {module}.py or {module}.ipynb"
        )
    ranks = {c: _rank(c, _code_text(c, read()), mtime, module, exercises) for c, (read, mtime, _) in candidates.items()}
    best = max(candidates, key=lambda c: (ranks[c], -len(PurePosixPath(c).parts), c.endswith(".py")))
    defined, _, named, _ = ranks[best]
    if not defined and not named:
        raise ValueError(
            f"{where} holds several candidate files ({', '.join(sorted(candidates)[:5])}) and none defines "
            f"{', '.join(exercises) or 'the exercises'}; hand in {module}.py or {module}.ipynb"
        )
    return best


def choose_file(folder: Path, files: list[Path], module: str, exercises: tuple[str, ...]) -> Path:
    """The file among `files` (inside `folder`) that holds the student's work.

    For `autograder check`, on the student's own machine and files they
    named, so links are followed there as the student's Python follows them.
    """
    by_name = {printable(p.relative_to(folder).as_posix()): p for p in files}
    sizes = {name: p.stat().st_size for name, p in by_name.items()}
    candidates = {name: (p.read_bytes, p.stat().st_mtime, sizes[name]) for name, p in by_name.items() if sizes[name] <= MAX_SOURCE_BYTES}
    return by_name[_choose(candidates, module, exercises, f"{printable(folder.name)}/")]


def _passed_over(left_out: Mapping[str, str], display: str) -> str:
    """The files that may hold code but were not read, each with why, in one sentence's worth."""
    named = [f"{display}{path} was not read: {why}" for path, why in list(left_out.items())[:MAX_NOTICED]]
    more = len(left_out) - len(named)
    return "; ".join(named) + (f"; and {more} more were not read" if more else "")


def _nothing_found(tree: Tree, left_out: Mapping[str, str], where: str, display: str, module: str) -> str:
    """Why a folder or archive holds nothing to grade, naming what was passed over."""
    sentences = [f"{where} holds no .py or .ipynb file that the grader can read; hand in {module}.py or {module}.ipynb"]
    if tree.archives:
        sentences.append(
            f"{display}{tree.archives[0]} is an archive inside your submission, which the grader does not open: "
            "zip your folder itself, not an archive of archives"
        )
    if left_out:
        sentences.append(_passed_over(left_out, display))
    return ". ".join(sentences)


def _case_clashes(paths: list[str], display: str) -> list[str]:
    """Notices for files whose names differ only in letter case: both are read, but unzipping on Windows or macOS keeps one."""
    by_key: dict[str, list[str]] = {}
    for path in paths:
        by_key.setdefault(clash_key(path), []).append(path)
    return [
        f"{' and '.join(display + p for p in group)} differ only in letter case: the grader read each as it is, but on "
        "Windows and macOS one replaces the other when unzipped or copied; rename all but one"
        for group in by_key.values()
        if len(group) > 1
    ][:MAX_NOTICED]


def _from_tree(student: str, tree: Tree, where: str, display: str, module: str, exercises: tuple[str, ...]) -> SubmissionSource:
    """The graded file among a folder's or archive's files, with the student's other modules and notices
    for what was passed over; `display` prefixes paths in messages."""
    large = {p: f"it is larger than {MAX_SOURCE_BYTES // MB} MB; {SHRINK}" for p, f in tree.files.items() if f.size > MAX_SOURCE_BYTES}
    files = {p: f for p, f in tree.files.items() if p not in large}
    left_out = dict(sorted({**tree.left_out, **large}.items()))
    if not files:
        raise ValueError(_nothing_found(tree, left_out, where, display, module))
    chosen = _choose({p: (f.read, f.mtime, f.size) for p, f in files.items()}, module, exercises, where)
    source = source_from_bytes(student, f"{display}{chosen}", PurePosixPath(chosen).name, files[chosen].read())
    source = with_helpers(source, files, chosen, display, module)
    notices = ([_passed_over(left_out, display)] if left_out else []) + _case_clashes(list(files), display)
    return replace(source, notices=source.notices + tuple(notices))


def _from_zip(student: str, handle: BinaryIO, name: str, module: str, exercises: tuple[str, ...]) -> SubmissionSource:
    with open_zip(handle, name) as archive:
        return _from_tree(student, zip_tree(archive, handle, f"{name}:"), name, f"{name}:", module, exercises)


def _read_file(student: str, path: Path, module: str, exercises: tuple[str, ...]) -> SubmissionSource:
    name = printable(path.name)
    with open_regular(path, name) as handle:
        if path.suffix == ".zip":
            return _from_zip(student, handle, name, module, exercises)
        return source_from_bytes(student, name, name, read_bounded(handle, name, MAX_SOURCE_BYTES))


def _read(student: str, path: Path, module: str, exercises: tuple[str, ...]) -> Entry:
    """The submission at `path`, or why it cannot be graded; what the student wrote cannot make this raise."""
    name = printable(path.name)
    try:
        if path.is_dir() and not path.is_symlink():
            return _from_tree(student, folder_tree(path, f"{name}/"), f"{name}/", f"{name}/", module, exercises)
        return _read_file(student, path, module, exercises)
    except (ValueError, OSError) as exc:  # ValueError includes UnicodeError and NotebookError
        return Rejected(student, name, str(exc))
    except RecursionError:
        return Rejected(student, name, f"{name} is nested too deeply to be read; hand in a plain .py file or notebook")
    except MemoryError:
        return Rejected(student, name, f"{name} could not be read within the grader's memory; hand in only your code")


def _classify(path: Path) -> Candidate | Rejected | Skipped:
    """What a name in the submissions folder is, from the name and the file's type alone (nothing is read)."""
    origin = printable(path.name)
    try:
        mode = path.lstat().st_mode
    except OSError as exc:
        return Skipped(origin, f"could not be examined ({exc.strerror})")
    if stat.S_ISLNK(mode):
        return Skipped(origin, "symbolic links are not followed")
    if stat.S_ISDIR(mode):
        raw = path.name
    elif path.suffix in SUBMISSION_SUFFIXES:
        if not stat.S_ISREG(mode):
            return Skipped(origin, "not a regular file")
        raw = path.stem
    else:
        return Skipped(origin, "not a submission (expected a .py, .ipynb, folder or .zip)")
    student = printable(raw)
    problem = name_problem(path.name, student)
    return Candidate(student, path) if problem is None else Rejected(student, origin, problem)


def read_entry(path: Path, module: str, exercises: tuple[str, ...] = ()) -> Entry | Skipped:
    """Read one entry of a submissions folder: the student-controlled, expensive part of intake.

    The student is named as `scan` names them. Returns a `Rejected` with a
    reason for any content, never raises for one (an unexpected failure of
    the grader itself may still propagate), and a `Skipped` for what is not
    a submission at all.
    """
    entry = _classify(path)
    if isinstance(entry, Candidate):
        return _read(entry.student, path, module, exercises)
    return entry


def _origins(entries: list[Candidate | Rejected]) -> str:
    return ", ".join(e.origin for e in entries)


def scan(folder: Path, exclude: Path | None = None) -> tuple[list[Candidate | Rejected], list[Skipped]]:
    """Every student in `folder`, in name order, and what is not a submission; reads no file.

    `exclude` is the output folder, which may sit inside the submissions
    folder; names starting with a dot are not students. Two entries for one
    student (`bob.py` and `bob.ipynb`) are refused, and so are names that
    differ only in letter case or Unicode form (`Victim.py`, `victim.py`):
    either could be taken for the other, in a gradebook or on a
    case-insensitive file system. Each refused student still gets an entry,
    so each gets a result.
    """
    here = folder.resolve()
    excluded = {Path(os.path.abspath(exclude)), exclude.resolve()} if exclude is not None else set()
    entries: list[Candidate | Rejected] = []
    skipped: list[Skipped] = []
    for name in sorted(os.listdir(folder)):
        if name.startswith(".") or here / name in excluded:
            continue
        entry = _classify(folder / name)
        (skipped if isinstance(entry, Skipped) else entries).append(entry)  # type: ignore[arg-type]
    by_student: dict[str, list[Candidate | Rejected]] = {}
    for entry in entries:
        by_student.setdefault(entry.student, []).append(entry)
    by_key: dict[str, list[str]] = {}
    for student in by_student:
        by_key.setdefault(clash_key(student), []).append(student)
    result: list[Candidate | Rejected] = []
    for student, group in by_student.items():
        clashing = by_key[clash_key(student)]
        if len(clashing) > 1:
            origins = _origins([e for s in clashing for e in by_student[s]])
            reason = (
                f"the names of {origins} differ only in letter case, Unicode form or surrounding spaces, so one student's "
                "results could be taken for another's; rename all but one and hand them in again"
            )
            result.append(Rejected(student, _origins(group), reason))
        elif len(group) == 1:
            result.append(group[0])
        else:
            origins = _origins(group)
            result.append(Rejected(student, origins, f"several submissions for {student} ({origins}); keep exactly one"))
    return result, skipped


def discover(
    folder: Path, module: str, exercises: tuple[str, ...] = (), exclude: Path | None = None
) -> tuple[list[Entry], list[Skipped]]:
    """`scan`, then `read_entry` for every student, in this process: for tests and small classes."""
    entries, skipped = scan(folder, exclude)
    read: list[Entry] = []
    for entry in entries:
        if isinstance(entry, Rejected):
            read.append(entry)
            continue
        got = read_entry(entry.path, module, exercises)
        read.append(Rejected(entry.student, got.origin, got.reason) if isinstance(got, Skipped) else got)
    return read, skipped
