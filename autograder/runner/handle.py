"""The trusted side's handle on a submission running in a worker process.

`submission.softmax(x)` sends the call to the worker and returns plain data.
A call that hangs is stopped at its time limit, a worker that dies is
replaced by a fresh one for the next call, and every such event becomes a
SubmissionError whose message the student can act on.
"""

from __future__ import annotations

import functools
import io
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, NoReturn, cast

import torch

from autograder.checks.devices import canonical
from autograder.config import Limits
from autograder.errors import GraderError
from autograder.intake.definitions import definitions_only
from autograder.intake.source import SubmissionSource
from autograder.runner import replies
from autograder.runner.launchers import Launcher, WorkerProcess, choose_launcher
from autograder_worker import codec, frames
from autograder.runner.errors import (
    BadResult,
    CallTimeout,
    MissingName,
    StudentException,
    SubmissionError,
    WorkerDied,
    WorkerStartFailed,
)

MAX_FRAME_BYTES = 512 * 1024 * 1024
STARTUP_TIMEOUT_S = 180.0
MAX_RELOADS = 2
DEATH_WAIT_S = 10.0


class OutputTail:
    """Keeps the last `limit` bytes a worker printed, draining its pipe in a thread.

    Past `cap` bytes in all it stops reading and closes the pipe: a worker
    that prints gigabytes costs the grader no more than that, and its next
    write fails (BrokenPipeError) instead of blocking.
    """

    def __init__(self, stream: io.BufferedReader, limit: int, cap: int) -> None:
        self._limit = limit
        self._cap = cap
        self._data = bytearray()
        self.total = 0
        self.muted = False
        self.dropped = 0
        self.flooded = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._drain, args=(stream,), daemon=True)
        self._thread.start()

    def _drain(self, stream: io.BufferedReader) -> None:
        for chunk in iter(lambda: stream.read1(65536), b""):
            if self.total + self.dropped + len(chunk) > self._cap:
                self.flooded = True
                stream.close()
                return
            with self._lock:
                if self.muted:
                    self.dropped += len(chunk)
                    continue
                self.total += len(chunk)
                self._data += chunk
                if len(self._data) > self._limit:
                    del self._data[: len(self._data) - self._limit]

    def mute(self) -> None:
        """Keep nothing more: what follows may copy hidden inputs into the report."""
        with self._lock:
            self.muted = True

    def wait(self, timeout: float) -> None:
        self._thread.join(timeout)

    def text(self) -> str:
        with self._lock:
            shown = self._data.decode("utf-8", errors="replace")
            cut = self.total - len(self._data)
        flood = f"\n[your code printed more than {self._cap} bytes; the rest was not read, and printing more raised BrokenPipeError]" if self.flooded else ""
        return (f"[{cut} earlier bytes not kept]\n" if cut else "") + shown + flood


@dataclass(frozen=True)
class LoadError:
    """An error while the submission's code was loading (a module, or one notebook cell)."""

    label: str
    type_name: str
    message: str
    where: str

    def describe(self) -> str:
        place = f" ({self.where})" if self.where else ""
        return f"{self.label}: {self.type_name}: {self.message}{place}"


@dataclass(frozen=True)
class LoadReport:
    """What went wrong while the worker loaded the submission."""

    errors: tuple[LoadError, ...]


@dataclass
class _Worker:
    process: WorkerProcess
    output: OutputTail
    generation: int
    callbacks: "Callbacks" = field(default_factory=lambda: Callbacks())
    stopped: bool = False

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        self.process.kill()
        self.process.wait()
        self.output.wait(timeout=2.0)
        self.process.close()

    def death_message(self) -> str:
        code = self.process.wait(DEATH_WAIT_S)
        if code is None:
            return "the worker running your code stopped answering"
        if code < 0:
            name = signal.Signals(-code).name
            return f"the worker running your code was killed by {name}" + (
                " (a crash inside native code, e.g. a segmentation fault)" if name == "SIGSEGV" else ""
            )
        return f"your code ended the worker process (exit status {code}), e.g. with os._exit() or os.kill()"


