"""Typed, validated view of an assignment's `assignment.toml`.

One config object per assignment: the exercises with their banned APIs, the
points of every test, the limits of the worker and the notebook prose. Every
validation error names the file and the key, because instructors edit this
file by hand.
"""

from __future__ import annotations

import keyword
import math
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, Collection, Mapping, TypeGuard, TypeVar

from autograder.errors import UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG_NAME = "assignment.toml"
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")

T = TypeVar("T")
Table = Mapping[str, Any]
Parse = Callable[[object, str], T]
NOTHING: tuple[str, ...] = ()


def _is_number(value: object) -> TypeGuard[int | float]:
    """TOML booleans are Python ints, but `true` seconds or points is always a typo."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def parse_seconds(value: object, where: str) -> float:
    """A time limit, kept as written (10 or 10.0) so the student's copy of the config reads the same."""
    if _is_number(value) and math.isfinite(value) and value > 0:
        return value
    raise UsageError(f"{where}: must be a number of seconds > 0, got {value!r}")


def _count(value: object, where: str) -> int:
    """A size or a count: half a byte or a fractional number of failures means a typo."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    raise UsageError(f"{where}: must be a whole number > 0, got {value!r}")


def _string(value: object, where: str) -> str:
    if isinstance(value, str):
        return value
    raise UsageError(f"{where}: must be a string, got {value!r}")


def _identifier(value: object, where: str) -> str:
    """Module and exercise names become imports, `def` names and otter file names."""
    text = _string(value, where)
    if text.isidentifier() and not keyword.iskeyword(text):
        return text
    raise UsageError(f"{where}: must be a Python name (letters, digits and _, not starting with a digit), got {text!r}")


def _folder_name(value: object, where: str) -> str:
    """The release replaces `student_template/<name>/` wholesale, so the name must not reach outside it."""
    text = _string(value, where)
    if text.strip() and text not in (".", "..") and not {"/", "\\"} & set(text):
        return text
    raise UsageError(f"{where}: must be a plain folder name (no / or \\), got {text!r}")


def _str_list(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise UsageError(f"{where}: must be a list of strings, got {value!r}")


def _table(value: object, where: str) -> Table:
    if isinstance(value, dict):
        return value
    raise UsageError(f"{where}: must be a table, got {value!r}")


def _known_keys(table: Table, known: Collection[str], where: str) -> None:
    """Name the known keys, so that a misspelt key is caught instead of silently keeping a default."""
    extra = set(table) - set(known)
    if extra:
        raise UsageError(f"{where}: unknown keys {sorted(extra)}; known: {sorted(known)}")


def _required(table: Table, key: str, parse: Parse[T], where: str) -> T:
    if key not in table:
        raise UsageError(f"{where}: missing key `{key}`")
    return parse(table[key], f"{where} {key}")


def _optional(table: Table, key: str, parse: Parse[T], where: str, default: T) -> T:
    return parse(table[key], f"{where} {key}") if key in table else default


def _section(raw: Table, key: str, where: str, required: bool = False) -> Table:
    """A top-level table, named in messages as `[key]`, the way the instructor writes it."""
    if required and key not in raw:
        raise UsageError(f"{where}: missing key `{key}`")
    return _table(raw.get(key, {}), f"{where} [{key}]")


def _exercise_subset(chosen: tuple[str, ...], names: Collection[str], where: str) -> tuple[str, ...]:
    unknown = set(chosen) - set(names)
    if unknown:
        raise UsageError(f"{where}: unknown exercises {sorted(unknown)}; known: {sorted(names)}")
    return chosen


def _limit(default: T, parse: Parse[T]) -> T:
    """A limit's default and the parser that validates an instructor's value for it."""
    result: T = field(default=default, metadata={"parse": parse})
    return result


@dataclass(frozen=True)
class Exercise:
    """One graded function (or class) of the student's module."""

    name: str
    title: str
    prose: str
    try_it: str = ""


