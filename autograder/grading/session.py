"""Runs an assignment's pytest tests against one submission, in this process.

This is the trusted side: tests, reference and expected values live here,
and the student's code is reached only through the `submission` fixture.
A pytest plugin supplies the fixtures, reads each test's `graded` marker and
points, turns failures into student-facing messages (without expected values
for hidden tests), and gates exercises that use banned APIs.

Tests draw their random inputs from the `seed` or `rng` fixture: a hidden
test's seed depends on the course secret and the submission (see
`autograder.grading.secret`), so inputs it leaks are worth nothing later.
"""

from __future__ import annotations

import importlib.util
import io
import os
import sys
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Generator, Iterator

import pytest
import torch

from autograder import checks as check
from autograder.checks.devices import META
from autograder.checks.failure import CheckFailure
from autograder.checks.static import StaticReport, Violation
from autograder.config import CONFIG_NAME, AssignmentConfig, parse_points, parse_seconds
from autograder.errors import GraderError, UsageError
from autograder.grading.secret import Seeds
from autograder.results.model import Outcome, TestResult
from autograder.runner.errors import StudentException, SubmissionError, WorkerDied


@dataclass(frozen=True)
class TestDir:
    """A folder of test files, and whether its failures must hide expected values."""

    __test__ = False
    path: Path
    hidden: bool


def _forget_test_modules(before: set[str], dirs: list[TestDir]) -> None:
    """Drop the test modules a run imported (and the packages pytest made for them).

    pytest caches test modules in sys.modules under names relative to the
    rootdir, so without this a later run of another assignment's (or an
    edited) test file with the same relative path would reuse a stale module.
    """
    roots = [d.path.resolve() for d in dirs] + [d.path.resolve().parent for d in dirs if (d.path.parent / "conftest.py").is_file()]
    dropped: list[str] = []
    for name in set(sys.modules) - before:
        file = getattr(sys.modules[name], "__file__", None)
        if file and any(Path(file).resolve().is_relative_to(root) for root in roots):
            dropped.append(name)
    prefixes = {".".join(name.split(".")[:i]) for name in dropped for i in range(1, name.count(".") + 1)}
    for name in dropped + [p for p in prefixes if p not in before and p in sys.modules]:
        sys.modules.pop(name, None)


def load_reference(path: Path) -> ModuleType:
    """Import the reference solution under a private name, once per process."""
    name = f"_autograder_reference_{path.parent.name}_{path.stem}"
    return sys.modules[name] if name in sys.modules else import_as(name, path)


def import_as(name: str, path: Path) -> ModuleType:
    """Import the file at `path` as the module `name`, which no import of the same file by another name shares."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise UsageError(f"{path}: cannot import the reference solution")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _format_param(value: Any) -> str:
    if isinstance(value, torch.dtype):
        return str(value).removeprefix("torch.")
    if isinstance(value, tuple):
        return "(" + ", ".join(_format_param(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return str(value)


def failure_message(exc: BaseException, hidden: bool) -> str:
    """What the student reads when a test fails with `exc`."""
    if isinstance(exc, CheckFailure):
        return exc.render(reveal_expected=not hidden)
    if isinstance(exc, StudentException):
        return exc.brief if hidden else str(exc)
    if isinstance(exc, WorkerDied) and hidden:
        return HIDDEN_DEATH
    if isinstance(exc, SubmissionError):
        return str(exc)
    if isinstance(exc, AssertionError):
        first = str(exc).splitlines()[0] if str(exc) else "a check failed"
        return first if hidden else str(exc)
    error = type(exc).__name__ if hidden else f"{type(exc).__name__}: {exc}"
    return f"the test could not use what your code returned ({error}); check the return type and shape against the exercise's docstring"


HIDDEN_DEATH = "your code ended, crashed or killed the worker process running it (a hidden test shows no more than that)"


def gate_message(exercise: str, violations: tuple[Violation, ...]) -> str:
    uses = "\n".join(f"  - {v.describe()}" for v in violations)
    return (
        f"{exercise} was not graded, because of:\n{uses}\n"
        f"  hint: write {exercise} as a plain `def` that uses basic tensor operations, none of the banned "
        "functions, and creates tensors on the input's device (device=x.device or torch.*_like)"
    )


NO_GPU = "needs a GPU, and this grader has none: not checked here, so it counts for no points either way"


def _graded(item: pytest.Item) -> tuple[str, str] | None:
    """(exercise, title) from the test's @graded marker."""
    marker = item.get_closest_marker("graded")
    if marker is None:
        return None
    return str(marker.kwargs.get("exercise") or marker.args[0]), str(marker.kwargs.get("title") or marker.args[1])