@dataclass
class RemoteSubmission:
    """A submission loaded in a worker; attribute access gives remote callables."""

    source: SubmissionSource
    module: str
    limits: Limits
    exercises: tuple[str, ...] = ()
    _worker: _Worker | None = None
    _load_failure: SubmissionError | None = None
    _active: SubmissionSource | None = None
    _failures: dict[str, int] = field(default_factory=dict)
    _report: LoadReport | None = None
    _generation: int = 0
    _events: list[str] = field(default_factory=list)
    _retired: list[_Worker] = field(default_factory=list)
    _reloads: int = 0
    _muted: bool = False
    _dispatched: dict[str, set[str]] = field(default_factory=dict)
    _call_timeout: float | None = None
    _cuda: int = 0
    launcher: Launcher | None = None
    _isolation: str = ""

    @property
    def isolation(self) -> str:
        """The isolation level the worker reported it runs under; starts one to find out."""
        if not self._isolation:
            try:
                self._ensure_worker()
            except SubmissionError:
                return "none (the worker did not start)"
        return self._isolation

    @property
    def events(self) -> tuple[str, ...]:
        """Crashes, timeouts and restarts seen so far, for the report."""
        return tuple(self._events)

    @property
    def dispatched(self) -> dict[str, frozenset[str]]:
        """The aten operations the worker says each of the submission's functions dispatched."""
        return {name: frozenset(ops) for name, ops in self._dispatched.items()}

    @property
    def hidden_output_bytes(self) -> int:
        """How much the student's code printed after output stopped being kept."""
        return sum(w.output.dropped for w in self._every_worker())

    def _every_worker(self) -> list[_Worker]:
        return self._retired + ([self._worker] if self._worker else [])

    def mute_output(self) -> None:
        """Stop keeping what the student's code prints, from now on (hidden tests start)."""
        self._muted = True
        if self._worker is not None:
            self._worker.output.mute()

    def load_report(self) -> LoadReport:
        """What went wrong while loading; the first load's report, so reading it never starts a worker again."""
        if self._report is None:
            self._ensure_worker()
        assert self._report is not None
        return self._report

    def output(self) -> str:
        """What the student's code printed, across every worker it ran in."""
        return "".join(w.output.text() for w in self._every_worker())

    def close(self) -> None:
        if self._worker is not None:
            self._retire(self._worker)

    def _retire(self, worker: _Worker) -> None:
        worker.stop()
        self._retired.append(worker)
        self._worker = None

    def __getattr__(self, name: str) -> "RemoteCallable":
        if name.startswith("_"):
            raise AttributeError(name)
        return RemoteCallable(self, {"op": "call", "name": name}, f"{name}()", name)

    @contextmanager
    def time_limit(self, seconds: float) -> Iterator[None]:
        """Give each call of student code inside the block `seconds` instead of the assignment's limit."""
        before, self._call_timeout = self._call_timeout, seconds
        try:
            yield
        finally:
            self._call_timeout = before

    def gpu(self) -> torch.device | None:
        """The GPU that device tests use: one the worker sees, and this process too, since tensors cross.

        Asked of the worker, because a sandbox may hide the GPU from it; a
        worker that cannot start has none.
        """
        try:
            self._ensure_worker()
        except SubmissionError:
            return None
        if self._cuda > 0 and torch.cuda.is_available():
            return canonical("cuda")
        return None

    def known_model(self, layers: list[list[Any]], state_dict: dict[str, torch.Tensor] | None) -> "RemoteObject":
        """A model built in the worker from torch's own layers (see `autograder_worker.layers`)."""
        model = self.call({"op": "build", "layers": layers}, (state_dict,), {}, "the test's model", "")
        if not isinstance(model, RemoteObject):
            raise BadResult("the worker did not build the test's model")
        return model

    def __enter__(self) -> "RemoteSubmission":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> _Worker:
        launcher = self.launcher or default_launcher()
        try:
            process = launcher.start(self.limits)
        except (OSError, GraderError) as exc:
            raise WorkerStartFailed(
                f"the grader could not start a worker process for your code ({exc}); "
                "this is not a problem with your code: ask your instructor"
            ) from None
        self._generation += 1
        worker = _Worker(process, OutputTail(process.output, self.limits.output_limit_bytes, self.limits.output_cap_bytes), self._generation)
        if self._muted:
            worker.output.mute()
        self._await_start(worker, launcher)
        return worker

    def _await_start(self, worker: _Worker, launcher: Launcher) -> None:
        """Wait for the worker to say it has started, before any limit on student code runs.

        Starting an interpreter and importing torch takes seconds on a loaded
        machine; that is the grader's cost, so it has its own generous limit
        and never counts toward the student's load or call time limits.
        """
        try:
            started = codec.unpack(frames.read_frame(worker.process.replies, time.monotonic() + STARTUP_TIMEOUT_S, MAX_FRAME_BYTES))[0]
        except (frames.FrameTimeout, frames.FrameClosed, frames.FrameTooLarge, ValueError) as exc:
            worker.stop()
            last = worker.output.text().strip().splitlines()[-1:] or [type(exc).__name__]
            raise WorkerStartFailed(
                f"the grader could not start a worker process for your code ({last[0]}); "
                "this is not a problem with your code: ask your instructor"
            ) from None
        cuda = started.get("cuda")
        self._cuda = cuda if type(cuda) is int and cuda >= 0 else 0
        self._isolation = launcher.isolation(started)

    def _ensure_worker(self) -> _Worker:
        """The running worker, or a new one with the submission loaded.

        If the submission's top-level code hangs or kills its process while
        loading, it is loaded again with only its imports and definitions,
        since the tests need the functions, not the script around them.
        """
        if self._worker is not None:
            return self._worker
        if self._load_failure is not None:
            raise type(self._load_failure)(f"not run: {self._load_failure}")
        if self._active is not None:
            return self._reload(self._active)
        try:
            worker = self._load(self.source)
            self._active = self.source
            return worker
        except WorkerStartFailed as failure:
            self._load_failure = failure
            raise
        except (CallTimeout, WorkerDied) as failure:
            trimmed = definitions_only(self.source)
            try:
                worker = self._load(trimmed)
            except (CallTimeout, WorkerDied):
                self._load_failure = failure
                raise failure from None
            self._events.append(f"{failure}; so only your imports and definitions were loaded, without the rest of the top-level code")
            self._active = trimmed
            return worker

    def _reload(self, source: SubmissionSource) -> _Worker:
        """Load the submission again after its worker died; a few failures and it is not tried again,
        since every reload costs up to the load time limit."""
        try:
            return self._load(source)
        except (CallTimeout, WorkerDied) as failure:
            self._reloads += 1
            if self._reloads >= MAX_RELOADS:
                self._load_failure = type(failure)(f"{failure}; it was loaded {self._reloads + 1} times, so it is not loaded again")
            raise

    def _load(self, source: SubmissionSource) -> _Worker:
        worker = self._start()
        self._worker = worker
        try:
            header, _ = self._exchange(worker, source.load_request(self.module), [], self.limits.load_timeout_s, "load")
        except CallTimeout:
            raise CallTimeout(
                f"your code did not finish loading within {self.limits.load_timeout_s:g} s; "
                "move long-running top-level code (training loops, downloads) out of the file or notebook"
            ) from None
        except WorkerDied as exc:
            raise WorkerDied(f"while loading your code, {exc}") from None
        if self._report is None:
            self._report = LoadReport(tuple(LoadError(e.label, e.types[0], e.message, e.where) for e in replies.load_errors(header)))
        return worker

    def _fail(self, worker: _Worker, event: str) -> None:
        self._retire(worker)
        self._events.append(event)

    def _exchange(
        self,
        worker: _Worker,
        header: dict[str, Any],
        tensors: list[torch.Tensor],
        timeout: float,
        what: str,
    ) -> tuple[dict[str, Any], list[torch.Tensor]]:
        """Send one request and return its reply, answering the callbacks the worker makes meanwhile."""
        deadline = time.monotonic() + timeout
        self._send(worker, header, tensors, deadline, timeout, what)
        while True:
            reply, tensors_back = self._receive(worker, deadline, timeout, what)
            if reply.get("status") != "callback":
                return reply, tensors_back
            try:
                answer, tensors_out = worker.callbacks.answer(reply, tensors_back, self._handle_in(worker, ""), self._handle_out(worker))
            except BadResult:
                self._fail(worker, f"{what} sent an unreadable request")
                raise
            self._send(worker, answer, tensors_out, deadline, timeout, what)

    def _send(self, worker: _Worker, header: dict[str, Any], tensors: list[torch.Tensor], deadline: float, timeout: float, what: str) -> None:
        try:
            frames.write_frame(worker.process.requests, codec.pack(header, tensors), deadline)
        except frames.FrameTimeout:
            self._timed_out(worker, timeout, what)
        except frames.FrameClosed:
            self._died(worker, what)

    def _timed_out(self, worker: _Worker, timeout: float, what: str) -> NoReturn:
        self._fail(worker, f"{what} timed out")
        raise CallTimeout(
            f"{what} did not finish within {timeout:g} s and was stopped; look for an infinite loop or "
            "work that grows much faster than the input"
        ) from None

    def _died(self, worker: _Worker, what: str) -> NoReturn:
        message = worker.death_message()
        self._fail(worker, f"{what}: {message}")
        raise WorkerDied(message) from None

    def _receive(self, worker: _Worker, deadline: float, timeout: float, what: str) -> tuple[dict[str, Any], list[torch.Tensor]]:
        try:
            reply = frames.read_frame(worker.process.replies, deadline, MAX_FRAME_BYTES)
        except frames.FrameTimeout:
            self._timed_out(worker, timeout, what)
        except frames.FrameClosed:
            self._died(worker, what)
        except frames.FrameTooLarge as exc:
            self._fail(worker, f"{what} returned too much data")
            raise BadResult(f"{what} returned more data than allowed ({exc})") from None
        try:
            return codec.unpack(reply)
        except Exception as exc:  # noqa: BLE001  (whatever the worker sent, it is only data)
            self._fail(worker, f"{what} sent an unreadable reply")
            raise BadResult(f"{what} returned something the grader cannot read ({type(exc).__name__})") from None

    def call(
        self, request: dict[str, Any], args: tuple[Any, ...], kwargs: dict[str, Any], what: str, owner: str, label: str | None = None
    ) -> Any:
        """Run one call in the worker; a function that keeps crashing, hanging or garbling its reply is not run again."""
        failures = self._failures.get(what, 0)
        if failures >= self.limits.max_failures_per_function:
            raise WorkerDied(f"not run: {what} already crashed, timed out or sent an unreadable reply {failures} times (see the first failure)")
        worker = self._ensure_worker()
        tensors: list[torch.Tensor] = []
        callbacks = worker.callbacks
        header = dict(request, owner=owner, exercises=list(self.exercises))
        header["args"] = codec.encode(list(args), tensors, self._handle_out(worker))
        header["kwargs"] = codec.encode(kwargs, tensors, self._handle_out(worker))
        timeout = self._call_timeout or self.limits.call_timeout_s
        try:
            reply, tensors_back = self._exchange(worker, header, tensors, timeout, what)
        except SubmissionError:
            self._failures[what] = failures + 1
            callbacks.raise_first_error()
            raise
        callbacks.raise_first_error()
        for name, ops in replies.ops(reply).items():
            self._dispatched.setdefault(name, set()).update(ops)
        status = replies.status(reply)
        if status == "ok":
            try:
                return codec.decode(reply.get("value"), tensors_back, self._handle_in(worker, owner, label))
            except Exception as exc:  # noqa: BLE001
                raise BadResult(f"{what} returned something the grader cannot read ({type(exc).__name__}: {replies.text(str(exc), 200)})") from None
        if status == "missing":
            raise MissingName(self._missing_message(str(request.get("name"))))
        if status == "raised":
            error = replies.error(reply.get("error"))
            raise StudentException.from_call(what, error.types, error.message, error.where)
        if status == "unsendable":
            raise BadResult(f"{what} returned a value the grader cannot receive: {replies.text(reply.get('message'), 300)}")
        raise BadResult(f"{what} gave an unexpected reply")

    def _handle_out(self, worker: _Worker) -> Callable[[Any], dict[str, Any]]:
        """Objects of the worker go back as their handles, and the test's functions as its callbacks."""

        def to_tree(value: Any) -> dict[str, Any]:
            if isinstance(value, RemoteObject):
                if value.generation != worker.generation:
                    raise SubmissionError("an object made by your code was lost when its worker was restarted")
                return {codec.TAG: "handle", "id": value.handle_id}
            if callable(value):
                return worker.callbacks.add(value)
            raise codec.EncodeError(f"cannot send a {type(value).__name__} to the worker")

        return to_tree

    def _handle_in(self, worker: _Worker, owner: str, label: str | None = None) -> Callable[[dict[str, Any]], "RemoteObject"]:
        """Handles the worker sends become remote objects; it may not send callbacks."""

        def from_tree(tree: dict[str, Any]) -> RemoteObject:
            if tree[codec.TAG] != "handle":
                raise ValueError("the worker sent a callback")
            return RemoteObject(self, tree, worker.generation, owner, label)

        return from_tree

    def _missing_message(self, name: str) -> str:
        report = self.load_report()
        message = f"{self.source.origin} does not define `{name}`"
        if report.errors:
            message += "; perhaps because, while loading, " + "; ".join(e.describe() for e in report.errors)
        else:
            message += f" (check the spelling: it must be named exactly `{name}`)"
        return message


