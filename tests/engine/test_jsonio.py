from __future__ import annotations

import json
from decimal import Decimal

import pytest

from mock_server.engine.jsonio import dumps


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
