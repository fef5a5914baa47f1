from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server.engine.jsonio import JsonError, _check, _dumps, dumps, loads


@dataclass
class _Point:
    x: int
    y: int


def test_decimals_keep_their_exact_digits_as_json_numbers() -> None:
    text = dumps({"balance": Decimal("50.00"), "prices": [Decimal("0.40"), Decimal("12.345")]})
    assert text == '{"balance":50.00,"prices":[0.40,12.345]}'
    assert json.loads(text, parse_float=Decimal)["balance"] == Decimal("50.00")


def test_strings_that_look_like_the_placeholder_are_left_alone() -> None:
    text = dumps({"a": "\x00abc:0\x00", "b": Decimal("1.10")})
    assert text == '{"a":"\\u0000abc:0\\u0000","b":1.10}'


def test_non_finite_decimals_and_unknown_types_are_refused() -> None:
    with pytest.raises(ValueError):
        dumps(Decimal("NaN"))
    with pytest.raises(TypeError):
        dumps({"x": object()})
    with pytest.raises(TypeError):  # orjson would write it as an object; the stdlib does not
        dumps({"x": _Point(1, 2)})


def test_a_body_is_read_in_the_encoding_json_detects_whatever_its_first_bytes() -> None:
    from mock_server.engine.jsonio import _encoding

    starts = [
        bytes([a, b, c, d])
        for a in range(256)
        for b in (0, 1, 0x7B)
        for c in (0, 1)
        for d in (0, 1)
    ]
    starts += [b"", b"{", b"\x00", b"a\x00"]
    assert [s for s in starts if _encoding(s) != json.detect_encoding(s)] == []
    for encoding in ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32"):
        assert loads('{"service_id": 1012}'.encode(encoding)) == {"service_id": 1012}


# JSON values as a client or a handler might make them: big integers, Decimals, any text.
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.decimals(allow_nan=False, allow_infinity=False, places=4)
    | st.text()
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text() | st.integers(), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(_values)
def test_what_is_written_is_what_the_standard_library_writes_read_back(value: object) -> None:
    """orjson writes the usual value; the standard library whatever orjson refuses (big
    integers, keys that are not strings): the same JSON either way, Decimals exact."""
    text = dumps(value)
    assert json.loads(text, parse_float=Decimal) == json.loads(_dumps(value), parse_float=Decimal)


def _stdlib_loads(raw: bytes) -> object:
    try:
        return ("value", json.loads(raw))
    except (ValueError, RecursionError):
        return ("error", None)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        _values.filter(lambda v: not _holds_decimal(v)).map(
            lambda v: json.dumps(v, ensure_ascii=False).encode("utf-8", "surrogatepass")
        ),
        st.binary(max_size=40),
        st.sampled_from(
            [
                b"NaN",
                b"1e400",
                b"[-Infinity]",
                b'"\\ud800"',
                b"\xef\xbb\xbf{}",
                b"12345678901234567890123",
            ]
        ),
    )
)
def test_what_is_read_is_what_the_standard_library_reads(raw: bytes) -> None:
    """A body orjson reads is read as the standard library reads it (a long integer stays an
    integer); one it refuses, the standard library reads or refuses with its own words."""
    try:
        ours: object = ("value", loads(raw))
    except JsonError:
        ours = ("error", None)
    expected = _stdlib_loads(raw)
    if expected[0] == "value":
        try:
            _check(expected[1])
        except JsonError:
            expected = ("error", None)  # refused on purpose: too deep, out of range
    assert ours == expected
    if ours[0] == "value":
        assert _types(ours[1]) == _types(expected[1])


def test_an_integer_beyond_64_bits_is_read_as_an_integer() -> None:
    assert loads(b'{"amount": 123456789012345678901234}') == {"amount": 123456789012345678901234}


def _holds_decimal(value: object) -> bool:
    if isinstance(value, Decimal):
        return True
    if isinstance(value, dict):
        return any(_holds_decimal(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_decimal(v) for v in value)
    return False


def _types(value: object) -> object:
    if isinstance(value, dict):
        return {k: _types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_types(v) for v in value]
    return type(value).__name__
