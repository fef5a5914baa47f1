"""The faster 5-bit conversion gives byte-for-byte the invoices bolt11's own gives."""

from __future__ import annotations

import importlib

import bolt11
import pytest
from bitstring import BitArray
from bolt11.bit_utils import bitarray_to_u5 as original
from bolt11.models.tags import TagChar, Tags
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server.lightning import bits

KEY = "11" * 32
ENCODE = importlib.import_module("bolt11.encode")


def invoice(amount_sat: int, description: str, expiry: int, network: str) -> bolt11.Bolt11:
    tags = Tags()
    tags.add(TagChar.payment_hash, "ab" * 32)
    tags.add(TagChar.description, description)
    tags.add(TagChar.expire_time, expiry)
    tags.add(TagChar.payment_secret, "cd" * 32)
    return bolt11.Bolt11(
        currency=network,
        date=1_767_225_600,
        tags=tags,
        amount_msat=bolt11.MilliSatoshi(amount_sat * 1000),
    )


def encode_with(conversion: object, request: bolt11.Bolt11) -> str:
    saved = ENCODE.bitarray_to_u5
    ENCODE.bitarray_to_u5 = conversion
    try:
        return bolt11.encode(request, KEY)
    finally:
        ENCODE.bitarray_to_u5 = saved


def test_the_node_uses_the_fast_conversion() -> None:
    import mock_server.lightning.node  # noqa: F401  (installs it)

    assert ENCODE.bitarray_to_u5 is bits.bitarray_to_u5


@settings(max_examples=60, deadline=None)
@given(
    amount=st.integers(min_value=1, max_value=2_100_000_000),
    description=st.text(max_size=120),
    expiry=st.integers(min_value=1, max_value=10**7),
    network=st.sampled_from(["bc", "tb", "bcrt", "tbs"]),
)
def test_invoices_are_identical(amount: int, description: str, expiry: int, network: str) -> None:
    request = invoice(amount, description, expiry, network)
    ours = encode_with(bits.bitarray_to_u5, request)
    theirs = encode_with(original, invoice(amount, description, expiry, network))
    assert ours == theirs
    assert bolt11.decode(ours).amount_msat == amount * 1000


@pytest.mark.parametrize("length", [0, 5, 10, 35, 520, 1505])
def test_groups_match_on_any_length(length: int) -> None:
    pattern = BitArray(bin=("10110" * (length // 5 + 1))[:length])
    assert bits.bitarray_to_u5(pattern) == original(pattern)


def test_a_length_that_is_not_a_multiple_of_five_is_refused() -> None:
    with pytest.raises(ValueError, match="5-bit groups"):
        bits.bitarray_to_u5(BitArray(bin="101"))
