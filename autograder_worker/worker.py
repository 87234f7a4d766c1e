"""The untrusted side: a process that loads one submission and answers calls.

A launcher of the trusted side starts it, either forked by the fork server
(`autograder_worker.forkserver`) or as `python -m autograder_worker.worker`
with the protocol on its stdin and stdout. Importing this module does
nothing but define things, so that the fork server can import it once for
every worker. The worker holds no test, no reference and no expected value:
it only runs what it is asked to.
"""

from __future__ import annotations

import ast
import linecache
import os
import signal
import sys
import traceback
import types
from dataclasses import dataclass, field
from types import CodeType, FrameType
from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode, _disable_current_modes

from autograder_worker import codec, frames, imports, notebook_shims
from autograder_worker.layers import build_layers
from autograder_worker.memory_modules import MemoryModules
from autograder_worker.names import type_names

MAX_OPS = 512


class OpRecord(TorchDispatchMode):  # type: ignore[no-untyped-call]
    """The aten operations a call dispatches, named as `torch.ops.aten.<name>.<overload>`,
    by the exercise whose code dispatched them.

    The trusted side matches them against the assignment's banned APIs: a
    second line behind the static check, which sees computations however
    they were spelled (a private alias, a name built at run time). An
    operation belongs to the innermost exercise function on the stack, so
    that cross_entropy calling the student's own softmax does not carry
    softmax's mistakes.
    """

    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        """Leave this mode's method as written: torch would otherwise wrap it so that torch.compile
        skips it, and that wrapper imports torch._dynamo on first use, a second and more of
        every worker's start. Nothing the worker records is compiled."""
        return False

    def __init__(self, module: types.ModuleType, exercises: list[str], owner: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.owner = owner
        self.codes: dict[CodeType, str] = {}
        for name in exercises:
            code = getattr(getattr(module, name, None), "__code__", None)
            if isinstance(code, CodeType):
                self.codes[code] = name
        self.ops: dict[str, set[str]] = {}
        self.count = 0

    def _exercise(self) -> str:
        frame: FrameType | None = sys._getframe(2)
        while frame is not None:
            name = self.codes.get(frame.f_code)
            if name is not None:
                return name
            frame = frame.f_back
        return self.owner

    def _note(self, op: str) -> None:
        if self.count < MAX_OPS:
            found = self.ops.setdefault(self._exercise(), set())
            if op not in found:
                found.add(op)
                self.count += 1

    def __torch_dispatch__(self, func: Any, types_: Any, args: Any = (), kwargs: Any = None) -> Any:
        self._note(f"torch.ops.{func.namespace}.{func._opname}.{func._overloadname}")
        if torch._C._current_autograd_node() is not None:
            self._note(BACKWARD)
        elif torch.is_grad_enabled() and _any_requires_grad(args):
            self._note(GRAPH)
        return func(*args, **(kwargs or {}))

    def reply(self) -> dict[str, list[str]]:
        return {name: sorted(ops) for name, ops in self.ops.items()}


BACKWARD = "torch.autograd.backward"
"""Recorded for every operation a backward pass runs, so that autograd can be banned at run time."""
GRAPH = "torch.autograd.graph"
"""Recorded for an operation on a tensor that requires grad while grad mode is on: a graph is being built."""


def _any_requires_grad(args: Any) -> bool:
    for arg in args:
        if isinstance(arg, torch.Tensor):
            if arg.requires_grad:
                return True
        elif isinstance(arg, (list, tuple)) and any(isinstance(a, torch.Tensor) and a.requires_grad for a in arg):
            return True
    return False


@dataclass
class Channel:
    """The worker's end of the protocol, and the objects it has handed out.

    The descriptors are private ones: by the time student code runs, its
    stdin is /dev/null and its stdout goes where its stderr goes, so
    nothing it prints can be mistaken for a reply.
    """

    requests: int
    replies: int
    handles: dict[int, Any] = field(default_factory=dict)
    module: types.ModuleType | None = None
    filenames: set[str] = field(default_factory=set)

    def read(self) -> tuple[dict[str, Any], list[torch.Tensor]]:
        return codec.unpack(frames.read_frame(self.requests))

    def reply(self, header: dict[str, Any], tensors: list[torch.Tensor] | None = None) -> None:
        _flush_student_output()
        frames.write_frame(self.replies, codec.pack(header, tensors or []))

    def to_handle(self, value: Any) -> dict[str, Any]:
        self.handles[id(value)] = value
        return {codec.TAG: "handle", "id": id(value), "type": type(value).__name__}

    def from_handle(self, tree: dict[str, Any]) -> Any:
        if tree[codec.TAG] == "callback":
            return Callback(self, int(tree["id"]))
        try:
            return self.handles[int(tree["id"])]
        except KeyError:
            raise LookupError("unknown object handle") from None


class Callback:
    """A test's function, passed to student code: each call is answered by the trusted side.

    The arguments go out as plain data and the result comes back the same
    way, so the test can count and inspect the calls; the function itself
    never crosses. While it runs, the test may call into this worker again
    (read an attribute of a model it was given): those requests are answered
    before the function's result. The dispatch record is paused meanwhile: sending the
    arguments is the grader's work, not the exercise's.
    """

    def __init__(self, channel: Channel, number: int) -> None:
        self.channel = channel
        self.number = number

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        channel = self.channel
        with _disable_current_modes():
            tensors: list[torch.Tensor] = []
            header = {
                "status": "callback",
                "id": self.number,
                "args": codec.encode(list(args), tensors, channel.to_handle),
                "kwargs": codec.encode(kwargs, tensors, channel.to_handle),
            }
            channel.reply(header, tensors)
            answer, tensors_in = channel.read()
            while "op" in answer:
                _answer(channel, answer, tensors_in)
                answer, tensors_in = channel.read()
            if answer.get("status") != "ok":
                raise RuntimeError(f"the test's function raised {answer.get('error', 'an exception')} when your code called it")
            return codec.decode(answer.get("value"), tensors_in, channel.from_handle)


def _where(exc: BaseException, filenames: set[str]) -> str:
    """The innermost line of student code in the traceback."""
    frames_ = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename in filenames]
    if not frames_:
        return ""
    frame = frames_[-1]
    code = f": {frame.line.strip()}" if frame.line else ""
    return f"{frame.filename}, line {frame.lineno}, in {frame.name}{code}"


