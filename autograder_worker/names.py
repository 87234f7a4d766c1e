"""How an exception is named when it crosses from the worker."""

from __future__ import annotations


def type_names(exc: BaseException) -> tuple[str, ...]:
    """An exception's class hierarchy by name, most derived first: what crosses from the worker."""
    return tuple(cls.__name__ for cls in type(exc).__mro__ if cls is not object)
