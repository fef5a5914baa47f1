"""L402 tokens: the macaroon of a challenge, minted and verified with pymacaroons.

As aperture mints them (lightninglabs/aperture, ``l402/identifier.go``, ``mint/mint.go``): a
v2 macaroon whose identifier is version (uint16, 0) ‖ payment hash (32) ‖ token id (32), with
the caveats ``services=sms4sats:0`` and ``sms4sats_valid_until=<unix seconds>``, sent in
standard base64. Each token's root key is derived from the world's secret and its token id, as
aperture keeps one root key per token id. Credentials are ``L402 <macaroon>:<hex preimage>``
(``LSAT``, the protocol's older name, too); a paid token is one whose preimage hashes to the
payment hash in its identifier.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
from dataclasses import dataclass

from pymacaroons import MACAROON_V2, Macaroon, Verifier
from pymacaroons.exceptions import (
    MacaroonException,
    MacaroonInvalidSignatureException,
    MacaroonUnmetCaveatException,
)

LOCATION = "sms4sats"
SERVICE_CAVEAT = "services=sms4sats:0"
VALID_UNTIL = "sms4sats_valid_until"
VERSION = 0
_IDENTIFIER = struct.Struct(">H32s32s")
# "L402 <macaroon[,macaroon...]>:<preimage>"; the scheme is case-insensitive, as HTTP's are.
_CREDENTIALS = re.compile(r"^(L402|LSAT) +([A-Za-z0-9+/=_,-]+):([0-9A-Fa-f]{64})$", re.I)


class TokenRefused(Exception):
    """Credentials that do not prove payment; ``reason`` says which way (error codes)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Credentials:
    """An ``Authorization`` header read: its scheme, its first macaroon and the preimage."""

    scheme: str  # L402 or LSAT, upper-cased
    macaroon: str
    preimage: str  # hex, lower-case

    @classmethod
    def read(cls, header: str | None) -> Credentials | None:
        """None when the header is absent or names another scheme (Bearer, Basic); a
        TokenRefused when it says L402 (or LSAT) and cannot be read."""
        text = (header or "").strip()
        scheme = text.split(" ", 1)[0].upper()
        if scheme not in ("L402", "LSAT"):
            return None
        found = _CREDENTIALS.match(text)
        if found is None:
            raise TokenRefused(
                "invalid_token",
                f"Authorization must be '{scheme} <base64 macaroon>:<64 hex digits of the"
                " preimage>'",
            )
        macaroons = found.group(2).split(",")  # discharge macaroons follow; none are issued
        return cls(scheme, macaroons[0], found.group(3).lower())


@dataclass(frozen=True)
class Token:
    """A verified macaroon: what its identifier and caveats say."""

    payment_hash: str
    token_id: str
    valid_until: int


class TokenMinter:
    """Mints and verifies one world's tokens (its secret comes from the world's seed)."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def root_key(self, token_id: bytes) -> bytes:
        return hmac.new(self._secret, token_id, hashlib.sha256).digest()

    def mint(self, payment_hash: str, token_id: bytes, valid_until: int) -> str:
        identifier = _IDENTIFIER.pack(VERSION, bytes.fromhex(payment_hash), token_id)
        macaroon = Macaroon(
            location=LOCATION,
            identifier=identifier,
            key=self.root_key(token_id),
            version=MACAROON_V2,
        )
        macaroon.add_first_party_caveat(SERVICE_CAVEAT)
        macaroon.add_first_party_caveat(f"{VALID_UNTIL}={valid_until}")
        raw = base64.urlsafe_b64decode(_padded(macaroon.serialize()))
        return base64.b64encode(raw).decode("ascii")  # standard base64, as aperture sends

    def verify(self, text: str, now: float) -> Token:
        """The token a macaroon is, once its signature and caveats hold; TokenRefused with
        ``invalid_token`` or ``token_expired`` otherwise."""
        try:
            macaroon = Macaroon.deserialize(text)
            identifier = macaroon.identifier_bytes
        except Exception:  # pymacaroons lets struct, index and unicode errors through on garbage
            raise TokenRefused("invalid_token", "the macaroon cannot be decoded") from None
        if len(identifier) != _IDENTIFIER.size:
            raise TokenRefused("invalid_token", "the macaroon's identifier is not an L402 one")
        version, payment_hash, token_id = _IDENTIFIER.unpack(identifier)
        if version != VERSION:
            raise TokenRefused("invalid_token", f"unknown L402 identifier version {version}")
        valid_until: list[int] = []

        def satisfied(caveat: str) -> bool:
            key, _, value = caveat.partition("=")
            if caveat == SERVICE_CAVEAT:
                return True
            if key == VALID_UNTIL and value.isdigit():
                valid_until.append(int(value))
                return True
            return False

        verifier = Verifier()
        verifier.satisfy_general(satisfied)
        try:
            verifier.verify(macaroon, self.root_key(token_id))
        except MacaroonInvalidSignatureException:
            raise TokenRefused(
                "invalid_token", "the macaroon's signature does not verify"
            ) from None
        except MacaroonUnmetCaveatException as exc:
            raise TokenRefused("invalid_token", f"a caveat is not satisfied: {exc}") from None
        except MacaroonException as exc:
            raise TokenRefused("invalid_token", f"the macaroon does not verify: {exc}") from None
        until = min(valid_until, default=0)
        if not valid_until:
            raise TokenRefused("invalid_token", f"the macaroon has no {VALID_UNTIL} caveat")
        if now >= until:
            raise TokenRefused("token_expired", f"the token expired ({VALID_UNTIL}={until})")
        return Token(payment_hash.hex(), token_id.hex(), until)


def preimage_pays(preimage: str, payment_hash: str) -> bool:
    """Whether a preimage is the one whose sha256 is the payment hash (it proves payment)."""
    return hashlib.sha256(bytes.fromhex(preimage)).hexdigest() == payment_hash


def _padded(text: str) -> str:
    return text + "=" * (-len(text) % 4)
