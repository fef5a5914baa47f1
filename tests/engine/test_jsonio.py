from __future__ import annotations

import json
from decimal import Decimal

import pytest

from mock_server.engine.jsonio import dumps, loads


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
