"""Which dotted paths name a banned API: by pattern, and by the object the path names.

A banned API has many spellings: `torch.softmax` is also
`torch._C._VariableFunctions.softmax`, and `torch.nn.functional.softmax`
lives on as `torch.nn.functional.torch.softmax`. Patterns (fnmatch on the
full dotted path, where `*` also matches dots) catch most of them; the rest
are caught by looking the path up on the trusted side and comparing the
object it names with the banned objects, by identity and by name.

Looking up must not run torch's code: `getattr` on a torch module can import
submodules lazily or raise from a `__getattr__` hook (`torch.backends.cuda`
does on a machine without CUDA), and even `isinstance` can call a property.
So a path is followed through module `__dict__`s and class `__dict__`s along
the MRO only, with the raw descriptors of `type` and `ModuleType`, and only
into modules already imported on the trusted side.

Two kinds of patterns are not dotted paths: `Tensor.name` names a tensor
method or attribute on any object the check cannot identify, and a pattern
ending in `=` (`requires_grad=`) names a keyword argument of any call.
"""

from __future__ import annotations

import fnmatch
import sys
import types
from functools import lru_cache
from typing import Any, Iterable, Mapping

TENSOR_PREFIX = "Tensor."
KEYWORD_SUFFIX = "="
TENSOR_PATHS = ("torch.Tensor.", "torch._C.TensorBase.", "torch._C._TensorBase.")
MISSING = object()
_MODULE_DICT: Any = vars(types.ModuleType)["__dict__"]
_TYPE_DICT: Any = type.__dict__["__dict__"]
_TYPE_MRO: Any = type.__dict__["__mro__"]
_TYPE_NAME: Any = type.__dict__["__name__"]
_TYPE_QUALNAME: Any = type.__dict__["__qualname__"]
_NAMED_TYPES = (
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodDescriptorType,
    types.WrapperDescriptorType,
    types.ClassMethodDescriptorType,
    types.MethodWrapperType,
)
"""Types that cannot be subclassed, so reading `__name__` on them runs no user code."""
GRAD_MODES = (
    "torch.autograd.grad_mode.no_grad",
    "torch.autograd.grad_mode.enable_grad",
    "torch.autograd.grad_mode.inference_mode",
    "torch.autograd.grad_mode.set_grad_enabled",
)
"""Context managers that only switch the recording of operations off or on, and compute no gradient. They live
in `torch.autograd` but are public torch names (`torch.no_grad`) that code without autograd uses too, so a
pattern reaches them only by the path the code spells (`torch.autograd.no_grad`) or by naming one exactly,
never through their home module: banning `torch.autograd.*` leaves `torch.no_grad()` allowed."""


def _is_module(obj: object) -> bool:
    return issubclass(type(obj), types.ModuleType)


def _is_class(obj: object) -> bool:
    return issubclass(type(obj), type)


def _unwrap(value: object) -> object:
    kind = type(value)
    if kind is staticmethod or kind is classmethod:
        return value.__func__  # type: ignore[attr-defined]
    return value


def _class_member(klass: type, name: str) -> object:
    for base in _TYPE_MRO.__get__(klass):
        namespace: Mapping[str, object] = _TYPE_DICT.__get__(base)
        if name in namespace:
            return _unwrap(namespace[name])
    return MISSING


def member(obj: object, name: str) -> object:
    """`obj.name` as Python would find it for a module, a class or an instance's class, without running code."""
    if _is_module(obj):
        namespace: dict[str, object] = _MODULE_DICT.__get__(obj)
        if name in namespace:
            return namespace[name]
        module_name = namespace.get("__name__")
        if type(module_name) is str:
            return sys.modules.get(f"{module_name}.{name}", MISSING)
        return MISSING
    if _is_class(obj):
        return _class_member(obj, name)  # type: ignore[arg-type]
    return _class_member(type(obj), name)


def _name(obj: object) -> str | None:
    kind = type(obj)
    if kind in _NAMED_TYPES:
        name = obj.__name__  # type: ignore[attr-defined]
        return name if type(name) is str else None
    if _is_class(obj):
        name = _TYPE_NAME.__get__(obj)
        return name if type(name) is str else None
    return None


def _canonical(obj: object) -> str | None:
    """Where an object was defined (`torch.nn.modules.loss.CrossEntropyLoss`), when it says so plainly."""
    if _is_module(obj):
        name = _MODULE_DICT.__get__(obj).get("__name__")
        return name if type(name) is str else None
    if type(obj) in (types.FunctionType, types.BuiltinFunctionType):
        module, qualname = obj.__module__, obj.__qualname__  # type: ignore[attr-defined]
    elif _is_class(obj):
        module, qualname = _TYPE_DICT.__get__(obj).get("__module__"), _TYPE_QUALNAME.__get__(obj)
    else:
        return None
    if type(module) is str and type(qualname) is str:
        return f"{module}.{qualname}"
    return None


