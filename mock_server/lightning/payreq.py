"""BOLT11 payment requests, encoded on plain ints and bytes.

The ``bolt11`` package encodes an invoice in about 0.9 ms: it packs every field through
``bitstring`` (thousands of calls an invoice), computes the bech32 checksum bit by bit in pure
Python, and parses the signing key from hex each time. This encoder makes the same strings,
byte for byte (a test compares the two on many random invoices), in a small fraction of that:
the data part is one integer built field by field and split into 5-bit groups by base32's C
encoder, the checksum is table-driven (two groups a step), and the caller keeps the coincurve
key object. ``bolt11`` still decodes every invoice, here and in tests.

Only the fields this simulator's invoices carry are encoded, in the order it writes them:
payment hash (p), description (d), min_final_cltv_expiry (c), expiry (x), payment secret (s)
and features (9).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from coincurve import PrivateKey

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_TO_CHARSET = bytes.maketrans(bytes(range(32)), CHARSET.encode())
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def _generator_terms(top: int) -> int:
    """What the five generator terms add for a checksum whose top five bits are ``top``."""
    terms = 0
    for i, term in enumerate(_GENERATOR):
        if (top >> i) & 1:
            terms ^= term
    return terms


_POLYMOD = tuple(_generator_terms(top) for top in range(32))


def _two_steps(top: int) -> int:
    """What two checksum steps add for a checksum whose top ten bits are ``top``."""
    first = _POLYMOD[top >> 5]  # the top five bits' terms, then the next five's with them
    return ((first & 0x1FFFFFF) << 5) ^ _POLYMOD[(top & 31) ^ (first >> 25)]


_POLYMOD2 = tuple(_two_steps(top) for top in range(1024))
_FROM_BASE32 = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", bytes(range(32)))

# Tag characters as 5-bit values: a tag is named by the bech32 character it is written as.
PAYMENT_HASH, DESCRIPTION, MIN_FINAL_CLTV, EXPIRY, PAYMENT_SECRET, FEATURES = map(
    CHARSET.index, "pdcxs9"
)


@dataclass(frozen=True)
class Features:
    """A feature vector as BOLT11 writes it: its bits, big-endian, and how many there are."""

    value: int
    length: int


class _Bits:
    """The data part as one integer, built field by field (BOLT11 packs its fields in 5-bit
    groups with no byte alignment, so an int and a bit count are all it takes)."""

    __slots__ = ("bits", "value")

    def __init__(self) -> None:
        self.value = self.bits = 0

    def add(self, value: int, bits: int) -> None:
        self.value = (self.value << bits) | value
        self.bits += bits

    def tagged(self, tag: int, value: int, bits: int) -> None:
        """A tagged field: its tag, its length in groups, its data zero-padded to groups."""
        groups = -(-bits // 5)
        self.add((tag << 10 | groups) << groups * 5 | value << (groups * 5 - bits), 15 + groups * 5)

    def tagged_int(self, tag: int, value: int) -> None:
        """An integer field in as few groups as it needs (bolt11 keeps its low 60 bits)."""
        value &= (1 << 60) - 1
        self.tagged(tag, value, -(-value.bit_length() // 5) * 5)

    def tagged_bytes(self, tag: int, data: bytes) -> None:
        self.tagged(tag, int.from_bytes(data, "big"), len(data) * 8)

    def to_bytes(self) -> bytes:
        """Zero-padded at the end to whole bytes (what BOLT11 signs)."""
        pad = -self.bits % 8
        return (self.value << pad).to_bytes((self.bits + pad) // 8, "big")

    def groups(self) -> bytes:
        """The 5-bit groups, one byte each: base32's C encoder does the splitting."""
        count = self.bits // 5
        lead = -count % 8  # zero groups in front make whole 40-bit blocks
        text = base64.b32encode(self.value.to_bytes((count + lead) * 5 // 8, "big"))
        return text[lead:].translate(_FROM_BASE32)


def amount_text(msat: int) -> str:
    """The amount in the human-readable part, as short as it goes.

    ``bolt11`` writes a multiple of 1,000 BTC a thousand times too small (its loop divides once
    more than it has units for); this does not. Below that the two agree (tested).
    """
    value = msat * 10  # pico-BTC
    for unit in ("p", "n", "u", "m"):
        if value % 1000:
            return f"{value}{unit}"
        value //= 1000
    return str(value)  # whole BTC


def polymod(values: bytes | list[int]) -> int:
    """bech32's checksum polynomial, two groups a step (a 1,024-entry table)."""
    check = 1
    if len(values) % 2:
        check = ((check & 0x1FFFFFF) << 5) ^ values[0] ^ _POLYMOD[check >> 25]
        values = values[1:]
    pairs = iter(values)
    for high, low in zip(pairs, pairs, strict=True):
        check = ((check & 0xFFFFF) << 10) ^ (high << 5 | low) ^ _POLYMOD2[check >> 20]
    return check


def bech32(hrp: str, data: bytes | list[int]) -> str:
    """``hrp`` and the 5-bit ``data`` as bech32 text, with its checksum."""
    expanded = bytes([ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp])
    check = polymod(expanded + bytes(data) + bytes(6)) ^ 1
    checksum = bytes((check >> 5 * (5 - i)) & 31 for i in range(6))
    return hrp + "1" + (bytes(data) + checksum).translate(_TO_CHARSET).decode()


def encode_payreq(
    key: PrivateKey,
    *,
    network: str,
    amount_msat: int,
    timestamp: int,
    payment_hash: bytes,
    description: str,
    min_final_cltv_expiry: int,
    expiry: int,
    payment_secret: bytes,
    features: Features,
) -> str:
    """The signed BOLT11 payment request of one invoice."""
    hrp = "ln" + network + (amount_text(amount_msat) if amount_msat else "")
    data = _Bits()
    data.add(timestamp, 35)
    data.tagged_bytes(PAYMENT_HASH, payment_hash)
    data.tagged_bytes(DESCRIPTION, description.encode())
    data.tagged_int(MIN_FINAL_CLTV, min_final_cltv_expiry)
    data.tagged_int(EXPIRY, expiry)
    data.tagged_bytes(PAYMENT_SECRET, payment_secret)
    data.tagged(FEATURES, features.value, features.length)
    signature = key.sign_recoverable(hrp.encode() + data.to_bytes())  # sha256, then signed
    data.add(int.from_bytes(signature, "big"), len(signature) * 8)
    return bech32(hrp, data.groups())
