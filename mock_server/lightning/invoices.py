"""Hold invoices and their state machine, as LND's invoicesrpc keeps them.

OPEN -> ACCEPTED (paid; the payer's funds are held) -> SETTLED (the preimage is revealed and the
funds are the receiver's) or CANCELED (the held funds return to the payer). Settling needs
ACCEPTED; cancelling a SETTLED invoice fails; cancelling twice is harmless.

An ordinary invoice (``hold=False``, as an L402 challenge's) settles as it is paid: the payer
learns the preimage from the payment itself.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

# Every sat there will ever be: 21 million BTC. No invoice, and no balance, holds more.
MAX_SATS = 21_000_000 * 100_000_000


def derived_secret(preimage: bytes) -> bytes:
    """An invoice's payment secret, from its preimage: as unguessable as the preimage, and one
    way (the secret is in the payment request; the preimage is not given away by it)."""
    return hashlib.sha256(b"sms-mock payment secret" + preimage).digest()


class InvoiceState(StrEnum):
    OPEN = "OPEN"
    ACCEPTED = "ACCEPTED"
    SETTLED = "SETTLED"
    CANCELED = "CANCELED"


class InvoiceStateError(Exception):
    """A transition the invoice's state does not allow."""


class InvoiceListener(Protocol):
    """Who wants to hear about payment and cancellation (the order the invoice pays for)."""

    def invoice_accepted(self, invoice: HoldInvoice) -> None: ...

    def invoice_canceled(self, invoice: HoldInvoice) -> None: ...


class PaymentRequests(Protocol):
    """Who makes an invoice's BOLT11 payment request (the node that signs it)."""

    def payreq(self, invoice: HoldInvoice) -> str: ...


@dataclass(slots=True)
class HoldInvoice:
    payment_hash: str
    # 32 bytes, kept as bytes (65 B) rather than hex text (113 B): 100,000 invoices.
    preimage_bytes: bytes
    # None: the secret derived from the preimage (:func:`derived_secret`), 65 B an invoice
    # not kept; bytes: another one (an invoice from an older state file).
    secret_bytes: bytes | None
    amount_sat: int
    description: str
    created_at: int  # unix seconds, as in the payment request
    expiry: int
    min_final_cltv_expiry: int
    network: str = "bc"
    hold: bool = True  # False: an ordinary invoice, SETTLED the moment it is paid
    state: InvoiceState = InvoiceState.OPEN
    accepted_at: float | None = None
    settled_at: float | None = None
    canceled_at: float | None = None
    listener: InvoiceListener | None = field(default=None, repr=False, compare=False)
    issuer: PaymentRequests | None = field(default=None, repr=False, compare=False)

    @property
    def preimage(self) -> str:
        """The preimage in hex (its sha256 is the payment hash)."""
        return self.preimage_bytes.hex()

    @property
    def secret(self) -> bytes:
        """The payment secret (BOLT11's ``s`` field; a payer proves it knows the invoice)."""
        if self.secret_bytes is not None:
            return self.secret_bytes
        return derived_secret(self.preimage_bytes)

    @property
    def payment_secret(self) -> str:
        return self.secret.hex()

    @property
    def payreq(self) -> str:
        """The BOLT11 payment request. Made again by the issuing node when asked (its signature
        is deterministic, so it is the same string) rather than kept: 420 characters an invoice
        are 45 MB for 100,000 orders."""
        if self.issuer is None:
            raise ValueError("an invoice no node issued has no payment request")
        return self.issuer.payreq(self)

    @property
    def expires_at(self) -> int:
        return self.created_at + self.expiry

    @property
    def is_final(self) -> bool:
        return self.state in (InvoiceState.SETTLED, InvoiceState.CANCELED)

    def accept(self, now: float) -> None:
        """The payer's HTLC arrived and is held."""
        if self.state is not InvoiceState.OPEN:
            raise InvoiceStateError(f"invoice is {self.state.value}, not OPEN: it cannot be paid")
        if now >= self.expires_at:
            raise InvoiceStateError("invoice expired")
        self.state = InvoiceState.ACCEPTED
        self.accepted_at = now
        if self.listener is not None:
            self.listener.invoice_accepted(self)

    def settle(self, now: float) -> None:
        """Reveal the preimage: the held funds are taken."""
        if self.state is not InvoiceState.ACCEPTED:
            raise InvoiceStateError(
                f"invoice is {self.state.value}: only an ACCEPTED invoice settles"
            )
        self.state = InvoiceState.SETTLED
        self.settled_at = now

    def cancel(self, now: float) -> bool:
        """Cancel: held funds return to the payer. Idempotent; False when it already was."""
        if self.state is InvoiceState.SETTLED:
            raise InvoiceStateError("invoice already settled: it cannot be canceled")
        if self.state is InvoiceState.CANCELED:
            return False
        self.state = InvoiceState.CANCELED
        self.canceled_at = now
        if self.listener is not None:
            self.listener.invoice_canceled(self)
        return True

    def to_record(self) -> dict[str, Any]:
        """Everything but the listener, for a state file."""
        return {
            "payment_hash": self.payment_hash,
            "preimage": self.preimage,
            "payment_secret": self.payment_secret,
            "amount_sat": self.amount_sat,
            "description": self.description,
            "created_at": self.created_at,
            "expiry": self.expiry,
            "min_final_cltv_expiry": self.min_final_cltv_expiry,
            "network": self.network,
            "hold": self.hold,
            "state": self.state.value,
            "accepted_at": self.accepted_at,
            "settled_at": self.settled_at,
            "canceled_at": self.canceled_at,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> HoldInvoice:
        fields = {
            k: v for k, v in record.items() if k not in ("preimage", "payment_secret", "state")
        }
        preimage = bytes.fromhex(record["preimage"])
        secret = bytes.fromhex(record["payment_secret"])
        return cls(
            **fields,
            preimage_bytes=preimage,
            secret_bytes=None if secret == derived_secret(preimage) else secret,
            state=InvoiceState(record["state"]),
        )

    def describe(self) -> dict[str, Any]:
        """The invoice as the control API shows it; the preimage only once SETTLED."""
        return {
            "payment_hash": self.payment_hash,
            "state": self.state.value,
            "hold": self.hold,
            "amount_sat": self.amount_sat,
            "description": self.description,
            "payreq": self.payreq,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "accepted_at": self.accepted_at,
            "settled_at": self.settled_at,
            "canceled_at": self.canceled_at,
            "preimage": self.preimage if self.state is InvoiceState.SETTLED else None,
        }