def _name_pattern(pattern: str) -> str | None:
    """The part of a pattern an attribute name can be matched with: its last component that is not all wildcard."""
    for part in reversed(pattern.split(".")):
        if any(c.isalnum() for c in part):
            return part
    return None


class BannedApis:
    """Decides whether a dotted path, or an attribute of an object nobody can identify, may be a banned API."""

    def __init__(self, banned: Iterable[str]) -> None:
        banned = tuple(banned)
        self.keywords = tuple(p[: -len(KEYWORD_SUFFIX)] for p in banned if p.endswith(KEYWORD_SUFFIX))
        banned = tuple(p for p in banned if not p.endswith(KEYWORD_SUFFIX))
        self.methods = frozenset(p[len(TENSOR_PREFIX) :] for p in banned if p.startswith(TENSOR_PREFIX))
        self.patterns = tuple(p for p in banned if not p.startswith(TENSOR_PREFIX))
        names = {_name_pattern(p) for p in self.patterns} | set(self.methods)
        self.names = tuple(sorted(n for n in names if n))
        exact = [p for p in self.patterns if not any(c in p for c in "*?[")]
        exact += [f"torch.Tensor.{m}" for m in self.methods if not any(c in m for c in "*?[")]
        found = (lookup(p) for p in exact)
        self._objects = [obj for obj in found if obj is not MISSING]
        self.path = lru_cache(maxsize=4096)(self._path)
        self.name = lru_cache(maxsize=1024)(self._name)

    def _matches(self, path: str) -> bool:
        return any(fnmatch.fnmatchcase(path, p) for p in self.patterns)

    def _name_matches(self, name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, p) for p in self.names)

    def _path(self, path: str) -> str | None:
        """The banned API a path names, as the message should say it, or None."""
        if self._matches(path):
            return path
        for prefix in TENSOR_PATHS:
            if path.startswith(prefix) and path[len(prefix) :] in self.methods:
                return f"torch.Tensor.{path[len(prefix):]}"
        obj = lookup(path)
        if obj is MISSING:
            return None
        if any(obj is banned for banned in self._objects):
            return path
        if any(obj is lookup(switch) for switch in GRAD_MODES):
            return None
        canonical = _canonical(obj)
        if path.split(".")[0] != "torch" and (canonical is None or canonical.split(".")[0] != "torch"):
            return None
        if canonical is not None and self._matches(canonical):
            return f"{path} ({canonical})"
        name = _name(obj)
        if name is not None and self._name_matches(name):
            return f"{path} ({canonical or name})" if canonical or not path.endswith(name) else path
        return None

    def _name(self, attribute: str) -> str | None:
        """The message for `x.attribute` where the check cannot tell what `x` is, when the name could be banned."""
        if attribute in self.methods:
            return f"Tensor.{attribute}"
        if self._name_matches(attribute):
            return f"`.{attribute}` of an object the check cannot identify (a banned name)"
        return None

    def keyword(self, name: str) -> str | None:
        """The message for a keyword argument `name=` of a call, when a keyword pattern bans it."""
        if any(fnmatch.fnmatchcase(name, p) for p in self.keywords):
            return f"{name}{KEYWORD_SUFFIX} (a banned keyword argument)"
        return None


@lru_cache(maxsize=8192)
def lookup(path: str) -> object:
    """The object a dotted path names among modules already imported here, or MISSING."""
    parts = path.split(".")
    obj = sys.modules.get(parts[0], MISSING)
    for part in parts[1:]:
        if obj is MISSING:
            break
        obj = member(obj, part)
    return obj


def is_namespace(path: str) -> bool:
    """Whether a path may name a module or a class (whose attributes every function shares); unknown paths may."""
    obj = lookup(path)
    return obj is MISSING or _is_module(obj) or _is_class(obj)


SETTING_TYPES = (bool, int, float, str, type(None))


def is_setting(path: str) -> bool:
    """Whether a path names a setting that holds plain data: a value, or a property of a module
    (torch's backends flags are properties of module subclasses)."""
    owner, _, name = path.rpartition(".")
    found = lookup(path)
    if found is MISSING and _is_module(lookup(owner)):
        found = _class_member(type(lookup(owner)), name)
        return isinstance(found, property) or type(found).__name__ == "ContextProp"
    return type(found) in SETTING_TYPES


def is_module(path: str) -> bool:
    """Whether a path names a module imported here."""
    return _is_module(lookup(path))


def exports(module: str, name: str) -> bool:
    """Whether `from module import *` may bind `name`: by the module's `__all__`, or its public names; unknown modules may."""
    obj = lookup(module)
    if not _is_module(obj):
        return True
    namespace: dict[str, object] = _MODULE_DICT.__get__(obj)
    public = namespace.get("__all__")
    if type(public) in (list, tuple):
        return any(type(n) is str and n == name for n in public)  # type: ignore[attr-defined]
    return name in namespace and not name.startswith("_")
