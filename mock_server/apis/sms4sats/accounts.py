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
    order_id: str
    address: str
    amount: int
    at: str
