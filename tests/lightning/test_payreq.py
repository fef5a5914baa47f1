"""The simulator's own BOLT11 encoder makes, byte for byte, what the ``bolt11`` package makes."""

from __future__ import annotations

import struct

import bolt11
import pytest
from bech32 import bech32_encode
from bolt11.models.features import Feature, Features, FeatureState
from bolt11.models.tags import TagChar, Tags
from bolt11.utils import msat_to_amount
from coincurve import PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server.lightning import payreq
from mock_server.lightning.node import FEATURES

KEY = PrivateKey(bytes.fromhex("11" * 32))


def by_the_library(invoice: dict) -> str:
    tags = Tags()
    tags.add(TagChar.payment_hash, invoice["payment_hash"].hex())
    tags.add(TagChar.description, invoice["description"])
    tags.add(TagChar.min_final_cltv_expiry, invoice["min_final_cltv_expiry"])
    tags.add(TagChar.expire_time, invoice["expiry"])
    tags.add(TagChar.payment_secret, invoice["payment_secret"].hex())
    tags.add(TagChar.features, LIBRARY_FEATURES)
    request = bolt11.Bolt11(
        currency=invoice["network"],
        date=invoice["timestamp"],
        tags=tags,
        amount_msat=bolt11.MilliSatoshi(invoice["amount_msat"]),
    )
    return bolt11.encode(request, KEY.secret.hex())


LIBRARY_FEATURES = Features.from_feature_list(
    {
        Feature.var_onion_optin: FeatureState.supported,
        Feature.payment_secret: FeatureState.required,
        Feature.basic_mpp: FeatureState.supported,
    }
)

invoices = st.fixed_dictionaries(
    {
        "network": st.sampled_from(["bc", "tb", "bcrt", "tbs"]),
        # whole sats, as the simulator issues, and odd millisat amounts for the amount text;
        # below 1,000 BTC (bolt11 writes multiples of 1,000 BTC wrongly: see amount_text)
        "amount_msat": st.one_of(
            st.integers(min_value=1, max_value=10**11 - 1).map(lambda s: s * 1000),
            st.integers(min_value=1, max_value=10**14 - 1),
        ),
        "timestamp": st.integers(min_value=0, max_value=2**35 - 1),
        "payment_hash": st.binary(min_size=32, max_size=32),
        "description": st.text(max_size=200),
        # bolt11 cannot encode a zero here (an empty field); the simulator never issues one
        "min_final_cltv_expiry": st.integers(min_value=1, max_value=2**32),
        "expiry": st.integers(min_value=1, max_value=2**40),
        "payment_secret": st.binary(min_size=32, max_size=32),
    }
)


def test_the_feature_bits_are_the_librarys() -> None:
    assert (FEATURES.value, FEATURES.length) == (
        LIBRARY_FEATURES.data.uint,
        LIBRARY_FEATURES.data.len,
    )


@settings(max_examples=200, deadline=None)
@given(invoice=invoices, before=st.binary(max_size=8), after=st.binary(max_size=8))
def test_the_fields_in_bytes_give_back_the_payment_request(
    invoice: dict, before: bytes, after: bytes
) -> None:
    """The signing worker reads an invoice's fields back from the bytes the server sent, among
    other requests' bytes, and makes from them the payment request bolt11 makes."""
    fields = payreq.PayreqFields(features=FEATURES, **invoice)
    packed = fields.packed()
    read = payreq.PayreqFields.unpacked(before + packed + after, len(before))
    assert read == (fields, len(before) + len(packed))
    assert payreq.PayreqFields.unpacked(before + packed[:-1], len(before)) is None  # not all here
    assert read[0].unsigned().signed_by(KEY) == by_the_library(invoice)


def test_fields_the_worker_cannot_read_are_refused_in_bytes() -> None:
    fields = payreq.PayreqFields(
        network="bc",
        amount_msat=1000,
        timestamp=1,
        payment_hash=bytes(32),
        description="x" * 70_000,  # longer than two bytes say
        min_final_cltv_expiry=40,
        expiry=3600,
        payment_secret=bytes(32),
        features=FEATURES,
    )
    with pytest.raises(struct.error):
        fields.packed()
    with pytest.raises(struct.error):
        fields._replace(description="x", payment_hash=bytes(31)).packed()


@settings(max_examples=300, deadline=None)
@given(invoice=invoices)
def test_every_invoice_is_the_librarys_byte_for_byte(invoice: dict) -> None:
    ours = payreq.encode_payreq(KEY, features=FEATURES, **invoice)
    assert ours == by_the_library(invoice)
    decoded = bolt11.decode(ours)
    assert decoded.amount_msat == invoice["amount_msat"]
    assert decoded.payment_hash == invoice["payment_hash"].hex()
    assert decoded.payee == KEY.public_key.format().hex()


@settings(max_examples=200, deadline=None)
@given(
    hrp=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=20),
    data=st.lists(st.integers(min_value=0, max_value=31), max_size=1200),
)
def test_the_parity_checksum_is_the_reference_one(hrp: str, data: list[int]) -> None:
    value = 0
    for group in data:
        value = value << 5 | group
    assert payreq.bech32(hrp, value, 5 * len(data)) == bech32_encode(hrp, data)


def test_amounts_are_written_as_short_as_they_go() -> None:
    amounts = (1, 1000, 100_000, 10**8, 10**11, 123_456_000, 625 * 10**11)
    assert [payreq.amount_text(m) for m in amounts] == [
        "10p",
        "10n",
        "1u",
        "1m",
        "1",
        "1234560n",
        "625",
    ]
    assert [payreq.amount_text(m) for m in amounts] == [msat_to_amount(m) for m in amounts]


def test_a_multiple_of_a_thousand_btc_decodes_to_its_amount() -> None:
    million_btc = 10**6 * 10**11  # msat
    assert payreq.amount_text(million_btc) == "1000000"
    invoice = payreq.encode_payreq(
        KEY,
        network="bc",
        amount_msat=million_btc,
        timestamp=1_767_225_600,
        payment_hash=b"\x01" * 32,
        description="",
        min_final_cltv_expiry=40,
        expiry=3600,
        payment_secret=b"\x02" * 32,
        features=FEATURES,
    )
    assert bolt11.decode(invoice).amount_msat == million_btc
