"""An L402 order, its statuses, its refund, and its record in a state file."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from mock_server.apis.l402.settings import Outcome, Settings
from mock_server.engine.clock import iso_at

AWAITING_PAYMENT = "awaiting_payment"
PAID = "paid"  # no number yet
WAITING = "waiting_for_sms"
CODE_RECEIVED = "code_received"
ACTIVE = "active"  # a rented number
COMPLETED = "completed"
REFUNDED = "refunded"
FAILED = "failed"
EXPIRED = "expired"
CANCELLED = "cancelled"
FINAL = frozenset({COMPLETED, REFUNDED, FAILED, EXPIRED, CANCELLED})


@dataclass(slots=True)
class Refund:
    """The price paid back to the order's refundInvoice (or nowhere, when it has none)."""

    status: str  # pending, paid, failed, none
    sats: int
    reason: str
    paid_at: float | None = None
    payment_hash: str | None = None  # the refundInvoice's

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"status": self.status, "sats": self.sats, "reason": self.reason}
        if self.paid_at is not None:
            body["paidAt"] = iso_at(self.paid_at)
        return body


@dataclass(slots=True)
class L402Order:
    order_id: str
    type: str
    service: str
    country: str
    price: int  # sats
    created_at: float
    payment_hash: str  # of the challenge's invoice
    token_id: str
    macaroon: str
    valid_until: int  # the macaroon's caveat
    status: str = AWAITING_PAYMENT
    days: int = 1  # rent-number
    reactivates: str | None = None
    refund_invoice: str | None = None
    refund_to: str | None = None  # the refundInvoice's payment hash
    refund_expires_at: float | None = None
    refund_msat: int | None = None  # the amount the refundInvoice asks for, if any
    paid_at: float | None = None
    number: str | None = None
    messages: tuple[tuple[str, float], ...] = ()  # (code, received at)
    ends_at: float | None = None  # the code window's end, or the rental's
    refund: Refund | None = None
    outcome: Outcome = field(default_factory=lambda: Outcome("code"))
    settings: Settings = field(default_factory=Settings, repr=False)
    scenario: str = ""

    @property
    def paid(self) -> bool:
        return self.paid_at is not None

    @property
    def final(self) -> bool:
        return self.status in FINAL

    @property
    def code(self) -> str | None:
        return self.messages[-1][0] if self.messages else None

    @property
    def refunded_sats(self) -> int:
        return self.refund.sats if self.refund is not None and self.refund.status == "paid" else 0

    def challenge(self, payreq: str, invoice_expires_at: float) -> dict[str, Any]:
        """What a 402 (or 401) hands back: everything an agent needs to pay and retry."""
        return {
            "orderId": self.order_id,
            "type": self.type,
            "service": self.service,
            "country": self.country,
            "priceSats": self.price,
            "macaroon": self.macaroon,
            "invoice": payreq,
            "paymentHash": self.payment_hash,
            "expiresAt": iso_at(invoice_expires_at),
        }

    def status_body(self) -> dict[str, Any]:
        """The order as GET /v2/l402/order/{id} shows it."""
        body: dict[str, Any] = {
            "orderId": self.order_id,
            "type": self.type,
            "status": self.status,
            "service": self.service,
            "country": self.country,
            "priceSats": self.price,
            "createdAt": iso_at(self.created_at),
        }
        if self.paid_at is not None:
            body["paidAt"] = iso_at(self.paid_at)
        if self.number is not None:
            body["phoneNumber"] = self.number
        if self.messages:
            body["code"] = self.code
            if self.type == "rent-number":
                body["messages"] = [
                    {"code": code, "text": _text(code), "receivedAt": iso_at(at)}
                    for code, at in self.messages
                ]
        if self.ends_at is not None:
            body["expiresAt"] = iso_at(self.ends_at)
        if self.reactivates is not None:
            body["reactivates"] = self.reactivates
        if self.refund is not None:
            body["refund"] = self.refund.to_json()
        return body

    def to_record(self) -> dict[str, Any]:
        record = {
            name: getattr(self, name)
            for name in self.__slots__  # type: ignore[attr-defined]
            if name not in ("settings", "outcome", "refund", "messages")
        }
        record.update(
            outcome=asdict(self.outcome),
            refund=asdict(self.refund) if self.refund is not None else None,
            messages=[list(m) for m in self.messages],
        )
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any], settings: Settings) -> L402Order:
        fields = {k: v for k, v in record.items() if k not in ("outcome", "refund", "messages")}
        refund = record.get("refund")
        return cls(
            **fields,
            outcome=Outcome(**record["outcome"]),
            refund=Refund(**refund) if refund else None,
            messages=tuple((code, at) for code, at in record["messages"]),
            settings=settings,
        )


def _text(code: str) -> str:
    return f"Your verification code is {code}"
