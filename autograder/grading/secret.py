"""The course secret, and the seeds of test inputs derived from it.

A hidden test draws its random inputs from a seed that only the grader can
compute: a keyed hash of the course secret, the submitted code and the
test's id. The same submission gets the same inputs, so the same grade,
every time; any other submission, even one byte different, gets other
inputs, so whatever a submission learns of its hidden inputs is worth
nothing to the next one.

Public tests are released and run on students' machines, which have no
secret: a public test's seed is a hash of its id alone, the same everywhere.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import string
from dataclasses import dataclass, field
from pathlib import Path

from autograder.errors import UsageError
from autograder.intake.source import SubmissionSource

SECRET_ENV = "AUTOGRADER_SECRET"
SECRET_FILE = ".autograder-secret"
SECRET_BYTES = 32
MIN_ENV_CHARS = 16
SEED_BITS = 63
"""Seeds are non-negative and fit an int64: torch.Generator, random.Random and numpy's default_rng all take them."""

PUBLIC_PREFIX = b"autograder public test\n"
PREFLIGHT_DIGEST = hashlib.sha256(b"autograder preflight: the reference solution").hexdigest()
"""The digest the reference is graded under before any student: fixed, so every preflight draws the same inputs."""
REJECTED_DIGEST = hashlib.sha256(b"autograder: a submission that could not be read").hexdigest()
"""The digest of a submission that could not be read: its tests fail before any input reaches it."""


def course_secret(course: Path) -> bytes:
    """The secret from $AUTOGRADER_SECRET, else from `.autograder-secret` in `course`, made on first use."""
    value = os.environ.get(SECRET_ENV)
    if value is not None:
        if len(value.strip()) < MIN_ENV_CHARS:
            raise UsageError(
                f"{SECRET_ENV} is set but shorter than {MIN_ENV_CHARS} characters; set it to a long random "
                f"string (python -c 'import os; print(os.urandom(32).hex())'), or unset it to use {course / SECRET_FILE}"
            )
        return value.strip().encode()
    path = course / SECRET_FILE
    if not path.exists() and not path.is_symlink():
        _create(path)
    return _read(path)


def _create(path: Path) -> None:
    """Write a new random secret, readable by its owner only, in one step: a grader that reads
    it at the same time sees it whole or not at all, and of two graders that make it at once,
    the first to link it wins and the other reads that one."""
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as file:
            os.fchmod(file.fileno(), 0o600)
            file.write(os.urandom(SECRET_BYTES).hex() + "\n")
        try:
            os.link(partial, path)
        except FileExistsError:
            pass
    except OSError as exc:
        raise UsageError(
            f"cannot create the course secret {path} ({exc.strerror or exc}); make the course folder writable, "
            f"or set {SECRET_ENV} to a long random string"
        ) from None
    finally:
        partial.unlink(missing_ok=True)


def _read(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not plain text"
        raise UsageError(f"cannot read the course secret {path} ({reason}); fix its permissions, or set {SECRET_ENV}") from None
    if len(text) != 2 * SECRET_BYTES or any(c not in string.hexdigits for c in text):
        raise UsageError(
            f"{path} is not a course secret ({2 * SECRET_BYTES} hex digits); restore it from your backup, or delete it "
            "to make a new one (hidden inputs, and so grades of imperfect work, will then change)"
        )
    return bytes.fromhex(text)


def submission_digest(source: SubmissionSource) -> str:
    """A hash of the submitted code: every chunk and every module of the student's own, with their names.

    Who submitted it and where it came from are left out: the same code gets
    the same inputs, and so the same grade, whoever submits it and however.
    Each part is length-prefixed, so that no two submissions hash alike by
    moving text from one part to the next.
    """
    parts: list[str] = [source.kind]
    for chunk in source.chunks:
        parts += ["chunk", chunk.label, chunk.filename, chunk.source, *chunk.clears]
    for module in source.modules:
        parts += ["module", module.name, module.filename, module.source, "package" if module.package else "file"]
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def _seed(data: bytes) -> int:
    return int.from_bytes(data[:8], "big") >> (64 - SEED_BITS)


def public_seed(test_id: str) -> int:
    """A public test's seed: the first 63 bits of sha256(b"autograder public test\\n" + test id)."""
    return _seed(hashlib.sha256(PUBLIC_PREFIX + test_id.encode()).digest())


def hidden_seed(secret: bytes, digest: str, test_id: str) -> int:
    """A hidden test's seed: the first 63 bits of HMAC-SHA256(secret, digest + newline + test id)."""
    return _seed(hmac.new(secret, f"{digest}\n{test_id}".encode(), hashlib.sha256).digest())


@dataclass(frozen=True)
class Seeds:
    """How one run of the tests seeds them: public tests by their id, hidden ones by the secret and the submission too.

    Without a secret and a digest, a hidden test that asks for a seed is the
    instructor's error, never a fixed seed that a student could learn.
    """

    secret: bytes | None = field(default=None, repr=False)
    digest: str | None = None

    def seed(self, test_id: str, hidden: bool) -> int:
        if not hidden:
            return public_seed(test_id)
        if self.secret is None or self.digest is None:
            raise UsageError("a hidden test asks for a seed, but this run has no course secret and submission digest to derive it from")
        return hidden_seed(self.secret, self.digest, test_id)
