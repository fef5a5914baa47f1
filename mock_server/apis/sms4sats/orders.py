"""An sms4sats order of any kind (receive, send, email, fund) and its record in a state file."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from mock_server.apis.sms4sats.settings import Kind, Outcome, Settings

if TYPE_CHECKING:
    from mock_server.apis.sms4sats.catalog import Country
    from mock_server.lightning import HoldInvoice


@dataclass(slots=True)
class Order:
    """One order of any kind; ``order_id`` is the payment hash of its invoice."""

    order_id: str
    kind: Kind
    price: int
    created_at: float
    api_key: str | None = None
    immediate: bool = False
    invoice: HoldInvoice | None = None
    outcome: Outcome = field(default_factory=lambda: Outcome("code"))
    paid_at: float | None = None
    charged: bool = False  # the user paid for good (invoice settled, or balance kept)
    refunded: bool = False  # held funds returned (invoice canceled, or balance credited back)
    error: str | None = None
    # receive orders
    country: Country | None = None
    service: str | None = None
    rental: bool = False
    realphone: bool = False
    ref: str | None = None
    activation_id: int | None = None
    number: int | None = None
    number_ms: int | None = None
    codes: tuple[str, ...] = ()  # a tuple: most orders get one code or none
    # send and email orders
    destination: str | None = None
    message: str | None = None
    send_id: str | None = None
    sms_status: str = "created"
    webhook_url: str | None = None
    # The scenario settings in force when the order was made: its timeline follows them.
    settings: Settings = field(default_factory=Settings, repr=False)
    scenario: str = ""  # the name of that scenario, to find the settings again after a restart

    @property
    def paid(self) -> bool:
        return self.paid_at is not None

    @property
    def created_ms(self) -> int:
        return int(self.created_at * 1000)

    def describe(self, pending_events: list[str]) -> dict[str, Any]:
        """Everything about the order, for the control API."""
        return {
            "orderId": self.order_id,
            "kind": self.kind,
            "price": self.price,
            "immediate": self.immediate,
            "api_key": self.api_key,
            "paid": self.paid,
            "charged": self.charged,
            "refunded": self.refunded,
            "invoice_state": self.invoice.state.value if self.invoice else None,
            "outcome": self.outcome.outcome,
            "country": self.country.name if self.country else None,
            "service": self.service,
            "rental": self.rental,
            "realphone": self.realphone,
            "ref": self.ref,
            "number": self.number,
            "codes": list(self.codes),
            "destination": self.destination,
            "smsStatus": self.sms_status if self.kind in ("send", "email") else None,
            "webhookUrl": self.webhook_url,
            "error": self.error,
            "pending_events": pending_events,
        }

    def to_record(self) -> dict[str, Any]:
        """The order for a state file: its invoice by payment hash, its settings by scenario."""
        record = {
            name: getattr(self, name)
            for name in self.__slots__  # type: ignore[attr-defined]
            if name not in ("invoice", "outcome", "country", "settings", "codes")
        }
        record.update(
            outcome=asdict(self.outcome),
            country=self.country.name if self.country else None,
            codes=list(self.codes),
        )
        return record
