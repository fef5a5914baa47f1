"""The L402 tokens are aperture's format, checked by code this project did not write
(pymacaroons), both ways: it verifies the macaroons we mint, and we verify the ones it mints;
and once more by hand, from the macaroon format's v2 encoding and libmacaroons' HMAC chain."""

from __future__ import annotations

import base64
import hashlib
import struct

import pytest
from pymacaroons import MACAROON_V2, Macaroon, Verifier
from pymacaroons.exceptions import MacaroonInvalidSignatureException

from mock_server.apis.l402.tokens import (
    Credentials,
    TokenMinter,
    TokenRefused,
    preimage_pays,
)

PREIMAGE = bytes(range(32))
PAYMENT_HASH = hashlib.sha256(PREIMAGE).hexdigest()
TOKEN_ID = hashlib.sha256(b"token").digest()
MINTER = TokenMinter(b"world secret")


def _minted(valid_until: int = 2_000_000_000) -> str:
    return MINTER.mint(PAYMENT_HASH, TOKEN_ID, valid_until)


def test_pymacaroons_verifies_a_minted_macaroon() -> None:
    text = _minted()
    macaroon = Macaroon.deserialize(text)
    assert macaroon.version == MACAROON_V2 and macaroon.location == "sms4sats"
    verifier = Verifier()
    verifier.satisfy_exact("services=sms4sats:0")
    verifier.satisfy_exact("sms4sats_valid_until=2000000000")
    assert verifier.verify(macaroon, MINTER.root_key(TOKEN_ID))
    lax = Verifier()
    lax.satisfy_general(lambda _: True)
    with pytest.raises(MacaroonInvalidSignatureException):
        lax.verify(macaroon, b"another key")


def test_the_identifier_is_version_payment_hash_token_id() -> None:
    identifier = Macaroon.deserialize(_minted()).identifier_bytes
    version, payment_hash, token_id = struct.unpack(">H32s32s", identifier)
    assert (version, payment_hash.hex(), token_id) == (0, PAYMENT_HASH, TOKEN_ID)


def test_it_is_sent_in_standard_base64_as_aperture_sends() -> None:
    text = _minted()
    assert base64.b64encode(base64.b64decode(text)).decode() == text
    assert base64.b64decode(text)[0] == 2  # the v2 binary format's version byte


def test_a_macaroon_pymacaroons_mints_is_verified() -> None:
    identifier = struct.pack(">H32s32s", 0, bytes.fromhex(PAYMENT_HASH), TOKEN_ID)
    theirs = Macaroon(
        location="sms4sats",
        identifier=identifier,
        key=MINTER.root_key(TOKEN_ID),
        version=MACAROON_V2,
    )
    theirs.add_first_party_caveat("services=sms4sats:0")
    theirs.add_first_party_caveat("sms4sats_valid_until=1900000000")
    token = MINTER.verify(theirs.serialize(), now=1_800_000_000)  # url-safe, unpadded: also read
    assert (token.payment_hash, token.token_id, token.valid_until) == (
        PAYMENT_HASH,
        TOKEN_ID.hex(),
        1_900_000_000,
    )


def test_expiry_is_the_earliest_valid_until() -> None:
    macaroon = Macaroon.deserialize(_minted(2_000_000_000))
    macaroon.add_first_party_caveat("sms4sats_valid_until=1500000000")
    assert MINTER.verify(macaroon.serialize(), now=1_400_000_000).valid_until == 1_500_000_000
    with pytest.raises(TokenRefused) as refused:
        MINTER.verify(macaroon.serialize(), now=1_500_000_000)
    assert refused.value.reason == "token_expired"


@pytest.mark.parametrize(
    "text", ["", "AA==", "AgEI", "not base64 at all!", base64.b64encode(b"\x02" * 300).decode()]
)
def test_garbage_is_an_invalid_token(text: str) -> None:
    with pytest.raises(TokenRefused) as refused:
        MINTER.verify(text, now=0)
    assert refused.value.reason == "invalid_token"


def test_a_macaroon_of_another_secret_does_not_verify() -> None:
    other = TokenMinter(b"another world").mint(PAYMENT_HASH, TOKEN_ID, 2_000_000_000)
    with pytest.raises(TokenRefused, match="signature"):
        MINTER.verify(other, now=0)


@pytest.mark.parametrize(
    ("header", "scheme"),
    [
        (f"L402 mac:{PREIMAGE.hex()}", "L402"),
        (f"LSAT mac:{PREIMAGE.hex()}", "LSAT"),
        (f"l402 mac:{PREIMAGE.hex().upper()}", "L402"),
        (f"L402 mac,discharge:{PREIMAGE.hex()}", "L402"),
    ],
)
def test_credentials_are_read_as_aperture_reads_them(header: str, scheme: str) -> None:
    credentials = Credentials.read(header)
    assert credentials == Credentials(scheme, "mac", PREIMAGE.hex())
    assert preimage_pays(credentials.preimage, PAYMENT_HASH)


def test_other_schemes_are_no_credentials_and_broken_ones_are_refused() -> None:
    assert Credentials.read(None) is None
    assert Credentials.read("Bearer abc") is None
    with pytest.raises(TokenRefused):
        Credentials.read("L402 mac:1234")


def _fields(raw: bytes, at: int) -> tuple[list[tuple[int, bytes]], int]:
    """One section of a v2 binary macaroon: (type, data) fields up to its end-of-section 0."""
    found = []
    while raw[at] != 0:
        kind, length = raw[at], raw[at + 1]  # every field here is short: one-byte varints
        found.append((kind, raw[at + 2 : at + 2 + length]))
        at += 2 + length
    return found, at + 1


def test_the_bytes_are_the_v2_format_and_the_hmac_chain_by_hand() -> None:
    """Read as the macaroon format's v2 binary encoding says, and the signature recomputed as
    libmacaroons computes it (HMAC-SHA256 from a key derived from the root key, chained over
    the identifier and each caveat): independent of pymacaroons."""
    import hmac

    raw = base64.b64decode(_minted())
    assert raw[0] == 2
    header, at = _fields(raw, 1)
    assert header == [(1, b"sms4sats"), (2, header[1][1])] and len(header[1][1]) == 66
    caveats = []
    while raw[at] != 0:
        section, at = _fields(raw, at)
        caveats += [data for kind, data in section if kind == 2]
    assert caveats == [b"services=sms4sats:0", b"sms4sats_valid_until=2000000000"]
    assert (raw[at + 1], raw[at + 2]) == (6, 32)  # then the signature field, 32 bytes
    signature = raw[at + 3 : at + 35]
    key = hmac.new(b"macaroons-key-generator", MINTER.root_key(TOKEN_ID), "sha256").digest()
    chained = hmac.new(key, header[1][1], "sha256").digest()
    for caveat in caveats:
        chained = hmac.new(chained, caveat, "sha256").digest()
    assert chained == signature
