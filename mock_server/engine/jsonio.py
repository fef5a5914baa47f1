"""JSON out, with money exact: a :class:`~decimal.Decimal` is written as a JSON number with the
digits it has (``Decimal("50.00")`` -> ``50.00``), never through a float and never as a string.
"""

from __future__ import annotations

import json
import re
import secrets
from decimal import Decimal
from typing import Any

_NONCE = secrets.token_hex(6)
_PLACEHOLDER = re.compile(r'"\\u0000' + _NONCE + r':(\d+)\\u0000"')


def dumps(value: Any) -> str:
    """Serialise ``value`` compactly; Decimals keep their exact digits."""
    decimals: list[Decimal] = []

    def default(obj: Any) -> Any:
        if isinstance(obj, Decimal):
            if not obj.is_finite():
                raise ValueError(f"cannot write {obj} as JSON")
            decimals.append(obj)
            return f"\x00{_NONCE}:{len(decimals) - 1}\x00"
        raise TypeError(f"{type(obj).__name__} is not JSON serialisable")

    text = json.dumps(value, default=default, separators=(",", ":"), ensure_ascii=False)
    if not decimals:
        return text
    return _PLACEHOLDER.sub(lambda m: format(decimals[int(m.group(1))], "f"), text)


def json_type(value: Any) -> str:
    """The JSON Schema type name of a parsed JSON value (``True`` is a boolean, not an integer)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float | Decimal):
        return "number"
    if value is None:
        return "null"
    return {dict: "object", list: "array", str: "string"}.get(type(value), type(value).__name__)