def _describe_error(exc: BaseException, filenames: set[str]) -> dict[str, Any]:
    if isinstance(exc, SystemExit):
        message = f"called sys.exit({exc.code!r})" if exc.code is not None else "called sys.exit()"
    else:
        message = str(exc)
    return {
        "types": list(type_names(exc)),
        "message": message,
        "where": _where(exc, filenames),
    }


def _units(source: str, filename: str, notebook: bool) -> list[CodeType]:
    """A notebook cell runs whole, as in Jupyter; a module runs statement by statement,
    so that one failing import or top-level line costs only what depends on it."""
    if notebook:
        return [compile(source, filename, "exec")]
    tree = ast.parse(source, filename)
    return [compile(ast.Module(body=[stmt], type_ignores=[]), filename, "exec") for stmt in tree.body]


def _load(request: dict[str, Any]) -> tuple[types.ModuleType, set[str], list[dict[str, Any]]]:
    """Run the submission's code; its own modules stay importable for the calls that follow."""
    notebook = bool(request["notebook"])
    module = types.ModuleType("__main__" if notebook else request["module"])
    module.__file__ = f"{request['module']}.py"
    sys.modules[request["module"]] = module
    namespace = module.__dict__
    if notebook:
        notebook_shims.install(namespace)
    own_modules = MemoryModules(request.get("modules", []))
    own_modules.install()
    imports.guard(own_modules)
    filenames = own_modules.filenames
    errors: list[dict[str, Any]] = []

    def record(exc: BaseException, chunk: dict[str, Any]) -> None:
        error = _describe_error(exc, filenames)
        if isinstance(exc, SyntaxError):
            error["message"] = exc.msg
            place = exc.filename if exc.filename in filenames else chunk["filename"]
            error["where"] = f"{place}, line {exc.lineno}: {(exc.text or '').strip()}"
        error["label"] = chunk["label"]
        errors.append(error)

    for chunk in request["chunks"]:
        for name in chunk.get("clear", ()):
            namespace.pop(name, None)
        source, filename = chunk["source"], chunk["filename"]
        filenames.add(filename)
        # the first text of a file wins: a chunk that runs checked definitions again reuses the file's name
        linecache.cache.setdefault(filename, (len(source), None, source.splitlines(True), filename))
        try:
            units = _units(source, filename, notebook)
        except (SyntaxError, ValueError) as exc:
            record(exc, chunk)
            continue
        for unit in units:
            try:
                exec(unit, namespace)
            except BaseException as exc:  # noqa: BLE001  (student code may raise anything)
                record(exc, chunk)
                if notebook:
                    break
    return module, filenames, errors


