"""Typed, validated view of an assignment's `assignment.toml`.

One config object per assignment: the exercises with their banned APIs, the
points of every test, the limits of the worker and the notebook prose. Every
validation error names the file and the key, because instructors edit this
file by hand.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from autograder.errors import UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG_NAME = "assignment.toml"
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


@dataclass(frozen=True)
class Exercise:
    """One graded function (or class) of the student's module."""

    name: str
    title: str
    prose: str


@dataclass(frozen=True)
class Limits:
    """Limits applied to the student's worker process."""

    call_timeout_s: float = 10.0
    load_timeout_s: float = 60.0
    output_limit_bytes: int = 64_000
    max_failures_per_function: int = 2


@dataclass(frozen=True)
class Sample:
    """A known submission and the exercises on which it must lose points."""

    file: str
    loses: tuple[str, ...]


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


def _require(table: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in table:
        raise UsageError(f"{where}: missing key `{key}`")
    value = table[key]
    if not isinstance(value, kind):
        raise UsageError(f"{where}: `{key}` must be a {kind.__name__}, got {value!r}")
    return value


def _str_list(table: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{where}: `{key}` must be a list of strings")
    return tuple(value)


def load_config(root: Path) -> AssignmentConfig:
    """Read and validate `root/assignment.toml`."""
    root = root.resolve()
    path = root / CONFIG_NAME
    if not path.is_file():
        raise UsageError(f"{root}: not an assignment folder (no {CONFIG_NAME})")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None

    where = str(path)
    exercises_raw = _require(raw, "exercises", dict, where)
    exercises = tuple(
        Exercise(
            name=name,
            title=str(spec.get("title", name)),
            prose=str(spec.get("prose", "")).strip(),
        )
        for name, spec in exercises_raw.items()
    )
    names = {e.name for e in exercises}

    banned_raw = raw.get("banned", {})
    banned_in = _str_list(banned_raw, "exercises", f"{where} [banned]") or tuple(e.name for e in exercises)
    unknown = set(banned_in) - names
    if unknown:
        raise UsageError(f"{where} [banned]: unknown exercises {sorted(unknown)}")

    points_raw = _require(raw, "points", dict, where)
    points: dict[str, float] = {}
    for test, value in points_raw.items():
        if not isinstance(value, (int, float)) or value < 0:
            raise UsageError(f"{where} [points]: `{test}` must be a number >= 0")
        points[test] = float(value)

    limits_raw = raw.get("limits", {})
    known_limits = set(Limits.__dataclass_fields__)
    extra = set(limits_raw) - known_limits
    if extra:
        raise UsageError(f"{where} [limits]: unknown keys {sorted(extra)}; known: {sorted(known_limits)}")
    limits = Limits(**limits_raw)

    grading = raw.get("grading", {})
    visibility = grading.get("hidden_visibility", "visible")
    if visibility not in VISIBILITIES:
        raise UsageError(f"{where} [grading]: hidden_visibility must be one of {VISIBILITIES}")

    samples: dict[str, Sample] = {}
    for sample_name, spec in raw.get("samples", {}).items():
        loses = _str_list(spec, "loses", f"{where} [samples.{sample_name}]")
        unknown = set(loses) - names
        if unknown:
            raise UsageError(f"{where} [samples.{sample_name}]: unknown exercises {sorted(unknown)}")
        samples[sample_name] = Sample(file=_require(spec, "file", str, where), loses=loses)

    return AssignmentConfig(
        name=str(raw.get("name", root.name)),
        root=root,
        module=_require(raw, "module", str, where),
        title=str(raw.get("title", root.name)),
        intro=str(raw.get("intro", "")).strip(),
        exercises=exercises,
        banned=_str_list(banned_raw, "apis", f"{where} [banned]"),
        banned_in=banned_in,
        points=points,
        limits=limits,
        hidden_visibility=visibility,
        samples=samples,
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
