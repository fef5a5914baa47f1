"""sms4sats state and rules: prepaid accounts, orders paid by hold invoices, their timelines.

Money follows one rule: the user is charged exactly when the service delivers. A receive order's
invoice settles when its first code arrives; a send order's when the message is sent; a fund
order's when it is paid (crediting the balance). Every other ending cancels the invoice (the held
funds go back) or, for orders paid from a balance, refunds the balance. Each step of a timeline
is an event on the clock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from mock_server.apis.sms4sats.accounts import Account, Funding, Referral
from mock_server.apis.sms4sats.errors import (
    ApiKeyRequired,
    BalanceTooLarge,
    CancelRefused,
    InsufficientBalance,
    InvalidRef,
    NoNumbers,
    OrderNotFound,
    Sms4satsError,
    TooManyRequests,
)
from mock_server.apis.sms4sats.orders import Order
from mock_server.apis.sms4sats.referrals import payee
from mock_server.apis.sms4sats.settings import Kind, Outcome, Settings
from mock_server.apis.timeline import OrderTimeline
from mock_server.engine.clock import iso_utc
from mock_server.engine.numbers import is_ascii_digits
from mock_server.engine.persistence import Rows, Shared
from mock_server.engine.ratelimit import RateLimits
from mock_server.engine.scenarios import ScenarioError, ScenarioFieldError
from mock_server.engine.store import Backend
from mock_server.lightning import MAX_SATS, InvoiceState, LightningNode, PaymentError

if TYPE_CHECKING:
    from mock_server.engine.scenarios import Scenario
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


class Sms4satsBackend(Backend):
    """All sms4sats state. Public methods take the state lock; event handlers run under it."""

    def __init__(self, sim: Simulation) -> None:
        super().__init__(sim)
        self.limits = RateLimits()
        self.accounts: dict[str, Account] = {}
        self.orders: dict[str, Order] = {}
        self.fundings: list[Funding] = []
        self.referrals: list[Referral] = []
        steps: dict[str, Callable[[Order], Any]] = {  # the steps of an order's timeline
            "auto-pay": self._auto_pay,
            "number": self._assign_number,
            "no number": lambda order: self._fail(order, NO_NUMBER),
            "code": lambda order: self.deliver_code(order.order_id),
            "auto-cancel": self._auto_cancel,
            "sent": self._sent,
            "delivered": self._delivered,
            "send failed": self._send_failed,
        }
        self.timeline = OrderTimeline(self, "sms4sats", steps, label=lambda oid: oid[:12])

    # -- scenario ------------------------------------------------------------------------
    def read_settings(self, scenario: Scenario) -> Settings:
        try:
            return Settings.from_scenario(scenario.section("sms4sats"), self.sim.seed)
        except ScenarioFieldError as exc:
            raise scenario.refuse(exc) from None
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
            self._check_room(api_key, amount)
            return self._credit(api_key, amount)

    def _check_room(self, api_key: str, amount: int) -> None:
        """New money may not take a balance past every sat there is (refunds always go back)."""
        if self.account(api_key).balance + amount > MAX_SATS:
            raise BalanceTooLarge()

    def _credit(self, api_key: str, amount: int) -> Account:
        account = self.accounts.setdefault(api_key, Account(api_key, 0))
        account.balance += amount
        self.changed("accounts", api_key)
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
        self.changed("accounts", api_key)

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
        self._check_ref(ref)
        settings = self.settings
        catalog = settings.catalog
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
            order.country, order.service = found, offered.code  # the catalog's string, shared
            order.rental, order.realphone, order.ref = rental, realphone, ref
            order.outcome = settings.outcome("receive", found, service)
            return self._open(order)

    def _check_ref(self, ref: str | None) -> None:
        """An empty ref is no referral; one naming no payee is refused only when the scenario
        says ``invalid_ref: refuse`` (otherwise the order goes through and pays no referral)."""
        if ref and ref.strip() and payee(ref) is None and self.settings.invalid_ref == "refuse":
            raise InvalidRef()

    def create_send_order(
        self,
        kind: Kind,
        destination: str,
        message: str,
        *,
        api_key: str | None = None,
        immediate: bool = False,
        webhook_url: str | None = None,
        ref: str | None = None,
    ) -> Order:
        self._check_ref(ref)
        price = self.settings.catalog.price("send")
        with self.sim.lock:
            order = self._new_order(kind, price, f"sms4sats {kind} message", api_key, immediate)
            order.ref = ref
            order.destination, order.message, order.webhook_url = destination, message, webhook_url
            order.send_id = "SM" + self.sim.random.randbytes(16).hex()
            order.outcome = self.settings.outcome(kind, None, None)
            return self._open(order)

    def create_fund_order(self, api_key: str, amount: int) -> Order:
        with self.sim.lock:
            self._check_room(api_key, amount)
            order = self._new_order("fund", amount, "fund account", api_key, immediate=False)
            return self._open(order)

    def _new_order(
        self, kind: Kind, price: int, description: str, api_key: str | None, immediate: bool
    ) -> Order:
        settings = self.settings
        if immediate:
            self._debit(api_key, price)  # raises before anything is created
            order_id = hashlib.sha256(self.sim.random.randbytes(32)).hexdigest()
            order = Order(
                order_id, kind, price, self.now, api_key=api_key, immediate=True, settings=settings
            )
        else:
            invoice = self.node.create_invoice(
                price,
                description,
                expiry=settings.invoice_expiry,
                min_final_cltv_expiry=settings.min_final_cltv_expiry,
                network=settings.network,
            )
            order = Order(
                invoice.payment_hash,
                kind,
                price,
                self.now,
                api_key=api_key,
                invoice=invoice,
                settings=settings,  # given, not a default Settings() made and thrown away
            )
            invoice.listener = self
        order.scenario = self.sim.request_scenario().name
        self.orders[order.order_id] = order
        self.changed("orders", order.order_id)
        return order

    def _open(self, order: Order) -> Order:
        if order.immediate:
            self._paid(order)
        elif (after := order.settings.timing.auto_pay_after) is not None:
            invoice = order.invoice
            assert invoice is not None
            self._at(order, after, "auto-pay")
        return order

    def _auto_pay(self, order: Order) -> None:
        invoice = order.invoice
        if invoice is not None and invoice.state is InvoiceState.OPEN:
            with suppress(PaymentError):  # expired meanwhile: nothing to pay
                self.node.pay_invoice(invoice)

    # -- the invoice's news (this backend listens to its orders' invoices) -----------------
    def invoice_accepted(self, invoice: HoldInvoice) -> None:
        order = self.orders[invoice.payment_hash]
        self._paid(order)
        self.changed("orders", order.order_id)

    def invoice_canceled(self, invoice: HoldInvoice) -> None:
        order = self.orders[invoice.payment_hash]
        self._invoice_canceled(order)
        self.changed("orders", order.order_id)

    # -- timelines -----------------------------------------------------------------------
    def _at(self, order: Order, seconds: float, what: str) -> None:
        self.timeline.after(order.order_id, seconds, what)

    def _paid(self, order: Order) -> None:
        order.paid_at = self.now
        timing = order.settings.timing
        if order.kind == "fund":
            self._charge(order)
            account = self._credit(order.api_key or "", order.price)
            invoice = order.invoice
            assert invoice is not None
            self.changed("fundings", len(self.fundings))
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
                self._at(order, timing.number_after, "no number")
                return
            self._at(order, timing.number_after, "number")
            if outcome.outcome == "code":
                code_after = (
                    outcome.code_after if outcome.code_after is not None else timing.code_after
                )
                self._at(order, code_after, "code")
            self._at(order, timing.auto_cancel_after, "auto-cancel")
            return
        self._notify(order)
        if order.outcome.outcome == "failed":
            self._at(order, timing.sent_after, "send failed")
            return
        self._at(order, timing.sent_after, "sent")
        if order.outcome.outcome == "delivered":
            self._at(order, timing.delivered_after, "delivered")

    def _assign_number(self, order: Order) -> None:
        if order.number is not None or order.error is not None:
            return
        rng = self.sim.random_for("sms4sats.number", order.order_id)
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
            self.changed("orders", order.order_id)
            rng = self.sim.random_for("sms4sats.code", order.order_id, len(order.codes))
            new_code = code if code is not None else str(rng.randint(100000, 999999))
            order.codes = (*order.codes, new_code)
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
            self.node.settle(order.invoice.payment_hash)
        target = payee(order.ref) if order.ref else None
        if target is not None and order.settings.referral_percent:
            amount = order.price * order.settings.referral_percent // 100
            self.changed("referrals", len(self.referrals))
            at = iso_utc(self.sim.clock.now())
            self.referrals.append(
                Referral(order.order_id, order.ref or "", amount, at, target.kind, target.pays_to)
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
            self.node.cancel(order.invoice.payment_hash)  # idempotent; marks the refund
        elif order.immediate and order.api_key and not order.refunded:
            order.refunded = True
            self._credit(order.api_key, order.price)

    def _invoice_canceled(self, order: Order) -> None:
        """The invoice was canceled: by the order's own ending, or by expiring unpaid."""
        order.refunded = order.paid
        if order.error is None and order.sms_status != "failed":
            order.error = EXPIRED if not order.paid else CANCELED
            self._cancel_events(order)

    def _cancel_events(self, order: Order) -> None:
        self.timeline.cancel(order.order_id)

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
            self.changed("orders", order.order_id)
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
                        if order.settings.code_type == "number" and is_ascii_digits(code)
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

    def describe(self, order: Order) -> dict[str, Any]:
        """Everything about the order, with the events still to come on its timeline."""
        with self.sim.lock:
            return order.describe(self.timeline.pending(order.order_id))

    # -- state files ---------------------------------------------------------------------
    def dump_records(self) -> Iterable[tuple[str, str, Any]]:
        for api_key, account in self.accounts.items():
            yield "accounts", api_key, asdict(account)
        for order_id, order in self.orders.items():
            yield "orders", order_id, order.to_record()
        for index, funding in enumerate(self.fundings):
            yield "fundings", str(index), asdict(funding)
        for index, referral in enumerate(self.referrals):
            yield "referrals", str(index), asdict(referral)

    def record(self, table: str, key: str) -> Any | None:
        if table == "accounts":
            account = self.accounts.get(key)
            return asdict(account) if account else None
        if table == "orders":
            order = self.orders.get(key)
            return order.to_record() if order else None
        items: list[Any] = self.fundings if table == "fundings" else self.referrals
        return asdict(items[int(key)]) if int(key) < len(items) else None

    def restore_records(self, tables: Rows) -> None:
        for api_key, record in tables.get("accounts", []):
            self.accounts[api_key] = Account(**record)
        by_index = sorted(tables.get("fundings", []), key=lambda row: int(row[0]))
        self.fundings = [Funding(**record) for _, record in by_index]
        by_index = sorted(tables.get("referrals", []), key=lambda row: int(row[0]))
        self.referrals = [Referral(**record) for _, record in by_index]
        settings: dict[str, Settings] = {}
        shared = Shared()
        for order_id, record in tables.get("orders", []):  # row by row, then in order
            for field_name in ("kind", "api_key", "service", "sms_status", "scenario", "error"):
                record[field_name] = shared(record[field_name])
            name = record["scenario"]
            if name not in settings:
                settings[name] = self.read_settings(self.sim.stored_scenario(name))
            self.orders[order_id] = self._order_from_record(record, settings[name])
        self.orders = dict(sorted(self.orders.items(), key=lambda item: item[1].created_at))

    def _order_from_record(self, record: dict[str, Any], settings: Settings) -> Order:
        country = settings.catalog.country(record["country"]) if record["country"] else None
        invoice = self.node.invoice(record["order_id"]) if not record["immediate"] else None
        if invoice is not None:
            invoice.listener = self
        fields = {k: v for k, v in record.items() if k not in ("outcome", "country", "codes")}
        return Order(
            **fields,
            outcome=Outcome(**record["outcome"]),
            country=country,
            codes=tuple(record["codes"]),
            invoice=invoice,
            settings=settings,
        )

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