@dataclass(frozen=True)
class RemoteCallable:
    """A function or method of the submission; `owner` names the function whose work it is."""

    submission: RemoteSubmission
    request: dict[str, Any]
    what: str
    owner: str

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.submission.call(self.request, args, kwargs, self.what, self.owner)


class RemoteObject:
    """An object that lives in the worker (a student's model, say).

    Reading an attribute asks the worker: plain data (`net.training`, a
    weight tensor, a number) comes back as a copy, anything else (a layer, a
    method) as another remote object, which can be called in turn.
    `label` names it in messages the way the test reached it (`MLP.linear1`).
    """

    def __init__(self, submission: RemoteSubmission, tree: dict[str, Any], generation: int, owner: str, label: str | None = None) -> None:
        self._submission = submission
        self.handle_id = int(tree["id"])
        type_name = tree.get("type")
        self.type_name = replies.type_names([type_name])[0] if isinstance(type_name, str) else "object"
        self.label = label or self.type_name
        self.generation = generation
        self.owner = owner

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        request = {"op": "getattr", "handle": self.handle_id, "name": name}
        label = f"{self.label}.{name}"
        return self._submission.call(request, (), {}, label, self.owner, label)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        request = {"op": "callmethod", "handle": self.handle_id, "name": "__call__"}
        return self._submission.call(request, args, kwargs, f"{self.label}(...)", self.owner)

    def __repr__(self) -> str:
        return f"<{self.label} in the worker>"


