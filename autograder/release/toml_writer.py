"""A small TOML writer for the generated config of the student release.

Only what that config holds: tables of strings, numbers, booleans and lists
of strings. JSON string escapes are valid TOML basic-string escapes.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

Scalar = str | int | float | bool


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else json.dumps(key)


def dumps(data: Mapping[str, Any], prefix: str = "") -> str:
    lines = [f"{_key(k)} = {_value(v)}" for k, v in data.items() if not isinstance(v, Mapping)]
    out = "\n".join(lines) + ("\n" if lines else "")
    for key, value in data.items():
        if isinstance(value, Mapping):
            name = f"{prefix}.{_key(key)}" if prefix else _key(key)
            body = dumps(value, name)
            if any(not isinstance(v, Mapping) for v in value.values()) or not value:
                out += f"\n[{name}]\n"
            out += body
    return out
