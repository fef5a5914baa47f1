"""BOLT11 payment requests read back: what a simulated wallet needs to pay one, or the service
to refund to one.

The ``bolt11`` package decodes too, but importing it (with ``bitstring`` and ``bitarray``) costs
a server about 2 MB at start (6 MB in a bare process) for a call it makes once per payment.
This reader gives the fields ``bolt11.decode`` gives (a test compares the two on the simulator's
invoices and on other wallets' with every kind of field) and refuses changed or random text
with :class:`PayreqError`. It checks the checksum by writing it again with this package's
encoder, and the signature with coincurve, as ``bolt11`` does; fields it does not use (route
hints, fallback addresses, features, metadata) it skips unread, where ``bolt11`` parses them
and refuses a malformed one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coincurve import PublicKey, verify_signature
from coincurve.ecdsa import cdata_to_der, deserialize_recoverable, recoverable_convert

from mock_server.lightning.payreq import (
    CHARSET,
    DESCRIPTION,
    EXPIRY,
    MIN_FINAL_CLTV,
    PAYMENT_HASH,
    PAYMENT_SECRET,
    bech32,
)

DESCRIPTION_HASH, PAYEE = CHARSET.index("h"), CHARSET.index("n")
_GROUP = {c: i for i, c in enumerate(CHARSET)}
_HRP = re.compile(r"ln(bcrt|bc|tbs|tb)(?:(\d+)([pnum]?))?")
_MSAT_PER_UNIT = {"n": 100, "u": 100_000, "m": 100_000_000, "": 100_000_000_000}  # "p": below
# Hashes and keys, in groups: a field of another length is skipped.
_HEX_LENGTHS = {PAYMENT_HASH: 52, PAYMENT_SECRET: 52, DESCRIPTION_HASH: 52, PAYEE: 53}
_SIGNATURE_GROUPS = 104  # 65 bytes: r, s and the recovery id
MAX_LENGTH = 4096  # characters; one with several route hints is under 2,000


class PayreqError(ValueError):
    """Text that is not a valid BOLT11 payment request; the message says why."""


@dataclass(frozen=True)
class DecodedPayreq:
    currency: str
    amount_msat: int | None
    date: int
    payment_hash: str
    payment_secret: str
    payee: str
    description: str | None
    description_hash: str | None
    expiry: int | None
    min_final_cltv_expiry: int | None


def decode_payreq(text: str) -> DecodedPayreq:
    """The fields of a BOLT11 payment request; :class:`PayreqError` when it is not one."""
    if not isinstance(text, str) or len(text) > MAX_LENGTH:
        raise PayreqError(f"not a payment request of at most {MAX_LENGTH} characters")
    text = text.lower()
    hrp, value, groups = _bech32(text)
    currency, amount_msat = _hrp(hrp)
    if groups < 7 + _SIGNATURE_GROUPS:
        raise PayreqError("too short for a timestamp and a signature")
    data_groups = groups - _SIGNATURE_GROUPS
    signature = (value & ((1 << 520) - 1)).to_bytes(65, "big")
    data = value >> 520
    texts, numbers = _fields(data, data_groups)
    pad = -(data_groups * 5) % 8
    signed = hrp.encode() + (data << pad).to_bytes((data_groups * 5 + pad) // 8, "big")
    payee = texts.get(PAYEE)
    if payee is not None:
        _verify(signature, signed, payee)
    else:
        payee = _recover(signature, signed)
    description = texts.get(DESCRIPTION)
    description_hash = texts.get(DESCRIPTION_HASH)
    if PAYMENT_HASH not in texts:
        raise PayreqError("no payment hash")
    if PAYMENT_SECRET not in texts:
        raise PayreqError("no payment secret")
    if description is None and description_hash is None:
        raise PayreqError("no description and no description hash")
    return DecodedPayreq(
        currency=currency,
        amount_msat=amount_msat,
        date=data >> (data_groups - 7) * 5,
        payment_hash=texts[PAYMENT_HASH],
        payment_secret=texts[PAYMENT_SECRET],
        payee=payee,
        description=description,
        description_hash=description_hash,
        expiry=numbers.get(EXPIRY),
        min_final_cltv_expiry=numbers.get(MIN_FINAL_CLTV),
    )


def _bech32(text: str) -> tuple[str, int, int]:
    """The human-readable part, and the data groups (checksum off) as one int and a count."""
    pos = text.rfind("1")
    if pos < 1 or pos + 7 > len(text) or any(not 33 <= ord(c) <= 126 for c in text):
        raise PayreqError("not bech32 text")
    hrp, groups = text[:pos], text[pos + 1 : -6]
    value = 0
    try:
        for c in groups:
            value = value << 5 | _GROUP[c]
    except KeyError:
        raise PayreqError("a character bech32 does not use") from None
    if bech32(hrp, value, len(groups) * 5) != text:
        raise PayreqError("the checksum does not match")
    return hrp, value, len(groups)


def _hrp(hrp: str) -> tuple[str, int | None]:
    """The network and the amount in millisatoshis (None: any amount)."""
    match = _HRP.fullmatch(hrp)
    if match is None:
        raise PayreqError(f"the prefix {hrp!r} is not a Lightning network's with an amount")
    currency, digits, unit = match.groups()
    if digits is None:
        return currency, None
    if unit == "p":  # tenths of a millisatoshi: only whole ones are amounts
        if int(digits) % 10:
            raise PayreqError("a pico-bitcoin amount that is no whole millisatoshi")
        return currency, int(digits) // 10
    return currency, int(digits) * _MSAT_PER_UNIT[unit]


def _fields(data: int, groups: int) -> tuple[dict[int, str], dict[int, int]]:
    """The tagged fields this reader uses, the first of each kind that is well formed (as
    BOLT11 says: skip unknown fields and hashes or keys of the wrong length); a description
    and a description hash, whichever comes first. Text (hex or UTF-8) and numbers by tag."""
    texts: dict[int, str] = {}
    numbers: dict[int, int] = {}
    at = groups - 7  # groups left to read after the timestamp
    while at > 0:
        if at < 3:
            raise PayreqError("a tagged field cut short")
        head = data >> (at - 3) * 5 & 0x7FFF
        tag, length = head >> 10, head & 0x3FF
        at -= 3
        if length > at:
            raise PayreqError("a tagged field longer than the data")
        value = data >> (at - length) * 5 & ((1 << length * 5) - 1)
        at -= length
        if tag in texts or tag in numbers:
            continue
        raw = (value >> (length * 5 % 8)).to_bytes(length * 5 // 8, "big")
        if tag in _HEX_LENGTHS:
            if length == _HEX_LENGTHS[tag] and not (
                tag == DESCRIPTION_HASH and DESCRIPTION in texts
            ):
                texts[tag] = raw.hex()
        elif tag == DESCRIPTION and DESCRIPTION_HASH not in texts:
            try:
                texts[tag] = raw.decode()
            except UnicodeDecodeError:
                raise PayreqError("a description that is not UTF-8") from None
        elif tag in (EXPIRY, MIN_FINAL_CLTV):
            numbers[tag] = value
    return texts, numbers


def _recover(signature: bytes, signed: bytes) -> str:
    try:
        key = PublicKey.from_signature_and_message(signature, signed)
    except Exception:  # coincurve says a bad recovery id or point in several ways
        raise PayreqError("the signature recovers no key") from None
    return key.format(compressed=True).hex()


def _verify(signature: bytes, signed: bytes, payee: str) -> None:
    try:
        der = cdata_to_der(recoverable_convert(deserialize_recoverable(signature)))
        valid = verify_signature(der, signed, bytes.fromhex(payee))
    except Exception:  # a malformed signature or key
        valid = False
    if not valid:
        raise PayreqError("the signature is not the payee's")
