"""The simulator's BOLT11 reader gives what ``bolt11.decode`` gives, and refuses only with
:class:`PayreqError` (the server answers that; any other exception would be a 500)."""

from __future__ import annotations

import bolt11
import pytest
from bolt11.models.routehint import Route, RouteHint
from bolt11.models.tags import TagChar, Tags
from coincurve import PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server.lightning import payreq
from mock_server.lightning.decoder import PayreqError, decode_payreq
from mock_server.lightning.node import FEATURES
from tests.lightning.test_payreq import KEY, invoices

FIELDS = (
    "currency",
    "amount_msat",
    "date",
    "payment_hash",
    "payment_secret",
    "payee",
    "description",
    "description_hash",
    "expiry",
    "min_final_cltv_expiry",
)


def library_fields(text: str) -> dict[str, object]:
    decoded = bolt11.decode(text)
    return {
        "currency": decoded.currency,
        "amount_msat": None if decoded.amount_msat is None else int(decoded.amount_msat),
        "date": decoded.date,
        "payment_hash": decoded.payment_hash,
        "payment_secret": decoded.payment_secret,
        "payee": decoded.payee,
        "description": decoded.description,
        "description_hash": decoded.description_hash,
        "expiry": decoded.tags.get(TagChar.expire_time).data
        if decoded.tags.get(TagChar.expire_time)
        else None,
        "min_final_cltv_expiry": decoded.min_final_cltv_expiry
        if decoded.tags.get(TagChar.min_final_cltv_expiry)
        else None,
    }


def our_fields(text: str) -> dict[str, object]:
    decoded = decode_payreq(text)
    return {name: getattr(decoded, name) for name in FIELDS}


@settings(max_examples=200, deadline=None)
@given(invoice=invoices)
def test_every_invoice_the_simulator_makes_reads_as_the_library_reads_it(invoice: dict) -> None:
    text = payreq.encode_payreq(KEY, features=FEATURES, **invoice)
    assert our_fields(text) == library_fields(text)
    assert our_fields(text.upper()) == library_fields(text)  # bech32 may be all capitals


hex32 = st.binary(min_size=32, max_size=32).map(bytes.hex)
keys = st.binary(min_size=32, max_size=32).filter(lambda b: 0 < int.from_bytes(b, "big") < 2**255)
route = st.builds(
    Route,
    public_key=st.just(PrivateKey(b"\x07" * 32).public_key.format().hex()),
    short_channel_id=st.just("1x2x3"),
    base_fee=st.integers(0, 2**32 - 1),
    ppm_fee=st.integers(0, 2**32 - 1),
    cltv_expiry_delta=st.integers(0, 2**16 - 1),
)


@st.composite
def other_invoices(draw: st.DrawFn) -> tuple[str, str]:
    """Invoices of other wallets: a description hash, route hints, metadata, the payee's key
    written in, no amount, no expiry; made by ``bolt11.encode``."""
    key = PrivateKey(draw(keys))
    tags = Tags()
    tags.add(TagChar.payment_hash, draw(hex32))
    tags.add(TagChar.payment_secret, draw(hex32))
    if draw(st.booleans()):
        tags.add(TagChar.description_hash, draw(hex32))
    else:
        tags.add(TagChar.description, draw(st.text(max_size=60)))
    if draw(st.booleans()):
        tags.add(TagChar.expire_time, draw(st.integers(1, 2**32)))
    if draw(st.booleans()):
        tags.add(TagChar.min_final_cltv_expiry, draw(st.integers(1, 2**16)))
    if draw(st.booleans()):
        tags.add(TagChar.route_hint, RouteHint(draw(st.lists(route, min_size=1, max_size=3))))
    if draw(st.booleans()):
        tags.add(TagChar.metadata, draw(st.binary(min_size=1, max_size=20)).hex())
    if draw(st.booleans()):
        tags.add(TagChar.payee, key.public_key.format().hex())
    amount = draw(st.one_of(st.none(), st.integers(1, 10**14).map(lambda m: m * 10)))
    invoice = bolt11.Bolt11(
        currency=draw(st.sampled_from(["bc", "tb", "bcrt", "tbs"])),
        date=draw(st.integers(0, 2**35 - 1)),
        tags=tags,
        amount_msat=None if amount is None else bolt11.MilliSatoshi(amount),
    )
    text = bolt11.encode(invoice, key.secret.hex(), keep_payee=True)
    return text, key.public_key.format().hex()


