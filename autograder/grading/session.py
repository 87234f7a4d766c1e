"""Runs an assignment's pytest tests against one submission, in this process.

This is the trusted side: tests, reference and expected values live here,
and the student's code is reached only through the `submission` fixture.
A pytest plugin supplies the fixtures, reads each test's `graded` marker and
points, turns failures into student-facing messages (without expected values
for hidden tests), and gates exercises that use banned APIs.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Generator

import pytest
import torch

from autograder.checks.failure import CheckFailure
from autograder.checks.static import StaticReport, Violation
from autograder.config import AssignmentConfig
from autograder.errors import UsageError
from autograder.results.model import TestResult
from autograder.runner.errors import SubmissionError


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
    roots = [d.path.resolve() for d in dirs]
    dropped: list[str] = []
    for name in set(sys.modules) - before:
        file = getattr(sys.modules[name], "__file__", None)
        if file and any(Path(file).resolve().is_relative_to(root) for root in roots):
            dropped.append(name)
    prefixes = {".".join(name.split(".")[:i]) for name in dropped for i in range(1, name.count(".") + 1)}
    for name in dropped + [p for p in prefixes if p not in before and p in sys.modules]:
        sys.modules.pop(name, None)


def load_reference(path: Path) -> ModuleType:
    """Import the reference solution under a private name."""
    name = f"_autograder_reference_{path.parent.name}_{path.stem}"
    if name in sys.modules:
        return sys.modules[name]
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
    if isinstance(exc, SubmissionError):
        return str(exc)
    if isinstance(exc, AssertionError):
        first = str(exc).splitlines()[0] if str(exc) else "a check failed"
        return first if hidden else str(exc)
    return (
        f"the test could not use what your code returned ({type(exc).__name__}: {exc}); "
        "check the return type and shape against the exercise's docstring"
    )


def gate_message(exercise: str, violations: tuple[Violation, ...]) -> str:
    uses = "\n".join(f"  - {v.describe()}" for v in violations)
    return (
        f"{exercise} was not graded, because of:\n{uses}\n"
        f"  hint: write {exercise} as a plain `def` that uses basic tensor operations, none of the banned "
        "functions, and creates tensors on the input's device (device=x.device or torch.*_like)"
    )


def _graded(item: pytest.Item) -> tuple[str, str] | None:
    """(exercise, title) from the test's @graded marker."""
    marker = item.get_closest_marker("graded")
    if marker is None:
        return None
    return str(marker.kwargs.get("exercise") or marker.args[0]), str(marker.kwargs.get("title") or marker.args[1])


class GradingPlugin:
    """The pytest plugin that connects tests to one submission."""

    def __init__(
        self,
        config: AssignmentConfig,
        submission: Any,
        reference: ModuleType | None,
        dirs: list[TestDir],
        static: StaticReport | None,
    ) -> None:
        self.config = config
        self._submission = submission
        self._reference = reference
        self.dirs = dirs
        self.static = static
        self.results: list[TestResult] = []
        self.problems: list[str] = []

    @pytest.fixture
    def submission(self) -> Any:
        return self._submission

    @pytest.fixture
    def reference(self) -> ModuleType:
        if self._reference is None:
            pytest.fail("this test needs the reference solution, which only exists while grading")
        return self._reference

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
        function = getattr(item, "originalname", item.name)
        try:
            points = self.config.points_for(function)
        except UsageError as exc:
            self.problems.append(str(exc))
            points = 0.0
        return exercise, title, points

    def _record(self, item: pytest.Item, passed: bool, output: str, counts: bool = True) -> None:
        exercise, title, points = self._describe(item)
        points = points if counts else 0.0
        hidden = self._hidden(item)
        self.results.append(
            TestResult(
                exercise=exercise,
                title=title,
                score=points if passed else 0.0,
                max_score=points,
                passed=passed,
                output=output,
                hidden=hidden,
                visibility=self.config.hidden_visibility if hidden else "visible",
            )
        )

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        gated = self.static.gating if self.static else {}
        keep: list[pytest.Item] = []
        for item in items:
            exercise = (_graded(item) or ("", ""))[0]
            if exercise in gated:
                self._record(item, False, gate_message(exercise, gated[exercise]))
            else:
                keep.append(item)
        items[:] = keep

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.problems.append(f"cannot collect {report.nodeid}:\n{report.longreprtext}")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if report.skipped and report.when in ("setup", "call"):
            reason = call.excinfo.value.msg if call.excinfo and hasattr(call.excinfo.value, "msg") else "skipped"
            self._record(item, True, f"skipped, for no points: {reason}", counts=False)
        elif report.when == "call" or (report.when == "setup" and report.failed):
            if report.passed:
                self._record(item, True, "")
            else:
                exc = call.excinfo.value if call.excinfo else AssertionError("failed")
                self._record(item, False, failure_message(exc, self._hidden(item)))
        return report


def run_tests(
    config: AssignmentConfig,
    submission: Any,
    dirs: list[TestDir],
    reference: ModuleType | None = None,
    static: StaticReport | None = None,
    only: list[str] | None = None,
) -> list[TestResult]:
    """Run the tests in `dirs` (or just the node ids in `only`) and return one result per test case."""
    plugin = GradingPlugin(config, submission, reference, dirs, static)
    args = [
        *(only if only else [str(d.path) for d in dirs]),
        "-q",
        "--no-header",
        "-p", "no:cacheprovider",
        "-p", "no:randomly",
        "--import-mode=importlib",
        "-c", os.devnull,
        "--rootdir", str(config.root),
        "-W", "ignore::pytest.PytestAssertRewriteWarning",
        "-o", "markers=graded",
    ]
    before = set(sys.modules)
    try:
        with open(os.devnull, "w") as devnull, redirect_stdout(devnull):
            pytest.main(args, plugins=[plugin])
    finally:
        _forget_test_modules(before, dirs)
    names = [r.name for r in plugin.results]
    plugin.problems += [f"two tests are named `{n}`; give them different titles" for n in sorted(set(names)) if names.count(n) > 1]
    if plugin.problems:
        raise UsageError(f"the tests of {config.name} have problems:\n" + "\n".join(plugin.problems))
    return plugin.results