def _marker_value(item: pytest.Item, key: str) -> Any:
    marker = item.get_closest_marker("graded")
    return None if marker is None else marker.kwargs.get(key)


def _function(item: pytest.Item) -> str:
    return str(getattr(item, "originalname", item.name))


def seed_key(item: pytest.Item, root: Path) -> str:
    """What a test's seed is derived from: its file relative to the assignment folder, then its
    name with its parameters, e.g. `tests/public/test_softmax.py::test_rows[shape0]`.

    The same on the grader and in a student's copy of the public tests, wherever either lives.
    """
    path = Path(str(item.path)).resolve()
    where = path.relative_to(root.resolve()).as_posix() if path.is_relative_to(root.resolve()) else path.name
    return f"{where}::{item.nodeid.split('::', 1)[-1]}"


@contextmanager
def _time_limit(submission: Any, seconds: float | None) -> Iterator[None]:
    """Every call of student code within the block gets `seconds` (the test's own limit), if set."""
    limit = getattr(type(submission), "time_limit", None)
    if seconds is None or not callable(limit):
        yield
        return
    with limit(submission, seconds):
        yield


class GradingPlugin:
    """The pytest plugin that connects tests to one submission."""

    def __init__(
        self,
        config: AssignmentConfig,
        submission: Any,
        reference: ModuleType | None,
        dirs: list[TestDir],
        static: StaticReport | None,
        device: torch.device,
        seeds: Seeds | None = None,
    ) -> None:
        self.config = config
        self._submission = submission
        self._reference = reference
        self._device = device
        self._seeds = seeds or Seeds()
        self.dirs = dirs
        self.static = static
        self._recorded: list[tuple[int, TestResult]] = []
        self.problems: list[str] = []
        self.collected = 0
        self.functions: set[str] = set()
        self._order: dict[str, int] = {}
        self._comparisons: dict[str, int] = {}

    @property
    def results(self) -> list[TestResult]:
        """One result per test, in the order the tests were collected."""
        return [result for _, result in sorted(self._recorded, key=lambda pair: pair[0])]

    @pytest.fixture
    def submission(self) -> Any:
        return self._submission

    @pytest.fixture
    def reference(self) -> ModuleType:
        if self._reference is None:
            pytest.fail("this test needs the reference solution, which only exists while grading")
        return self._reference

    @pytest.fixture
    def device(self) -> torch.device:
        """The second device of device tests: the current GPU, or meta where there is none."""
        return self._device

    @pytest.fixture
    def gpu(self) -> torch.device:
        """The current GPU, for tests that need values on it; they are skipped where there is none."""
        return self._device

    @pytest.fixture
    def seed(self, request: pytest.FixtureRequest) -> int:
        """The seed of this test's random inputs: for a hidden test, a function of the course secret,
        the submission and the test; for a public test, of the test alone (see `seed_key`)."""
        return self._seeds.seed(seed_key(request.node, self.config.root), self._hidden(request.node))

    @pytest.fixture
    def rng(self, seed: int) -> torch.Generator:
        """A CPU generator seeded with `seed`, fresh for each test: draw with torch.randn(..., generator=rng)."""
        return torch.Generator().manual_seed(seed)

    def _hidden(self, item: pytest.Item) -> bool:
        path = Path(str(item.path)).resolve()
        return any(d.hidden and path.is_relative_to(d.path.resolve()) for d in self.dirs)

    def _describe(self, item: pytest.Item) -> tuple[str, str, float]:
        graded = _graded(item)
        if graded is None:
            self.problems.append(f"{item.nodeid}: test has no @graded(exercise, title) marker")
            return "", "", 0.0
        exercise, title = graded
        if exercise not in self.config.exercise_names:
            self.problems.append(f"{item.nodeid}: unknown exercise `{exercise}`")
        params = getattr(getattr(item, "callspec", None), "params", {})
        try:
            title = title.format(**{k: _format_param(v) for k, v in params.items()})
        except (KeyError, IndexError) as exc:
            self.problems.append(f"{item.nodeid}: title refers to unknown parameter {exc}")
        return exercise, title, self._points(item)

    def _points(self, item: pytest.Item) -> float:
        """A test's points, declared once: in its marker or under [points], never both or neither."""
        function = _function(item)
        declared = _marker_value(item, "points")
        where = f"{item.nodeid}: "
        if declared is None:
            try:
                return self.config.points_for(function)
            except UsageError as exc:
                self.problems.append(f"{where}{exc}, or declare them in the test's marker: @graded(..., points=1)")
                return 0.0
        if function in self.config.points:
            self.problems.append(
                f"{where}points are declared both in @graded(..., points={declared!r}) and under [points] in "
                f"{self.config.root / CONFIG_NAME}; keep one of the two"
            )
        try:
            return parse_points(declared, f"{where}@graded(..., points={declared!r})")
        except UsageError as exc:
            self.problems.append(str(exc))
            return 0.0

    def _record(self, item: pytest.Item, outcome: Outcome, output: str) -> None:
        exercise, title, points = self._describe(item)
        hidden = self._hidden(item)
        if outcome is Outcome.SKIPPED:
            points = 0.0
        elif outcome is Outcome.PASSED and points and not self._comparisons.get(item.nodeid):
            self.problems.append(
                f"{item.nodeid} gave points without comparing a value (check.close or check.on_device): "
                "a dtype, device, shape or type check alone also passes wrong answers"
            )
        result = TestResult(
            exercise=exercise,
            title=title,
            score=points if outcome is Outcome.PASSED else 0.0,
            max_score=points,
            outcome=outcome,
            output=output,
            hidden=hidden,
            visibility=self.config.hidden_visibility if hidden else "visible",
        )
        self._recorded.append((self._order.get(item.nodeid, len(self._order)), result))

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        """Skip what this machine cannot check, then fail what the static check gated.

        In that order, so that a test worth nothing here is worth nothing for
        every student, gated or not, and every total has the same maximum.
        """
        self.collected = len(items)
        self.functions = {_function(item) for item in items}
        self._order = {item.nodeid: index for index, item in enumerate(items)}
        gated = self.static.gating if self.static else {}
        keep: list[pytest.Item] = []
        for item in items:
            exercise = (_graded(item) or ("", ""))[0]
            if "gpu" in getattr(item, "fixturenames", ()) and self._device.type == "meta":
                self._record(item, Outcome.SKIPPED, NO_GPU)
            elif exercise in gated:
                self._record(item, Outcome.FAILED, gate_message(exercise, gated[exercise]))
            else:
                keep.append(item)
        items[:] = keep

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.problems.append(f"cannot collect {report.nodeid}:\n{report.longreprtext}")

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """From the first hidden test on, what the student's code prints is not kept:
        it could print the hidden inputs into the report."""
        mute = getattr(type(self._submission), "mute_output", None)
        if self._hidden(item) and callable(mute):
            mute(self._submission)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        with check.count_comparisons() as counter, _time_limit(self._submission, self._timeout(item)):
            try:
                return (yield)
            finally:
                self._comparisons[item.nodeid] = counter.count

    def _timeout(self, item: pytest.Item) -> float | None:
        seconds = _marker_value(item, "timeout")
        if seconds is None:
            return None
        try:
            return float(parse_seconds(seconds, f"{item.nodeid}: @graded(..., timeout={seconds!r})"))
        except UsageError as exc:
            self.problems.append(str(exc))
            return None

    def unused_points(self) -> list[str]:
        """[points] keys that name no collected test: a typo there would silently change nothing."""
        return [
            f"{self.config.root / CONFIG_NAME}: [points] `{name}` names no test; remove it or fix its spelling"
            for name in sorted(set(self.config.points) - self.functions)
        ]

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if report.skipped and report.when in ("setup", "call"):
            reason = call.excinfo.value.msg if call.excinfo and hasattr(call.excinfo.value, "msg") else "skipped"
            self._record(item, Outcome.SKIPPED, str(reason))
        elif report.when == "call" or (report.when == "setup" and report.failed):
            if report.passed:
                self._record(item, Outcome.PASSED, "")
            else:
                exc = call.excinfo.value if call.excinfo else AssertionError("failed")
                if isinstance(exc, UsageError):
                    self.problems.append(f"{item.nodeid}: {exc}")
                self._record(item, Outcome.FAILED, failure_message(exc, self._hidden(item)))
        return report