@settings(max_examples=150, deadline=None)
@given(made=other_invoices())
def test_other_wallets_invoices_read_as_the_library_reads_them(made: tuple[str, str]) -> None:
    text, payee = made
    assert our_fields(text) == library_fields(text)
    assert decode_payreq(text).payee == payee


@settings(max_examples=300, deadline=None)
@given(invoice=invoices, data=st.data())
def test_a_changed_invoice_is_refused_with_a_reason(invoice: dict, data: st.DataObject) -> None:
    text = payreq.encode_payreq(KEY, features=FEATURES, **invoice)
    at = data.draw(st.integers(0, len(text) - 1))
    changed = data.draw(
        st.one_of(
            st.just(text[:at]),  # cut short
            st.sampled_from(payreq.CHARSET + "1bio!é ").map(
                lambda c: text[:at] + c + text[at + 1 :]
            ),
            st.just(text[:at] + text[at + 1 :]),  # a character lost
        )
    )
    if changed == text:
        return
    with pytest.raises(PayreqError):
        decode_payreq(changed)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=300), st.text(alphabet="lnbc1" + payreq.CHARSET)))
def test_any_text_is_read_or_refused_with_a_reason(text: str) -> None:
    try:
        fields = our_fields(text)
    except PayreqError:
        return
    assert fields == library_fields(text)  # what this reader takes, the library takes too


@settings(max_examples=20, deadline=None)
@given(invoice=invoices)
def test_what_is_refused_says_why(invoice: dict) -> None:
    invoice |= {"network": "bc", "amount_msat": 3_000_000}
    text = payreq.encode_payreq(KEY, features=FEATURES, **invoice)
    cases = {
        "lnbc1qqqqqqqq": "checksum",
        text[:-1] + ("q" if text[-1] != "q" else "p"): "checksum",
        "x" * 5000: "at most 4096",
        "lnxx" + text[4:]: "checksum",
        "hello": "not bech32",
    }
    for bad, reason in cases.items():
        with pytest.raises(PayreqError, match=reason):
            decode_payreq(bad)
    data = text[text.rfind("1") + 1 : -6]
    value = int("".join(f"{payreq.CHARSET.index(c):05b}" for c in data), 2)
    for hrp, reason in (("lnxx", "prefix"), ("lnbc15p", "pico"), ("lnbc2500x", "prefix")):
        with pytest.raises(PayreqError, match=reason):
            decode_payreq(payreq.bech32(hrp, value, len(data) * 5))
    # signed for another prefix: without the payee's key written in, it is another payee's
    other = decode_payreq(payreq.bech32("lnbc2500u", value, len(data) * 5))
    assert other.payee != KEY.public_key.format().hex()
    assert decode_payreq(text).payee == KEY.public_key.format().hex()


def test_an_invoice_naming_another_payee_than_its_signer_is_refused() -> None:
    tags = Tags()
    tags.add(TagChar.payment_hash, "01" * 32)
    tags.add(TagChar.payment_secret, "02" * 32)
    tags.add(TagChar.description, "x")
    tags.add(TagChar.payee, PrivateKey(b"\x09" * 32).public_key.format().hex())
    invoice = bolt11.Bolt11(currency="bc", date=1_767_225_600, tags=tags)
    text = bolt11.encode(invoice, KEY.secret.hex(), keep_payee=True)
    with pytest.raises(PayreqError, match="not the payee's"):
        decode_payreq(text)
    with pytest.raises(bolt11.Bolt11Exception):
        bolt11.decode(text)
