"""sms4sats state and rules: prepaid accounts, orders paid by hold invoices, their timelines.

Money follows one rule: the user is charged exactly when the service delivers. A receive order's
invoice settles when its first code arrives; a send order's when the message is sent; a fund
order's when it is paid (crediting the balance). Every other ending cancels the invoice (the held
funds go back) or, for orders paid from a balance, refunds the balance. Each step of a timeline
is an event on the clock.
"""

from __future__ import annotations

import hashlib
from contextlib import suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mock_server.apis.sms4sats.catalog import Country
from mock_server.apis.sms4sats.errors import (
    ApiKeyRequired,
    CancelRefused,
    InsufficientBalance,
    NoNumbers,
    OrderNotFound,
    Sms4satsError,
    TooManyRequests,
)
from mock_server.apis.sms4sats.settings import Kind, Outcome, Settings
from mock_server.engine.clock import iso_utc
from mock_server.engine.ratelimit import RateLimits
from mock_server.engine.scenarios import ScenarioError
from mock_server.engine.store import Backend
from mock_server.lightning import InvoiceState, LightningNode, PaymentError

if TYPE_CHECKING:
    from mock_server.engine.scenarios import Scenario
    from mock_server.engine.scheduler import Event
    from mock_server.engine.simulation import Simulation
    from mock_server.lightning import HoldInvoice

REFUND = "Your funds are returned to your wallet automatically."
NO_NUMBER = f"No available number, payment request is canceled. {REFUND}"  # documented
NO_CODE = f"No code received in time, payment request is canceled. {REFUND}"
CANCELED = f"Order canceled, payment request is canceled. {REFUND}"
EXPIRED = "Payment request expired before it was paid."


class OrderConflict(Sms4satsError):
    """A simulated event the order's state does not allow (control API)."""

    status = 409


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
    events: list[Event] = field(default_factory=list, repr=False)
    # receive orders
    country: Country | None = None
    service: str | None = None
    rental: bool = False
    realphone: bool = False
    ref: str | None = None
    activation_id: int | None = None
    number: int | None = None
    number_ms: int | None = None
    codes: list[str] = field(default_factory=list)
    # send and email orders
    destination: str | None = None
    message: str | None = None
    send_id: str | None = None
    sms_status: str = "created"
    webhook_url: str | None = None
    # The scenario settings in force when the order was made: its timeline follows them.
    settings: Settings = field(default_factory=Settings, repr=False)

    @property
    def paid(self) -> bool:
        return self.paid_at is not None

    @property
    def created_ms(self) -> int:
        return int(self.created_at * 1000)

    def describe(self) -> dict[str, Any]:
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
            "pending_events": [e.name for e in self.events if not e.cancelled],
        }


