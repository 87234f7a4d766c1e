"""The schema of what a worker may say, with small caps on every part.

The worker runs student code, so every field of its replies is student
controlled: a message of a megabyte, a type name that is a Markdown heading,
a list of ten thousand aten operations. Everything read from a reply goes
through here, and comes out as bounded plain text of the expected type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MAX_MESSAGE = 2000
MAX_WHERE = 400
MAX_LABEL = 200
MAX_TYPE_NAME = 100
MAX_TYPES = 16
MAX_LOAD_ERRORS = 50
MAX_OPS = 512
MAX_OWNERS = 64
MAX_OP_NAME = 200
STATUSES = frozenset({"started", "ready", "ok", "missing", "raised", "unsendable"})
_TYPE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OP_NAME = re.compile(r"torch\.ops\.[A-Za-z0-9_]+\.[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)?|torch\.autograd\.(graph|backward)")


def text(value: Any, limit: int) -> str:
    """`value` as a string of at most `limit` characters (anything but a string becomes empty)."""
    if not isinstance(value, str):
        return ""
    if len(value) <= limit:
        return value
    return value[:limit] + f" [... {len(value) - limit} more characters not shown]"


def status(header: dict[str, Any]) -> str:
    value = header.get("status")
    return value if isinstance(value, str) and value in STATUSES else "invalid"


def type_names(value: Any) -> tuple[str, ...]:
    """An exception's class hierarchy as the worker reported it: identifiers only, a few of them."""
    if not isinstance(value, list):
        return ("Exception",)
    names = tuple(v for v in value[:MAX_TYPES] if isinstance(v, str) and len(v) <= MAX_TYPE_NAME and _TYPE_NAME.fullmatch(v))
    return names or ("Exception",)


@dataclass(frozen=True)
class ErrorReport:
    """An exception raised in student code, as far as the trusted side believes it."""

    types: tuple[str, ...]
    message: str
    where: str
    label: str = ""


def error(value: Any) -> ErrorReport:
    tree = value if isinstance(value, dict) else {}
    return ErrorReport(
        type_names(tree.get("types")),
        text(tree.get("message"), MAX_MESSAGE),
        text(tree.get("where"), MAX_WHERE),
        text(tree.get("label"), MAX_LABEL),
    )


def load_errors(header: dict[str, Any]) -> tuple[ErrorReport, ...]:
    errors = header.get("errors")
    return tuple(error(e) for e in errors[:MAX_LOAD_ERRORS]) if isinstance(errors, list) else ()


def ops(header: dict[str, Any]) -> dict[str, frozenset[str]]:
    """The aten operations a call dispatched, as `torch.ops.aten.<name>.<overload>` paths,
    and its use of autograd (`torch.autograd.graph`, `torch.autograd.backward`), by the
    function (an exercise) whose code dispatched them."""
    value = header.get("ops")
    if not isinstance(value, dict):
        return {}
    found: dict[str, frozenset[str]] = {}
    for name, names in list(value.items())[:MAX_OWNERS]:
        if isinstance(name, str) and _TYPE_NAME.fullmatch(name) and isinstance(names, list):
            found[name] = frozenset(v for v in names[:MAX_OPS] if isinstance(v, str) and len(v) <= MAX_OP_NAME and _OP_NAME.fullmatch(v))
    return found