PYTEST_ARGS = (  # the plugins left out cost time on every submission (a full garbage collection, log capture, hooks) and no test needs them
    "-q",
    "--no-header",
    "-p", "no:cacheprovider",
    "-p", "no:randomly",
    "-p", "no:unraisableexception",
    "-p", "no:threadexception",
    "-p", "no:logging",
    "-p", "no:doctest",
    "-p", "no:junitxml",
    "-p", "no:pastebin",
    "-p", "no:stepwise",
    "-p", "no:setuponly",
    "-p", "no:setupplan",
    "-p", "no:debugging",
    "-p", "no:faulthandler",
    "-p", "no:legacypath",
    "-p", "no:recwarn",
    "--import-mode=importlib",
    "-c", os.devnull,
    "-W", "ignore::pytest.PytestAssertRewriteWarning",
    "-o", "markers=graded",
)
BROKEN_RUNS = {
    pytest.ExitCode.INTERRUPTED: "was interrupted",
    pytest.ExitCode.INTERNAL_ERROR: "hit an internal error",
    pytest.ExitCode.USAGE_ERROR: "was started wrongly",
}


def run_tests(
    config: AssignmentConfig,
    submission: Any,
    dirs: list[TestDir],
    reference: ModuleType | None = None,
    static: StaticReport | None = None,
    only: list[str] | None = None,
    device: torch.device | None = None,
    seeds: Seeds | None = None,
) -> list[TestResult]:
    """Run the tests in `dirs` (or just the node ids in `only`) and return one result per test case.

    `seeds` seeds the `seed` and `rng` fixtures; without one, only public
    tests may use them.

    A run that pytest could not finish is an error, never a shorter list of
    results: a test that never ran must not vanish from a student's total.
    """
    plugin = GradingPlugin(config, submission, reference, dirs, static, device or _second_device(submission), seeds)
    args = [*(only if only else [str(d.path) for d in dirs]), *PYTEST_ARGS, "--rootdir", str(config.root), "--confcutdir", str(config.root)]
    before = set(sys.modules)
    log = io.StringIO()
    try:
        with redirect_stdout(log):
            code = pytest.main(args, plugins=[plugin])
    finally:
        _forget_test_modules(before, dirs)
    names = [r.name for r in plugin.results]
    if only is None and _every_test_dir(config, dirs):
        plugin.problems += plugin.unused_points()
    plugin.problems += [f"two tests are named `{n}`; give them different titles" for n in sorted(set(names)) if names.count(n) > 1]
    if plugin.problems:
        raise UsageError(f"the tests of {config.name} have problems:\n" + "\n".join(plugin.problems))
    if code in BROKEN_RUNS:
        raise GraderError(f"the test session of {config.name} {BROKEN_RUNS[pytest.ExitCode(code)]}:\n{_tail(log.getvalue())}")
    if len(plugin.results) != plugin.collected:
        raise GraderError(
            f"the test session of {config.name} recorded {len(plugin.results)} results for {plugin.collected} tests:\n{_tail(log.getvalue())}"
        )
    return plugin.results


def _second_device(submission: Any) -> torch.device:
    """The GPU where the student's code runs, if it has one (the worker decides), else meta."""
    ask = getattr(type(submission), "gpu", None)
    gpu = ask(submission) if callable(ask) else None
    return gpu if isinstance(gpu, torch.device) else META


def _every_test_dir(config: AssignmentConfig, dirs: list[TestDir]) -> bool:
    ran = {d.path.resolve() for d in dirs}
    return all(folder.resolve() in ran for folder in (config.public_tests, config.hidden_tests) if folder.is_dir())


def _tail(text: str, lines: int = 20) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
