"""Code the static check cannot follow, and what to tell the student about it.

A banned API can be reached without ever being named: by a name computed at
run time (`getattr(torch, "soft" + "max")`), through a namespace looked up by
key (`vars(F)[name]`, `sys.modules`), through the insides of functions and
frames (`f.__globals__`, `sys._getframe`), or by running text as code
(`exec`, `pickle.loads`, `timeit.timeit("...")`). None of these has a place
in a hand-written exercise, so each gates the code that contains it, with a
message asking for the plain call instead.
"""

from __future__ import annotations

PLAINLY = "write the call plainly, e.g. torch.exp(z)"
COMPUTED_NAME = f"computed attribute name (cannot be checked): {PLAINLY}"
COMPUTED_KEY = f"namespace looked up by a computed key (cannot be checked): {PLAINLY}"
COMPUTED_IMPORT = f"import of a computed module name (cannot be checked): {PLAINLY}"
TOO_DEEP = "code nested too deeply to check (cannot be checked): split the expression into steps"
TOO_MANY = f"a name with too many possible values to follow (cannot be checked): {PLAINLY}"
COMPUTED_KEYWORDS = "keyword arguments unpacked from a dict the check cannot read (cannot be checked): pass them by name, e.g. torch.zeros(3, dtype=x.dtype)"
"""Where keyword arguments are banned, `f(**options)` may pass one: it gates the code that holds it, like a banned
use (it can reach nothing but that call)."""

NAME_FUNCTIONS = {"builtins.getattr", "builtins.setattr", "builtins.delattr"}
"""Builtins that take an attribute name as a string: checked when the name is a constant."""

NAMESPACE_FUNCTIONS = {"builtins.vars", "builtins.globals", "builtins.locals"}
"""Builtins that hand out a namespace as a dict: checked only as `vars(x)["constant"]`."""

IMPORTERS = {"builtins.__import__", "importlib.import_module"}
"""Functions that import a module by name: checked when the name is a constant."""

RUNS_CODE = {"builtins.exec", "builtins.eval", "builtins.compile", "builtins.breakpoint"}

EVALUATES = "eval_str"
"""The keyword with which `inspect` evaluates annotations written as text (`def f(x: "torch.softmax")`)."""
EVALUATED = "annotations evaluated from text (eval_str, cannot be checked): write the call plainly, e.g. torch.exp(z)"

CALL_ONLY = NAME_FUNCTIONS | NAMESPACE_FUNCTIONS | IMPORTERS | RUNS_CODE
"""Callables that are only checkable where they are called: passed around as values, they are not."""

DICTS = {"sys.modules"}
"""Namespaces held in a dict keyed by name: `"x" in sys.modules` compares names only, never the objects held."""

CLOCKS = {"timeit.default_timer"}
"""Plain clocks of a module that is otherwise unchecked (`timeit.default_timer` is `time.perf_counter`)."""

TIMERS = {"timeit.timeit", "timeit.repeat", "timeit.Timer"}
"""Functions that time a statement and its setup: given as text they run it unchecked, given as functions
they only call them (the statement is checked like any code)."""

TIMED = (("stmt", 0), ("setup", 1))
"""The arguments of a timer that hold code, by keyword and position."""

