"""The `ref` of an order: where its referral payout goes.

The documents ask for "a valid lightning address"; public clients in production also send an
LNURL (bech32 ``lnurl1…``, LUD-01) and an empty string when they have no payout address. An
empty `ref` means no referral; a Lightning address (LUD-16) or an LNURL that decodes to a URL is
a payee; anything else is not (the order goes through, or is refused when the scenario says
``invalid_ref: refuse``), and no payout is ever made to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from bech32 import bech32_decode, convertbits

RefKind = Literal["lightning-address", "lnurl"]

# LUD-16: a lowercase user name of a-z0-9-_. (and + for tags), at a domain name.
_ADDRESS = re.compile(
    r"[a-z0-9._+-]{1,64}@(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)
_LNURL_PREFIX = "lightning:"
MAX_LNURL = 2048


@dataclass(frozen=True)
class Payee:
    """A valid referral target: what was sent, what kind it is, and the URL or address paid."""

    ref: str
    kind: RefKind
    pays_to: str


def payee(ref: str) -> Payee | None:
    """The payee a `ref` names, or None when it names none (empty, or not valid)."""
    text = ref.strip()
    if not text:
        return None
    if _ADDRESS.fullmatch(text.lower()):
        return Payee(ref, "lightning-address", text.lower())
    url = lnurl_decode(text)
    return Payee(ref, "lnurl", url) if url is not None else None


def lnurl_decode(text: str) -> str | None:
    """The URL a bech32 LNURL (optionally ``lightning:``-prefixed) encodes, or None.

    LUD-01: the HRP is ``lnurl`` and the data a UTF-8 URL, https (or http on an onion host).
    """
    if text.lower().startswith(_LNURL_PREFIX):
        text = text[len(_LNURL_PREFIX) :]
    if len(text) > MAX_LNURL or not text.lower().startswith("lnurl1"):
        return None
    hrp, data = bech32_decode(text)
    if hrp != "lnurl" or not data:
        return None
    raw = convertbits(data, 5, 8, False)
    if raw is None:
        return None
    try:
        url = bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    secure = parts.scheme == "https" or (parts.scheme == "http" and host.endswith(".onion"))
    return url if secure and host else None
