"""An assignment as plain data: everything a grader needs, and nothing of the course's layout.

Grading one submission reads the assignment's `assignment.toml`, its test
folders (public and hidden tests, and whatever sits beside them: a
`conftest.py`, helper modules), the released reference solution and the
course secret that seeds hidden tests' inputs. A bundle is those files as
bytes under paths relative to a course root, built once on the trusted side
from the course folder. It is small and picklable, so it travels to grader
processes and, later, to other machines, which then need nothing else of the
course and no shared filesystem.

`materialize` writes a bundle into a private folder laid out like a course
(`assignments/<name>/`, `reference/<name>/`, `.autograder-secret`), so that
the code that grades from a course folder grades from it unchanged, and
seeds come out the same (a test's seed depends on its path relative to the
assignment folder, which the layout keeps). A bundle may arrive over a
network, so its names are checked before anything is written: each must be
a plain relative path inside the two folders of its assignment, or the
secret.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import ModuleType

from autograder.config import CONFIG_NAME, AssignmentConfig, Limits, find_course, load_config
from autograder.errors import GraderError, UsageError
from autograder.grading.grade import reference_path, suite_dirs
from autograder.grading.secret import SECRET_ENV, SECRET_FILE, course_secret
from autograder.grading.session import TestDir, import_as

SKIPPED_PARTS = ("__pycache__",)
SKIPPED_SUFFIXES = (".pyc", ".pyo")
SECRET_CHECK = b"autograder bundle: the course secret it was built with"


def _secret_check(secret: bytes) -> str:
    """A keyed value that tells whether two secrets are the same without carrying either."""
    return hmac.new(secret, SECRET_CHECK, hashlib.sha256).hexdigest()


def _tree(folder: Path, prefix: str) -> list[tuple[str, bytes]]:
    """Every file below `folder`, named `prefix/<relative path>`; compiled caches are left out."""
    files = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if not path.is_file() or set(relative.parts) & set(SKIPPED_PARTS) or path.suffix in SKIPPED_SUFFIXES:
            continue
        files.append((f"{prefix}/{relative.as_posix()}", path.read_bytes()))
    return files


@dataclass(frozen=True)
class AssignmentBundle:
    """The files of one assignment, as (relative path, bytes) pairs in path order.

    `limits` are the assignment's own (also in its config file), kept apart
    because the side that supervises grading needs its budgets without
    materializing anything. `secret_check` tells a grader whether the course
    secret it ends up with is the one the bundle was built with.
    """

    name: str
    files: tuple[tuple[str, bytes], ...]
    limits: Limits
    secret_check: str

    @classmethod
    def build(cls, config: AssignmentConfig, course: Path) -> AssignmentBundle:
        """Read the assignment `config` of `course`: its config, tests and released reference.

        The secret is the one grading would use (see `grade.run_seeds`): from
        $AUTOGRADER_SECRET if set, which then travels as the environment, not
        in the bundle; otherwise the course's secret file, which is carried.
        """
        reference = reference_path(course, config)
        if not reference.is_file():
            raise UsageError(f"{reference} is missing; run `autograder release {config.name}` first")
        home = f"assignments/{config.name}"
        files = [(f"{home}/{CONFIG_NAME}", (config.root / CONFIG_NAME).read_bytes())]
        files += _tree(config.root / "tests", f"{home}/tests")
        files.append((f"reference/{config.name}/{config.module_file}", reference.read_bytes()))
        secret_home = find_course(config.root)
        secret = course_secret(secret_home)
        if os.environ.get(SECRET_ENV) is None:
            files.append((SECRET_FILE, (secret_home / SECRET_FILE).read_bytes()))
        return cls(config.name, tuple(sorted(files)), config.limits, _secret_check(secret))

    @property
    def digest(self) -> str:
        """A hash of the name and every file: equal bundles grade alike, so a machine may keep one per digest."""
        digest = hashlib.sha256()
        for part in (self.name.encode(), *(p for name, data in self.files for p in (name.encode(), data))):
            digest.update(len(part).to_bytes(8, "big") + part)
        return digest.hexdigest()

    def materialize(self, folder: Path) -> tuple[AssignmentConfig, list[TestDir], ModuleType]:
        """Write the bundle into `folder` (made private: mode 0700, empty) and load the assignment from there:
        its config, its test folders (public and hidden), and its reference module."""
        targets = self._targets()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
        if any(folder.iterdir()):
            raise GraderError(f"{folder}: a bundle is written into an empty folder only")
        for target, data in zip(targets, (data for _, data in self.files)):
            _write_private(folder, target, data)
        config = load_config(folder / "assignments" / self.name)
        if config.name != self.name:
            raise GraderError(f"the bundle of {self.name} holds the config of {config.name}")
        if _secret_check(course_secret(folder)) != self.secret_check:
            raise GraderError(
                f"the course secret here is not the one the bundle of {self.name} was built with; "
                f"set {SECRET_ENV} as on the machine that built it"
            )
        return config, suite_dirs(config, include_hidden=True), _load_module(reference_path(folder, config), folder)

    def _targets(self) -> list[PurePosixPath]:
        """Each file's path in the folder, after checking that it stays in its place."""
        if not isinstance(self.name, str) or not _plain(self.name) or "/" in self.name:
            raise GraderError(f"a bundle's assignment name must be a plain folder name, got {self.name!r}")
        allowed = {PurePosixPath("assignments", self.name), PurePosixPath("reference", self.name)}
        targets: list[PurePosixPath] = []
        for name, data in self.files:
            path = PurePosixPath(name) if _plain(name) else PurePosixPath("..")
            inside = path == PurePosixPath(SECRET_FILE) or any(a in path.parents for a in allowed)
            if not (inside and isinstance(data, bytes)):
                raise GraderError(f"the bundle of {self.name!r} names a file outside its assignment: {name!r}")
            targets.append(path)
        seen = set(targets)
        if len(seen) != len(targets) or any(p in seen for t in targets for p in t.parents):
            raise GraderError(f"the bundle of {self.name!r} names a file twice, or as a file and a folder")
        return targets


def _plain(name: object) -> bool:
    """A relative path written one way only: no `.`, `..` or empty part, no backslash or NUL."""
    if not isinstance(name, str) or not name or "\\" in name or "\0" in name:
        return False
    path = PurePosixPath(name)
    return path.as_posix() == name and not path.is_absolute() and not {".", ".."} & set(name.split("/"))


def _write_private(folder: Path, target: PurePosixPath, data: bytes) -> None:
    """Create one file for its owner alone, never through a link and never over an existing file."""
    path = folder.joinpath(*target.parts)
    for parent in reversed(path.relative_to(folder).parents):
        (folder / parent).mkdir(mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(data)


def _load_module(path: Path, folder: Path) -> ModuleType:
    """Import the reference under a name of this folder's own, so that no module of the same
    assignment already imported in this process (from the course, or another bundle) stands in for it."""
    if not path.is_file():
        raise GraderError(f"the bundle holds no reference solution at {path.relative_to(folder)}")
    return import_as(f"_autograder_bundle_{hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]}_{path.stem}", path)