REACHES_ANYTHING = (
    "sys.modules",
    "sys._getframe",
    "sys.settrace",
    "sys.setprofile",
    "sys.meta_path",
    "sys.path_hooks",
    "sys.exc_info",
    "sys.exception",
    "sys.last_traceback",
    "operator.attrgetter",
    "operator.methodcaller",
    "functools.singledispatch",
    "inspect.currentframe",
    "inspect.stack",
    "inspect.trace",
    "inspect.getmembers",
    "inspect.getmembers_static",
    "inspect.getattr_static",
    "inspect.getouterframes",
    "inspect.getinnerframes",
    "inspect.getclosurevars",
    "inspect.getmodule",
    "inspect.get_annotations",
    "typing.get_type_hints",
    "typing.ForwardRef",
    "typing._eval_type",
    "gc.get_objects",
    "gc.get_referents",
    "gc.get_referrers",
    "types.FunctionType",
    "types.LambdaType",
    "types.CodeType",
    "pickle.loads",
    "pickle.load",
    "pickle.Unpickler",
    "_pickle",
    "marshal",
    "copyreg",
    "dill",
    "cloudpickle",
    "shelve",
    "ctypes",
    "runpy",
    "code",
    "codeop",
    "pydoc",
    "pkgutil",
    "zipimport",
    "importlib.util",
    "importlib.machinery",
    "importlib.resources",
    "string.Formatter",
    "unittest.mock",
    "timeit",
    "cProfile",
    "profile",
    "pdb",
    "trace",
    "doctest",
    "torch.overrides",
    "torch.library",
    "torch.hub",
    "torch.package",
    "torch.utils._python_dispatch",
    "torch.utils.benchmark",
    "torch.utils.cpp_extension",
    "torch.jit.CompilationUnit",
    "torch.ops.load_library",
    "threading",
    "_thread",
    "concurrent",
    "multiprocessing",
    "asyncio",
    "os.fork",
    "os.forkpty",
    "os.register_at_fork",
    "os.system",
    "os.popen",
    "subprocess",
    "pty",
)
"""Library APIs that hand out objects by computed names, run text as code,
change how torch dispatches its calls, or run code in another thread or
process, where the worker's record of dispatched operations does not see it:
any use is unchecked."""

REACHES_ANYTHING_PREFIXES = (
    "os.spawn",
    "os.posix_spawn",
    "os.exec",
    "torch.nn.modules.module.register_module_",
    "torch._C._dispatch_",
    "torch._library",
    "torch._C._Disable",
    "torch._C._Exclude",
    "torch._C._Include",
    "torch._C._Force",
    "torch._C._set_dispatch_mode",
    "torch._C._unset_dispatch_mode",
    "torch._C._push_on_torch_dispatch_stack",
    "torch._C._pop_torch_dispatch_stack",
    "torch._C._get_dispatch_stack_at",
    "torch._C._set_torch_function_mode",
    "torch._C._push_on_torch_function_stack",
    "torch._C._pop_torch_function_stack",
)
"""Families of such APIs, by the start of their names (global module hooks, the dispatcher, switching
off the dispatch modes that record what each exercise runs)."""

DUNDERS = {
    "__builtins__",
    "__code__",
    "__globals__",
    "__dict__",
    "__self__",
    "__func__",
    "__closure__",
    "__defaults__",
    "__kwdefaults__",
    "__wrapped__",
    "__subclasses__",
    "__getattribute__",
    "__getattr__",
    "__setattr__",
    "__delattr__",
    "__reduce__",
    "__reduce_ex__",
    "__bases__",
    "__base__",
    "__mro__",
    "__loader__",
    "__spec__",
    "__import__",
    "__torch_function__",
    "__torch_dispatch__",
}
"""Attributes that open up a function, class or module: reading one is unchecked (except `x.__dict__["constant"]`)."""

FRAME_ATTRIBUTES = {"f_globals", "f_locals", "f_builtins", "f_back", "f_code", "tb_frame", "gi_frame", "cr_frame", "ag_frame"}
"""Attributes of frames and tracebacks, which hold every namespace of the running code."""

IPYTHON_SHIMS = {"run_line_magic", "run_cell_magic", "system", "getoutput"}
"""What IPython rewrites `%magic` and `!shell` lines into; the worker answers them with no-ops."""

NOTEBOOK_NAMES = {"get_ipython": "IPython.get_ipython", "display": "IPython.display.display"}
"""Names a notebook's namespace has without importing them."""


def reaches_anything(path: str) -> str | None:
    """The entry of REACHES_ANYTHING a path falls under, if any; the `builtins` module itself is one too."""
    if path == "builtins":
        return path
    for entry in REACHES_ANYTHING:
        if path == entry or path.startswith(entry + "."):
            return entry
    for prefix in REACHES_ANYTHING_PREFIXES:
        if path.startswith(prefix):
            return path
    return None


def unchecked(what: str) -> str:
    """The message for a use of something that reaches objects the check cannot follow."""
    return f"`{what}` (reaches objects the check cannot follow, so it cannot be checked): {PLAINLY}"
