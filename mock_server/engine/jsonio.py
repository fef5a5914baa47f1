"""JSON in and out.

Out, with money exact: a :class:`~decimal.Decimal` is written as a JSON number with the digits it
has (``Decimal("50.00")`` -> ``50.00``), never through a float and never as a string.

In, strictly (:func:`loads`, for everything a client sends): ``NaN``, ``Infinity`` and numbers
too large for a float are not JSON; nesting and integers are bounded, so no body can make the
parser (or whatever walks the result later) recurse without end or hold a number that cannot be
written back out.

orjson reads and writes the usual body (a few µs less per request than the standard library,
which is most of what the busiest server spends on JSON); the standard library takes whatever
orjson refuses or would read differently, so the result, and every error's wording, is the
standard library's: integers beyond 64 bits (orjson reads a long one as a float), keys that are
not strings, lone surrogates, bodies in UTF-16 or with a byte-order mark, and the errors
themselves. Differences are left only where the standard library would refuse to write at all:
orjson writes a float NaN or infinity as ``null``, and an enum or a UUID by its value. No body
this simulator writes holds one (a client's NaN is refused on the way in, a scenario's numbers
are checked when it loads, and a handler that wrote one would have failed before).
"""

from __future__ import annotations

import json
import math
import re
import secrets
from decimal import Decimal
from typing import Any

import orjson

from mock_server.engine.numbers import MAX_INTEGER_DIGITS

MAX_DEPTH = 64  # arrays and objects inside each other; the APIs' own bodies nest 3 deep

_NONCE = secrets.token_hex(6)
# A Decimal is written first as a string that no body can hold (a NUL and a nonce around its
# digits), then that string, quotes and all, is replaced by the digits.
_PLACEHOLDER = re.compile(r'"\\u0000' + _NONCE + r':([^"\\]*)\\u0000"')


def _placeholder(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        if not obj.is_finite():
            raise ValueError(f"cannot write {obj} as JSON")
        return f"\x00{_NONCE}:{obj:f}\x00"
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


# One encoder for every answer: json.dumps with any option set builds a new one each call.
_ENCODER = json.JSONEncoder(
    default=_placeholder, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def _fragment(obj: Any) -> Any:
    if isinstance(obj, Decimal) and obj.is_finite():
        return orjson.Fragment(f"{obj:f}")
    raise TypeError  # the standard library's encoder says what is wrong


# Dataclasses and datetimes, which orjson would write and the standard library refuses, go to
# `_fragment`, and so to the standard library.
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME


def dumps(value: Any) -> str:
    """Serialise ``value`` compactly; Decimals keep their exact digits."""
    try:
        return orjson.dumps(value, default=_fragment, option=_ORJSON_OPTIONS).decode()
    except orjson.JSONEncodeError:
        return _dumps(value)


def _dumps(value: Any) -> str:
    text = _ENCODER.encode(value)
    if _NONCE not in text:
        return text
    return _PLACEHOLDER.sub(lambda m: m.group(1), text)


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


class JsonError(ValueError):
    """A body that is not JSON, or JSON this simulator will not hold; the message says why."""


def loads(raw: bytes | str) -> Any:
    """Parse a client's JSON strictly; raise :class:`JsonError` saying what is wrong."""
    long_digits = _LONG_DIGITS_BYTES if isinstance(raw, bytes) else _LONG_DIGITS
    if not long_digits.search(raw):
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass  # the standard library says why (or reads what orjson does not)
        else:
            _check(value)
            return value
    try:
        text = raw.decode(_encoding(raw), "surrogatepass") if isinstance(raw, bytes) else raw
        value = _DECODER.decode(text)
    except RecursionError:
        raise JsonError(f"nested more than {MAX_DEPTH} levels deep") from None
    except JsonError:
        raise
    except (ValueError, UnicodeDecodeError) as exc:
        raise JsonError(str(exc)) from None
    _check(value)
    return value


# A run of 19 digits may be an integer beyond 64 bits, which orjson would read as a float.
_LONG_DIGITS = re.compile(r"[0-9]{19}")
_LONG_DIGITS_BYTES = re.compile(rb"[0-9]{19}")


def _encoding(raw: bytes) -> str:
    """What ``json.detect_encoding`` says, at once for the usual body: one that starts with an
    ASCII character, not a byte-order mark or a UTF-16/32 zero byte, is UTF-8."""
    if raw and 0 < raw[0] < 0x80 and (len(raw) < 2 or raw[1]):
        return "utf-8"
    return json.detect_encoding(raw)


def _no_constant(name: str) -> Any:
    raise JsonError(f"{name} is not a JSON number")


_DECODER = json.JSONDecoder(parse_constant=_no_constant)


def _check(node: Any, depth: int = 0) -> None:
    """Refuse containers nested over MAX_DEPTH, floats out of range (``1e400`` reads as
    infinity) and integers of over MAX_INTEGER_DIGITS digits (recursing MAX_DEPTH at most)."""
    if isinstance(node, dict):
        node = node.values()
    elif not isinstance(node, list):
        _check_number(node)
        return
    if depth >= MAX_DEPTH:
        raise JsonError(f"nested more than {MAX_DEPTH} levels deep")
    for child in node:
        if isinstance(child, dict | list):
            _check(child, depth + 1)
        elif isinstance(child, int | float):
            _check_number(child)


def _check_number(value: Any) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise JsonError("a number is out of range")
    if isinstance(value, int) and not -_INT_BOUND < value < _INT_BOUND:
        raise JsonError(f"an integer has more than {MAX_INTEGER_DIGITS} digits")


_INT_BOUND = 10**MAX_INTEGER_DIGITS