class Callbacks:
    """The test's functions passed to one worker, and the first exception any of them raised.

    A function stays callable for as long as its worker lives, so that a
    hook the test registers on a model fires when the student's code calls
    the model later, in another call. The worker learns only the failing
    function's exception type: the message might hold the test's expected
    values. The test sees the exception itself once the call it happened in
    is over, as if it had called the function directly.
    """

    def __init__(self) -> None:
        self._functions: list[Callable[..., Any]] = []
        self._numbers: dict[int, int] = {}
        self._error: BaseException | None = None

    def add(self, function: Callable[..., Any]) -> dict[str, Any]:
        number = self._numbers.get(id(function))
        if number is None:
            number = self._numbers[id(function)] = len(self._functions)
            self._functions.append(function)
        return {codec.TAG: "callback", "id": number}

    def answer(
        self,
        request: dict[str, Any],
        tensors: list[torch.Tensor],
        from_tree: Callable[[dict[str, Any]], Any],
        to_tree: Callable[[Any], dict[str, Any]],
    ) -> tuple[dict[str, Any], list[torch.Tensor]]:
        """Run the function the worker asked for, with its arguments as sent."""
        number = request.get("id")
        if type(number) is not int or not 0 <= number < len(self._functions):
            raise BadResult("your code's call of the test's function could not be read")
        try:
            args = codec.decode(request.get("args", []), tensors, from_tree)
            kwargs = codec.decode(request.get("kwargs", {}), tensors, from_tree)
        except ValueError as exc:
            raise BadResult(f"your code called the test's function with something the grader cannot read ({replies.text(str(exc), 200)})") from None
        if type(args) is not list or type(kwargs) is not dict or not all(isinstance(k, str) for k in kwargs):
            raise BadResult("your code's call of the test's function could not be read")
        try:
            result = self._functions[number](*args, **kwargs)
            out: list[torch.Tensor] = []
            return {"status": "ok", "value": codec.encode(result, out, to_tree)}, out
        except Exception as exc:  # noqa: BLE001  (the test's own function; it is raised again after the call)
            if self._error is None:
                self._error = exc
            return {"status": "raised", "error": type(exc).__name__}, []

    def raise_first_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error


@functools.cache
def default_launcher() -> Launcher:
    """The launcher of submissions given none: one warm fork server per grading process, started on first use."""
    return choose_launcher("auto")