class Sms4satsBackend(Backend):
    """All sms4sats state. Public methods take the state lock; event handlers run under it."""

    def __init__(self, sim: Simulation) -> None:
        super().__init__(sim)
        self.limits = RateLimits()
        self.accounts: dict[str, Account] = {}
        self.orders: dict[str, Order] = {}
        self.fundings: list[Funding] = []
        self.referrals: list[Referral] = []

    # -- scenario ------------------------------------------------------------------------
    def read_settings(self, scenario: Scenario) -> Settings:
        try:
            return Settings.from_scenario(scenario.section("sms4sats"), self.sim.seed)
        except ValueError as exc:
            raise ScenarioError(f"{scenario.source}: {exc}") from None

    def load_scenario(self, scenario: Scenario) -> None:
        self.forget_settings()
        for seed in scenario.accounts("sms4sats"):
            key = seed["api_key"]
            self.accounts.setdefault(key, Account(key, int(seed.get("balance", 0))))

    @property
    def settings(self) -> Settings:
        """The settings of the scenario the current request is served under."""
        settings: Settings = self.request_settings()
        return settings

    def throttle(self, client: str) -> None:
        """The scenario's optional rate limit, per client address; 429 over it."""
        rate = self.settings.rate_limit
        if not rate.enabled:
            return
        bucket = self.sim.request_scenario().name
        decision = self.limits.check(bucket, client, rate.limit, rate.window, self.now)
        if not decision.allowed:
            raise TooManyRequests(headers={"Retry-After": str(decision.retry_after)})

    @property
    def node(self) -> LightningNode:
        node = self.sim.backend("lightning")
        assert isinstance(node, LightningNode)
        return node

    @property
    def now(self) -> float:
        return self.sim.clock.timestamp()

    # -- accounts ------------------------------------------------------------------------
    def account(self, api_key: str) -> Account:
        """The account of a key; a key never seen has an empty one (it is created on funding)."""
        with self.sim.lock:
            return self.accounts.get(api_key) or Account(api_key, 0)

    def top_up(self, api_key: str, amount: int) -> Account:
        """Add ``amount`` sats (control API); creates the account."""
        with self.sim.lock:
            account = self.accounts.setdefault(api_key, Account(api_key, 0))
            account.balance += amount
            return account

    def history(self, api_key: str) -> list[Funding]:
        with self.sim.lock:
            return [f for f in self.fundings if f.api_key == api_key]

    def _debit(self, api_key: str | None, amount: int) -> None:
        if not api_key:
            raise ApiKeyRequired()
        account = self.accounts.get(api_key)
        if account is None or account.balance < amount:
            have = account.balance if account else 0
            raise InsufficientBalance(
                f"Insufficient balance: the order costs {amount} sats, the balance is {have}."
            )
        account.balance -= amount

    # -- creating orders -----------------------------------------------------------------
    def create_receive_order(
        self,
        country: int | str,
        service: str,
        *,
        api_key: str | None = None,
        immediate: bool = False,
        rental: bool = False,
        realphone: bool = False,
        ref: str | None = None,
    ) -> Order:
        catalog = self.settings.catalog
        found = catalog.country(country)
        offered = catalog.service(service)
        if catalog.count(found, offered) <= 0:
            raise NoNumbers(f"No available number for {service} in {found.name}.")
        kind = "rent" if rental else "s4s" if realphone else "receive"
        price = catalog.price(kind, found, service)
        with self.sim.lock:
            order = self._new_order(
                "receive", price, f"sms4sats payment {found.name} {service}", api_key, immediate
            )
            order.country, order.service = found, service
            order.rental, order.realphone, order.ref = rental, realphone, ref
            order.outcome = self.settings.outcome("receive", found, service)
            return self._open(order)

    def create_send_order(
        self,
        kind: Kind,
        destination: str,
        message: str,
        *,
        api_key: str | None = None,
        immediate: bool = False,
        webhook_url: str | None = None,
    ) -> Order:
        price = self.settings.catalog.price("send")
        with self.sim.lock:
            order = self._new_order(kind, price, f"sms4sats {kind} message", api_key, immediate)
            order.destination, order.message, order.webhook_url = destination, message, webhook_url
            order.send_id = "SM" + self.sim.random.randbytes(16).hex()
            order.outcome = self.settings.outcome(kind, None, None)
            return self._open(order)

    def create_fund_order(self, api_key: str, amount: int) -> Order:
        with self.sim.lock:
            order = self._new_order("fund", amount, "fund account", api_key, immediate=False)
            return self._open(order)

    def _new_order(
        self, kind: Kind, price: int, description: str, api_key: str | None, immediate: bool
    ) -> Order:
        if immediate:
            self._debit(api_key, price)  # raises before anything is created
            order_id = hashlib.sha256(self.sim.random.randbytes(32)).hexdigest()
            order = Order(order_id, kind, price, self.now, api_key=api_key, immediate=True)
        else:
            invoice = self.node.create_invoice(
                price,
                description,
                expiry=self.settings.invoice_expiry,
                min_final_cltv_expiry=self.settings.min_final_cltv_expiry,
                network=self.settings.network,
            )
            order = Order(
                invoice.payment_hash, kind, price, self.now, api_key=api_key, invoice=invoice
            )
            invoice.on_accepted.append(lambda _: self._paid(order))
            invoice.on_canceled.append(lambda _: self._invoice_canceled(order))
        order.settings = self.settings
        self.orders[order.order_id] = order
        return order

    def _open(self, order: Order) -> Order:
        if order.immediate:
            self._paid(order)
        elif (after := order.settings.timing.auto_pay_after) is not None:
            invoice = order.invoice
            assert invoice is not None
            self._at(order, after, "auto-pay", lambda: self._auto_pay(invoice))
        return order

    def _auto_pay(self, invoice: HoldInvoice) -> None:
        if invoice.state is InvoiceState.OPEN:
            with suppress(PaymentError):  # expired meanwhile: nothing to pay
                self.node.pay(invoice.payreq)

    # -- timelines -----------------------------------------------------------------------
    def _at(self, order: Order, seconds: float, what: str, action: Any) -> None:
        event = self.sim.scheduler.after(seconds, f"sms4sats {order.order_id[:12]} {what}", action)
        order.events.append(event)

    def _paid(self, order: Order) -> None:
        order.paid_at = self.now
        timing = order.settings.timing
        if order.kind == "fund":
            self._charge(order)
            account = self.accounts.setdefault(order.api_key or "", Account(order.api_key or "", 0))
            account.balance += order.price
            invoice = order.invoice
            assert invoice is not None
            self.fundings.append(
                Funding(
                    order.price,
                    order.created_ms,
                    invoice.preimage,
                    invoice.payment_hash,
                    account.api_key,
                )
            )
            return
        if order.kind == "receive":
            outcome = order.outcome
            if outcome.outcome == "no_number":
                self._at(
                    order, timing.number_after, "no number", lambda: self._fail(order, NO_NUMBER)
                )
                return
            self._at(order, timing.number_after, "number", lambda: self._assign_number(order))
            if outcome.outcome == "code":
                code_after = (
                    outcome.code_after if outcome.code_after is not None else timing.code_after
                )
                self._at(order, code_after, "code", lambda: self.deliver_code(order.order_id))
            self._at(
                order, timing.auto_cancel_after, "auto-cancel", lambda: self._auto_cancel(order)
            )
            return
        self._notify(order)
        if order.outcome.outcome == "failed":
            self._at(order, timing.sent_after, "send failed", lambda: self._send_failed(order))
            return
        self._at(order, timing.sent_after, "sent", lambda: self._sent(order))
        if order.outcome.outcome == "delivered":
            self._at(order, timing.delivered_after, "delivered", lambda: self._delivered(order))

    def _assign_number(self, order: Order) -> None:
        if order.number is not None or order.error is not None:
            return
        rng = self.sim.random
        country = order.country
        assert country is not None
        digits = 10 if country.dial == "1" else 9
        national = str(rng.randint(2, 9)) + "".join(
            str(rng.randint(0, 9)) for _ in range(digits - 1)
        )
        order.number = int(country.dial + national)
        order.activation_id = rng.randint(1_000_000_000, 1_999_999_999)
        order.number_ms = int(self.now * 1000)

    def deliver_code(self, order_id: str, code: str | None = None) -> Order:
        """A code arrives for a receive order (a timeline event, or the control API)."""
        with self.sim.lock:
            order = self._order(order_id)
            if order.kind != "receive":
                raise OrderConflict(
                    f"order {order_id} is a {order.kind} order: codes come to receive orders"
                )
            if not order.paid:
                raise OrderConflict(f"order {order_id} is not paid yet")
            if order.error is not None:
                raise OrderConflict(f"order {order_id} has ended: {order.error}")
            if order.codes and not order.rental:
                raise OrderConflict(f"order {order_id} has its code already")
            assert order.paid_at is not None
            if order.rental and self.now >= order.paid_at + order.settings.timing.rental_lifetime:
                raise OrderConflict(f"rental {order_id} has expired")
            self._assign_number(order)
            order.codes.append(
                code if code is not None else str(self.sim.random.randint(100000, 999999))
            )
            if not order.charged:
                self._charge(order)
                self._cancel_events(order)  # no auto-cancel once a code came
            return order

    def _auto_cancel(self, order: Order) -> None:
        if not order.codes:
            self._fail(order, NO_CODE)

    def _sent(self, order: Order) -> None:
        order.sms_status = "sent"
        self._charge(order)
        self._notify(order)

    def _delivered(self, order: Order) -> None:
        order.sms_status = "delivered"
        self._notify(order)

    def _send_failed(self, order: Order) -> None:
        """The documented `smsStatus: failed`; the payment goes back."""
        order.sms_status = "failed"
        self._cancel_events(order)
        self._release(order)
        self._notify(order)

    # -- money ---------------------------------------------------------------------------
    def _charge(self, order: Order) -> None:
        """The user pays for good: settle the held invoice (a balance debit simply stays)."""
        if order.charged:
            return
        order.charged = True
        if order.invoice is not None:
            order.invoice.settle(self.now)
        if order.ref and order.settings.referral_percent:
            amount = order.price * order.settings.referral_percent // 100
            self.referrals.append(
                Referral(order.order_id, order.ref, amount, iso_utc(self.sim.clock.now()))
            )

    def _fail(self, order: Order, reason: str) -> None:
        """End the order with an error, without charging: the payment goes back."""
        if order.error is not None or order.charged:
            return
        order.error = reason
        self._cancel_events(order)
        self._release(order)

    def _release(self, order: Order) -> None:
        """Cancel the invoice (held funds return), or credit a balance debit back, once."""
        if order.invoice is not None:
            order.invoice.cancel(self.now)  # idempotent; _invoice_canceled marks the refund
        elif order.immediate and order.api_key and not order.refunded:
            order.refunded = True
            self.accounts.setdefault(
                order.api_key, Account(order.api_key, 0)
            ).balance += order.price

    def _invoice_canceled(self, order: Order) -> None:
        """The invoice was canceled: by the order's own ending, or by expiring unpaid."""
        order.refunded = order.paid
        if order.error is None and order.sms_status != "failed":
            order.error = EXPIRED if not order.paid else CANCELED
            self._cancel_events(order)

    def _cancel_events(self, order: Order) -> None:
        for event in order.events:
            event.cancel()
        order.events.clear()

    # -- the documented operations -------------------------------------------------------
    def cancel_order(self, order_id: str) -> Order:
        """/cancelorder: a receive order without a code, at least 2 minutes old."""
        with self.sim.lock:
            order = self._order(order_id)
            if order.kind != "receive":
                raise CancelRefused(
                    f"only receive orders can be canceled; this is a {order.kind} order"
                )
            if order.codes:
                raise CancelRefused(
                    "a code was received: the order is complete and cannot be canceled"
                )
            if order.error is not None:
                return order  # canceled or failed already: canceling again changes nothing
            wait = order.created_at + order.settings.timing.cancel_allowed_after - self.now
            if wait > 0:
                allowed = order.settings.timing.cancel_allowed_after
                raise CancelRefused(
                    f"orders can be canceled {allowed:g} seconds after they were created;"
                    f" {wait:.0f} seconds to go"
                )
            self._fail(order, CANCELED)
            return order

    def order(self, order_id: str) -> Order:
        with self.sim.lock:
            return self._order(order_id)

    def _order(self, order_id: str) -> Order:
        order = self.orders.get(order_id.strip().lower())
        if order is None:
            raise OrderNotFound(f"order {order_id} not found")
        return order

    def status(self, order: Order) -> dict[str, Any]:
        """The body of /orderstatus (and of webhooks)."""
        with self.sim.lock:
            body: dict[str, Any] = {"status": "OK", "paid": order.paid}
            if order.kind in ("send", "email"):
                if order.error is None:
                    body.update(
                        id=order.send_id, smsStatus=order.sms_status, timestamp=order.created_ms
                    )
                else:  # expired before it was paid
                    body["error"] = order.error
                return body
            if order.error is not None:
                body["error"] = order.error
                return body
            if order.kind == "receive" and order.number is not None:
                if order.codes:
                    code = order.codes[-1]
                    body["code"] = (
                        int(code)
                        if order.settings.code_type == "number" and code.isdigit()
                        else code
                    )
                body.update(
                    id=order.activation_id,
                    number=order.number,
                    timestamp=order.number_ms,
                    country=order.country.name if order.country else None,
                    service=order.service,
                )
            return body

    # -- webhooks ------------------------------------------------------------------------
    def _notify(self, order: Order) -> None:
        if order.webhook_url:
            self.sim.callbacks.send(
                "sms4sats",
                order.sms_status,
                order.webhook_url,
                self.status(order),
                order.settings.webhook_retry,
            )


__all__ = ["Account", "Order", "OrderConflict", "Sms4satsBackend", "Sms4satsError"]