def _answer(channel: Channel, request: dict[str, Any], tensors_in: list[torch.Tensor]) -> None:
    module, filenames = channel.module, channel.filenames
    assert module is not None
    args = codec.decode(request.get("args", []), tensors_in, channel.from_handle)
    kwargs = codec.decode(request.get("kwargs", {}), tensors_in, channel.from_handle)
    if request["op"] == "call" and getattr(module, request["name"], None) is None:
        channel.reply({"status": "missing", "name": request["name"]})
        return
    record = OpRecord(module, list(request.get("exercises", [])), str(request.get("owner", "")))
    try:
        op = request["op"]
        if op == "build":
            result = build_layers(request["layers"], *args)
        else:
            holder = module if op == "call" else channel.from_handle({codec.TAG: "handle", "id": request["handle"]})
            with record:
                found = getattr(holder, request["name"])
                result = found if op == "getattr" else found(*args, **kwargs)
    except BaseException as exc:  # noqa: BLE001
        channel.reply({"status": "raised", "error": _describe_error(exc, filenames), "ops": record.reply()})
        return
    tensors_out: list[torch.Tensor] = []
    try:
        value = codec.encode(result, tensors_out, channel.to_handle)
        payload = codec.pack({"status": "ok", "value": value, "ops": record.reply()}, tensors_out)
    except Exception as exc:  # noqa: BLE001
        channel.reply({"status": "unsendable", "message": f"{type(exc).__name__}: {exc}"})
        return
    _flush_student_output()
    frames.write_frame(channel.replies, payload)


def _flush_student_output() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001  (student code may have replaced or closed the stream)
            pass


def warm_up() -> None:
    """Pay once, before any student code, what torch loads lazily on first use: the dispatch
    mode, meta-device kernels (device tests run there without a GPU), autograd, and the
    optimizers (whose first step imports the compiler stack). In a fork server this is
    paid once for every worker; none of it ever counts as a student's time."""
    with OpRecord(types.ModuleType("warm_up"), [], ""):
        torch.zeros(2).exp().sum()
    meta = torch.zeros(4, 3, device="meta")
    torch.nn.functional.cross_entropy(meta.log_softmax(dim=1), torch.zeros(4, dtype=torch.long, device="meta"))
    (meta.argmax(dim=1) == meta.max(dim=1).indices).float().mean()
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = torch.nn.functional.mse_loss(model(torch.ones(1, 3)), torch.zeros(1, 2))
    loss.backward()  # type: ignore[no-untyped-call]
    optimizer.step()
    optimizer.zero_grad()


def _cuda_devices() -> int:
    """How many GPUs this process sees: the worker's own fact, since a sandbox may hide them."""
    try:
        return torch.cuda.device_count() if torch.cuda.is_available() else 0
    except Exception:  # noqa: BLE001  (a broken driver means no usable GPU)
        return 0


def take_descriptors(requests: int, replies: int) -> Channel:
    """Move the protocol to private descriptors and hand stdin and stdout to the student.

    The signals a grader ignores are reset to their defaults, so that
    whatever student code leaves running can be stopped; but SIGPIPE and
    SIGXFSZ stay ignored, as every Python program has them, so that writing
    past the file-size limit fails with an error, as for any Python program.
    """
    channel = Channel(os.dup(requests), os.dup(replies))
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(2, 1)
    for number in signal.valid_signals():
        if number not in (signal.SIGKILL, signal.SIGSTOP, signal.SIGPIPE, signal.SIGXFSZ) and signal.getsignal(number) == signal.SIG_IGN:
            signal.signal(number, signal.SIG_DFL)
    return channel


def serve(channel: Channel, facts: dict[str, Any]) -> None:
    """Say the worker has started (with `facts` about it), load the submission, answer calls until the pipe closes.

    The trusted side starts the load time limit at the first reply, so
    whatever starting cost came before is never the student's.
    """
    channel.reply({"status": "started", "cuda": _cuda_devices(), **facts})
    header, _ = channel.read()
    channel.module, channel.filenames, errors = _load(header)
    channel.reply({"status": "ready", "errors": errors})
    while True:
        try:
            request, tensors = channel.read()
        except frames.FrameClosed:
            return
        _answer(channel, request, tensors)


def main() -> None:
    warm_up()
    serve(take_descriptors(0, 1), {})
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
