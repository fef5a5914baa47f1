"""sms4sats prepaid money: accounts (known by their X-API-Key), paid fundings, referral payouts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class Account:
    """A prepaid account, known by its X-API-Key. Sats, exact integers, never negative."""

    api_key: str
    balance: int = 0


@dataclass(slots=True)
class Funding:
    """A paid /fund order, as /history lists it."""

    amount: int
    created_ms: int
    preimage: str
    preimage_hash: str
    api_key: str

    def to_history(self) -> dict[str, Any]:
        return {
            "amount": self.amount,
            "createdAt": self.created_ms,
            "desc": "fund account",
            "description": "fund account",
            "holdinvoice": True,
            "preimage": self.preimage,
            "preimageHash": self.preimage_hash,
            "price": self.amount,
            "userId": self.api_key,
        }


@dataclass(slots=True)
class Referral:
    """A payout to the `ref` of a settled order: ``address`` as sent, ``pays_to`` the Lightning
    address or the URL its LNURL decodes to."""

    order_id: str
    address: str
    amount: int
    at: str
    kind: str = "lightning-address"
    pays_to: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "address": self.address,
            "kind": self.kind,
            "pays_to": self.pays_to or self.address,
            "amount": self.amount,
            "at": self.at,
        }