@dataclass(frozen=True)
class Limits:
    """Limits applied to the student's worker process, and to grading one submission as a whole.

    The `worker_*` limits hold for the process running student code: memory
    beyond what torch itself maps, processes and threads, the size of one
    file, open files, and its private temp folder.

    The `submission_*` budgets and `grader_memory_bytes` bound everything done
    for one student (reading the files, the static check, every test and
    worker restart) in the trusted grader process, measured from outside it.
    """

    call_timeout_s: float = _limit(10.0, parse_seconds)
    load_timeout_s: float = _limit(60.0, parse_seconds)
    output_limit_bytes: int = _limit(64_000, _count)
    output_cap_bytes: int = _limit(64 * 2**20, _count)
    max_failures_per_function: int = _limit(2, _count)
    submission_timeout_s: float = _limit(900.0, parse_seconds)
    submission_cpu_s: float = _limit(300.0, parse_seconds)
    grader_memory_bytes: int = _limit(6 * 2**30, _count)
    worker_memory_bytes: int = _limit(2 * 2**30, _count)
    worker_processes: int = _limit(64, _count)
    worker_file_bytes: int = _limit(64 * 2**20, _count)
    worker_open_files: int = _limit(256, _count)
    worker_tmp_bytes: int = _limit(256 * 2**20, _count)

    @classmethod
    def from_table(cls, table: Table, where: str) -> Limits:
        """The limits a config sets, each checked by its field's parser; the others keep their defaults."""
        parsers = {f.name: f.metadata["parse"] for f in fields(cls)}
        _known_keys(table, parsers, where)
        return cls(**{key: parsers[key](raw, f"{where} {key}") for key, raw in table.items()})


@dataclass(frozen=True)
class Sample:
    """A known submission, the exercises on which it must lose points, and those on which it must score 0."""

    file: str
    loses: tuple[str, ...]
    scores_zero: tuple[str, ...] = ()


@dataclass(frozen=True)
class AssignmentConfig:
    """Everything an assignment declares besides its code and tests."""

    name: str
    root: Path
    module: str
    title: str
    intro: str
    exercises: tuple[Exercise, ...]
    banned: tuple[str, ...]
    banned_in: tuple[str, ...]
    points: Mapping[str, float]
    limits: Limits
    hidden_visibility: str
    samples: Mapping[str, Sample] = field(default_factory=dict)

    @property
    def exercise_names(self) -> tuple[str, ...]:
        return tuple(e.name for e in self.exercises)

    @property
    def module_file(self) -> str:
        return f"{self.module}.py"

    @property
    def notebook_file(self) -> str:
        return f"{self.module}.ipynb"

    @property
    def master_module(self) -> Path:
        return self.root / self.module_file

    @property
    def public_tests(self) -> Path:
        return self.root / "tests" / "public"

    @property
    def hidden_tests(self) -> Path:
        return self.root / "tests" / "hidden"

    @property
    def samples_dir(self) -> Path:
        return self.root / "samples"

    def points_for(self, test_function: str) -> float:
        try:
            return self.points[test_function]
        except KeyError:
            raise UsageError(
                f"{self.root / CONFIG_NAME}: no points for test `{test_function}`; "
                f"add `{test_function} = <points>` under [points]"
            ) from None


TOP_LEVEL_KEYS = ("name", "module", "title", "intro", "exercises", "banned", "points", "limits", "grading", "samples")


def _exercise(name: str, value: object, where: str) -> Exercise:
    where = f"{where} [exercises.{name}]"
    _identifier(name, where)
    spec = _table(value, where)
    _known_keys(spec, ("title", "prose", "try_it"), where)
    return Exercise(
        name=name,
        title=_optional(spec, "title", _string, where, name),
        prose=_optional(spec, "prose", _string, where, "").strip(),
        try_it=_optional(spec, "try_it", _string, where, "").strip(),
    )


def _exercises(raw: Table, where: str) -> tuple[Exercise, ...]:
    table = _section(raw, "exercises", where, required=True)
    if not table:
        raise UsageError(f"{where} [exercises]: no exercises; add one table per graded function, e.g. [exercises.softmax]")
    return tuple(_exercise(name, spec, where) for name, spec in table.items())


def _banned(raw: Table, names: tuple[str, ...], where: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The banned APIs and the exercises they apply to (all of them unless listed)."""
    table = _section(raw, "banned", where)
    where = f"{where} [banned]"
    _known_keys(table, ("apis", "exercises"), where)
    apis = _optional(table, "apis", _str_list, where, NOTHING)
    applies_to = _optional(table, "exercises", _str_list, where, NOTHING) or names
    return apis, _exercise_subset(applies_to, names, where)


def parse_points(value: object, where: str) -> float:
    """A test's points, from [points] or from its marker."""
    if _is_number(value) and math.isfinite(value) and value >= 0:
        return float(value)
    raise UsageError(f"{where} must be a number >= 0, got {value!r}")


def _points(raw: Table, where: str) -> dict[str, float]:
    table = _section(raw, "points", where)
    return {test: parse_points(value, f"{where} [points]: `{test}`") for test, value in table.items()}


def _visibility(raw: Table, where: str) -> str:
    grading = _section(raw, "grading", where)
    where = f"{where} [grading]"
    _known_keys(grading, ("hidden_visibility",), where)
    visibility = grading.get("hidden_visibility", "visible")
    if visibility not in VISIBILITIES:
        raise UsageError(f"{where}: hidden_visibility must be one of {VISIBILITIES}, got {visibility!r}")
    return str(visibility)


def _sample(name: str, value: object, names: tuple[str, ...], where: str) -> Sample:
    where = f"{where} [samples.{name}]"
    spec = _table(value, where)
    _known_keys(spec, ("file", "loses", "scores_zero"), where)
    loses = _exercise_subset(_optional(spec, "loses", _str_list, where, NOTHING), names, where)
    scores_zero = _exercise_subset(_optional(spec, "scores_zero", _str_list, where, NOTHING), names, where)
    not_lost = set(scores_zero) - set(loses)
    if not_lost:
        raise UsageError(f"{where}: scores_zero {sorted(not_lost)} must also be listed in loses, since scoring 0 loses points")
    return Sample(file=_required(spec, "file", _string, where), loses=loses, scores_zero=scores_zero)


def _samples(raw: Table, names: tuple[str, ...], where: str) -> dict[str, Sample]:
    table = _section(raw, "samples", where)
    return {name: _sample(name, spec, names, where) for name, spec in table.items()}


def _read(path: Path) -> Table:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None


def load_config(root: Path) -> AssignmentConfig:
    """Read and validate `root/assignment.toml`."""
    root = root.resolve()
    path = root / CONFIG_NAME
    if not path.is_file():
        raise UsageError(f"{root}: not an assignment folder (no {CONFIG_NAME})")
    raw = _read(path)
    where = str(path)
    _known_keys(raw, TOP_LEVEL_KEYS, where)
    module = _required(raw, "module", _identifier, where)
    exercises = _exercises(raw, where)
    names = tuple(e.name for e in exercises)
    banned, banned_in = _banned(raw, names, where)
    return AssignmentConfig(
        name=_optional(raw, "name", _folder_name, where, root.name),
        root=root,
        module=module,
        title=_optional(raw, "title", _string, where, root.name),
        intro=_optional(raw, "intro", _string, where, "").strip(),
        exercises=exercises,
        banned=banned,
        banned_in=banned_in,
        points=_points(raw, where),
        limits=Limits.from_table(_section(raw, "limits", where), f"{where} [limits]"),
        hidden_visibility=_visibility(raw, where),
        samples=_samples(raw, names, where),
    )


def find_course(start: Path) -> Path:
    """The course root: the nearest folder at or above `start` that holds `assignments/`."""
    for folder in (start.resolve(), *start.resolve().parents):
        if (folder / "assignments").is_dir():
            return folder
    packaged = Path(__file__).resolve().parent.parent
    if (packaged / "assignments").is_dir():
        return packaged
    raise UsageError(f"no assignments/ folder found at or above {start}; run this inside the course folder or pass --course")


def assignment_names(course: Path) -> list[str]:
    """The assignment folders of a course, in order."""
    return sorted(p.name for p in (course / "assignments").iterdir() if (p / CONFIG_NAME).is_file())


def load_assignment(course: Path, name: str) -> AssignmentConfig:
    """The master of assignment `name` (a folder name such as 02_classification, or a path)."""
    as_path = Path(name)
    root = as_path if (as_path / CONFIG_NAME).is_file() else course / "assignments" / name
    if not (root / CONFIG_NAME).is_file():
        known = assignment_names(course)
        raise UsageError(f"unknown assignment `{name}`; the course at {course} has: {', '.join(known) or 'none'}")
    return load_config(root)
