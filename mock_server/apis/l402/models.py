"""L402 state and rules: orders paid by ordinary invoices, their tokens, timelines and refunds.

Money follows one rule: an agent pays the price when it pays the challenge's invoice (it
settles at once, revealing the preimage the token needs), and gets it back, to its
refundInvoice, exactly when the service fails it: no number, no code within the window, or a
cancel before any SMS. An order without a refundInvoice cannot be refunded (it says so).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from mock_server.apis.l402.catalog import REACTIVATE, RENT
from mock_server.apis.l402.errors import (
    Challenged,
    InvalidOrder,
    InvalidRefundInvoice,
    InvalidToken,
    L402Error,
    OrderConflict,
    OrderExpired,
    OrderNotFound,
)
from mock_server.apis.l402.orders import (
    ACTIVE,
    CANCELLED,
    CODE_RECEIVED,
    COMPLETED,
    EXPIRED,
    FAILED,
    PAID,
    REFUNDED,
    WAITING,
    L402Order,
    Refund,
)
from mock_server.apis.l402.settings import Settings
from mock_server.apis.l402.tokens import Credentials, TokenMinter, TokenRefused, preimage_pays
from mock_server.apis.timeline import OrderTimeline
from mock_server.engine.persistence import Rows
from mock_server.engine.scenarios import ScenarioError, ScenarioFieldError
from mock_server.engine.store import Backend
from mock_server.lightning import MAX_SATS, LightningNode, PayreqError, decode_payreq

if TYPE_CHECKING:
    from mock_server.engine.scenarios import Scenario
    from mock_server.engine.simulation import Simulation
    from mock_server.lightning import HoldInvoice

DAY = 86_400
PAY_FIRST = "Pay the invoice, then call again with Authorization: L402 <macaroon>:<preimage>."


class L402Backend(Backend):
    """All L402 state. Public methods take the state lock; event handlers run under it."""

    def __init__(self, sim: Simulation) -> None:
        super().__init__(sim)
        self.orders: dict[str, L402Order] = {}
        self.by_hash: dict[str, str] = {}  # the challenge invoice's payment hash -> order id
        secret = hashlib.sha256(f"sms-mock l402 root key {sim.seed}".encode()).digest()
        self.minter = TokenMinter(secret)
        steps: dict[str, Callable[[L402Order], Any]] = {
            "number": self._assign_number,
            "no number": lambda order: self._end(order, FAILED, "no number was available"),
            "code": lambda order: self.deliver_code(order.order_id),
            "window end": self._window_end,
            "complete": self._complete,
            "rental end": self._complete,
            "refund": self._pay_refund,
        }
        self.timeline = OrderTimeline(self, "l402", steps, label=lambda oid: oid[:8])

    # -- scenario ------------------------------------------------------------------------
    def read_settings(self, scenario: Scenario) -> Settings:
        try:
            return Settings.from_scenario(scenario.section("l402"), self.sim.seed)
        except ScenarioFieldError as exc:
            raise scenario.refuse(exc) from None
        except (ValueError, TypeError) as exc:
            raise ScenarioError(f"{scenario.source}: {exc}") from None

    def load_scenario(self, scenario: Scenario) -> None:
        self.forget_settings()

    @property
    def settings(self) -> Settings:
        """The settings of the scenario the current request is served under."""
        settings: Settings = self.request_settings()
        return settings

    @property
    def node(self) -> LightningNode:
        node = self.sim.backend("lightning")
        assert isinstance(node, LightningNode)
        return node

    @property
    def now(self) -> float:
        return self.sim.clock.timestamp()

    # -- ordering ------------------------------------------------------------------------
    def create_order(
        self,
        type_: str,
        *,
        country: str | None = None,
        service: str | None = None,
        refund_invoice: str | None = None,
        earlier_id: str | None = None,
        days: int | None = None,
    ) -> L402Order:
        """A new unpaid order and its challenge (an ordinary invoice and a macaroon)."""
        settings = self.settings
        catalog = settings.catalog
        with self.sim.lock:
            earlier = None
            if type_ == REACTIVATE:
                if earlier_id is None:
                    raise InvalidOrder(
                        "receive-sms-reactivate needs the orderId of the earlier order"
                    )
                earlier = self._reactivatable(earlier_id)
                country, service = earlier.country, earlier.service
            else:
                if service is None:
                    raise InvalidOrder(f"{type_} needs a service")
                if earlier_id is not None:
                    raise InvalidOrder("orderId is for receive-sms-reactivate only")
                country = catalog.pick(country or "auto", service)
            if days is not None and type_ != RENT:
                raise InvalidOrder("days is for rent-number only")
            days = days or 1
            price = catalog.price(type_, country, service) * (days if type_ == RENT else 1)
            if price > MAX_SATS:
                raise InvalidOrder("the order would cost more than every sat there is")
            refund_to, refund_expires_at = self._refund_target(refund_invoice, price, settings)
            invoice = self.node.create_invoice(
                price,
                f"sms4sats L402 {type_} {service} {country}",
                expiry=settings.invoice_expiry,
                network=settings.network,
                hold=False,
            )
            invoice.listener = self
            rng = self.sim.random
            order_id = str(uuid.UUID(bytes=rng.randbytes(16), version=4))
            token_id = rng.randbytes(32)
            valid_until = int(self.now) + settings.token_valid_for
            order = L402Order(
                order_id=order_id,
                type=type_,
                service=service,
                country=country,
                price=price,
                created_at=self.now,
                payment_hash=invoice.payment_hash,
                token_id=token_id.hex(),
                macaroon=self.minter.mint(invoice.payment_hash, token_id, valid_until),
                valid_until=valid_until,
                days=days,
                reactivates=earlier.order_id if earlier is not None else None,
                refund_invoice=refund_invoice,
                refund_to=refund_to,
                refund_expires_at=refund_expires_at,
                outcome=settings.outcome(type_, country, service),
                settings=settings,
                scenario=self.sim.request_scenario().name,
            )
            self.orders[order_id] = order
            self.by_hash[invoice.payment_hash] = order_id
            self.changed("orders", order_id)
            return order

    def _reactivatable(self, earlier_id: str) -> L402Order:
        earlier = self._order(earlier_id)
        if earlier.type == RENT:
            raise OrderConflict("a rented number is not reactivated; rent it again")
        if earlier.number is None or not earlier.messages:
            raise OrderConflict(
                f"order {earlier_id} never received a code: only such a number is reactivated"
            )
        window = earlier.settings.timing.reactivation_window
        if self.now > earlier.messages[-1][1] + window:
            raise OrderConflict(
                f"the number of order {earlier_id} can be reactivated for {window:g} seconds"
                " after its code; that time is over"
            )
        return earlier

    def _refund_target(
        self, payreq: str | None, price: int, settings: Settings
    ) -> tuple[str | None, float | None]:
        """The refundInvoice's payment hash and expiry, once it is one refunds can pay."""
        if payreq is None:
            return None, None
        try:
            decoded = decode_payreq(payreq.strip())
        except PayreqError as exc:
            raise InvalidRefundInvoice(f"refundInvoice is not a BOLT11 invoice: {exc}") from None
        if decoded.currency != settings.network:
            raise InvalidRefundInvoice(
                f"refundInvoice is for the network {decoded.currency!r};"
                f" this service pays on {settings.network!r}"
            )
        if decoded.amount_msat is not None and decoded.amount_msat != price * 1000:
            raise InvalidRefundInvoice(
                f"refundInvoice asks for {decoded.amount_msat // 1000} sats; a refund is"
                f" {price} sats: send one without an amount, or for the price"
            )
        expires_at = float(decoded.date + (decoded.expiry or 3600))
        if expires_at <= self.now:
            raise InvalidRefundInvoice("refundInvoice has expired")
        return decoded.payment_hash, expires_at

    # -- credentials ---------------------------------------------------------------------
    def authorize(self, order_id: str, authorization: str | None) -> L402Order:
        """The order, once ``authorization`` proves its invoice was paid; a 401 or 402 with
        the order's challenge otherwise (410 once its invoice expired unpaid)."""
        with self.sim.lock:
            order = self._order(order_id)
            if order.status == EXPIRED and not order.paid:
                raise OrderExpired()
            try:
                credentials = Credentials.read(authorization)
            except TokenRefused as exc:
                raise self._challenged(order, 401, exc.reason, exc.message) from None
            if credentials is None:
                raise self._challenged(order, 402, "payment_required", PAY_FIRST)
            return self._check(order, credentials)

    def paid_order(self, authorization: str | None) -> L402Order | None:
        """The order credentials pay for (POST's paid retry); None without L402 credentials."""
        with self.sim.lock:
            try:
                credentials = Credentials.read(authorization)
            except TokenRefused:
                return None  # unreadable: a fresh challenge (a new order) answers it
            if credentials is None:
                return None
            try:
                token = self.minter.verify(credentials.macaroon, self.now)
            except TokenRefused as exc:
                order_id = self._order_of_macaroon(credentials.macaroon)
                if order_id is None:
                    return None
                order = self.orders[order_id]
                raise self._challenged(order, 401, exc.reason, exc.message) from None
            order_id = self.by_hash.get(token.payment_hash)
            if order_id is None:
                return None
            return self._check(self.orders[order_id], credentials)

    def _check(self, order: L402Order, credentials: Credentials) -> L402Order:
        if credentials.scheme == "LSAT" and not self.settings.accept_lsat:
            raise self._challenged(
                order, 401, "invalid_token", "the LSAT scheme is not accepted here; send L402"
            )
        try:
            token = self.minter.verify(credentials.macaroon, self.now)
        except TokenRefused as exc:
            raise self._challenged(order, 401, exc.reason, exc.message) from None
        if token.payment_hash != order.payment_hash:
            other = self.by_hash.get(token.payment_hash)
            message = (
                f"the token is for order {other}, not {order.order_id}"
                if other is not None
                else "the token is for no order of this service"
            )
            raise self._challenged(order, 401, "wrong_order", message)
        if not preimage_pays(credentials.preimage, order.payment_hash):
            raise self._challenged(
                order,
                402,
                "wrong_preimage",
                "the preimage is not the invoice's: pay the invoice and send the preimage"
                " the payment revealed",
            )
        if not order.paid:  # a preimage nobody could know yet
            raise self._challenged(order, 402, "payment_required", PAY_FIRST)
        return order

    def _order_of_macaroon(self, text: str) -> str | None:
        """The order a macaroon names, read without trusting it (to hand its challenge back)."""
        try:
            token = self.minter.verify(text, 0)
        except TokenRefused:
            return None
        return self.by_hash.get(token.payment_hash)

    def _challenged(self, order: L402Order, status: int, code: str, message: str) -> Challenged:
        invoice = self.node.invoice(order.payment_hash)
        assert invoice is not None
        challenge = order.challenge(invoice.payreq, invoice.expires_at)
        return Challenged(status, code, message, challenge)

    def challenge(self, order: L402Order) -> Challenged:
        """The 402 a new order is answered with."""
        return self._challenged(order, 402, "payment_required", PAY_FIRST)

    def diagnose(self, authorization: str, order_id: str | None) -> dict[str, Any]:
        """What the API would answer these credentials, and why (the control API's check)."""
        try:
            if order_id is not None:
                order = self.authorize(order_id, authorization)
            else:
                found = self.paid_order(authorization)
                if found is None:
                    raise InvalidToken()
                order = found
        except L402Error as exc:
            verdict = {"valid": False, "status": exc.status, "error": exc.code}
            verdict["message"] = exc.message
            if isinstance(exc, Challenged):
                verdict["orderId"] = exc.challenge["orderId"]
            return verdict
        return {"valid": True, "status": 200, "orderId": order.order_id}

    # -- the invoice's news ----------------------------------------------------------------
    def invoice_accepted(self, invoice: HoldInvoice) -> None:
        order = self.orders[self.by_hash[invoice.payment_hash]]
        self._paid(order)
        self.changed("orders", order.order_id)

    def invoice_canceled(self, invoice: HoldInvoice) -> None:
        """Only an unpaid challenge invoice is canceled (by expiring): the order expires."""
        order = self.orders[self.by_hash[invoice.payment_hash]]
        if not order.paid:
            order.status = EXPIRED
            self.changed("orders", order.order_id)

    # -- timelines -----------------------------------------------------------------------
    def _at(self, order: L402Order, seconds: float, what: str) -> None:
        self.timeline.after(order.order_id, seconds, what)

    def _paid(self, order: L402Order) -> None:
        order.paid_at = self.now
        order.status = PAID
        timing, outcome = order.settings.timing, order.outcome
        if outcome.outcome == "no_number":
            self._at(order, timing.number_after, "no number")
            return
        self._at(order, timing.number_after, "number")
        if outcome.outcome == "code":
            after = outcome.code_after if outcome.code_after is not None else timing.code_after
            self._at(order, after, "code")
        if order.type == RENT:
            order.ends_at = order.paid_at + order.days * DAY
            self._at(order, order.days * DAY, "rental end")
        else:
            order.ends_at = order.paid_at + timing.window
            self._at(order, timing.window, "window end")

    def _assign_number(self, order: L402Order) -> None:
        if order.number is not None or order.final:
            return
        if order.reactivates is not None:
            order.number = self.orders[order.reactivates].number
        else:
            rng = self.sim.random_for("l402.number", order.order_id)
            dial = order.settings.catalog.dial(order.country)
            digits = 10 if dial == "1" else 9
            national = str(rng.randint(2, 9)) + "".join(
                str(rng.randint(0, 9)) for _ in range(digits - 1)
            )
            order.number = f"+{dial}{national}"
        if order.status == PAID:
            order.status = ACTIVE if order.type == RENT else WAITING

    def deliver_code(self, order_id: str, code: str | None = None) -> L402Order:
        """An SMS arrives for a paid order (a timeline event, or the control API)."""
        with self.sim.lock:
            order = self._order(order_id)
            if not order.paid:
                raise OrderConflict(f"order {order_id} is not paid yet")
            if order.final:
                raise OrderConflict(f"order {order_id} is {order.status}")
            if order.type != RENT and order.messages:
                raise OrderConflict(f"order {order_id} has its code already")
            self._assign_number(order)
            rng = self.sim.random_for("l402.code", order.order_id, len(order.messages))
            new_code = code if code is not None else str(rng.randint(100000, 999999))
            order.messages = (*order.messages, (new_code, self.now))
            if order.type != RENT:
                order.status = CODE_RECEIVED
                after = order.settings.timing.complete_after
                if after is not None:
                    self.timeline.cancel(order.order_id, "window end")
                    self._at(order, after, "complete")
            self.changed("orders", order.order_id)
            return order

    def _window_end(self, order: L402Order) -> None:
        if order.final:
            return
        if order.messages:
            order.status = COMPLETED
            return
        status = REFUNDED if order.refund_invoice is not None else EXPIRED
        self._end(order, status, "no code arrived within the window")

    def _complete(self, order: L402Order) -> None:
        if not order.final:
            order.status = COMPLETED

    def cancel(self, order: L402Order) -> L402Order:
        """The agent cancels: allowed until the first SMS; the price is refunded."""
        with self.sim.lock:
            if order.status == CANCELLED:
                return order  # cancelling twice refunds once
            if order.final:
                raise OrderConflict(f"order {order.order_id} is {order.status} already")
            if order.messages:
                raise OrderConflict("an SMS arrived already; the order cannot be cancelled")
            self._end(order, CANCELLED, "cancelled by the agent")
            self.changed("orders", order.order_id)
            return order

    # -- money ---------------------------------------------------------------------------
    def _end(self, order: L402Order, status: str, reason: str) -> None:
        """End a paid order unserved: its price goes back to its refundInvoice."""
        order.status = status
        self.timeline.cancel(order.order_id)
        if order.refund_invoice is None:
            order.refund = Refund("none", 0, f"{reason}; the order has no refundInvoice")
            return
        order.refund = Refund("pending", order.price, reason)
        if order.settings.refund_after > 0:
            self._at(order, order.settings.refund_after, "refund")
        else:
            self._pay_refund(order)

    def _pay_refund(self, order: L402Order) -> None:
        refund = order.refund
        if refund is None or refund.status != "pending":
            return
        if order.settings.refund_outcome == "failed":
            problem = "the refund payment failed (scenario: refund.outcome failed)"
        elif order.refund_expires_at is not None and self.now >= order.refund_expires_at:
            problem = "the refundInvoice expired before the refund was paid"
        else:
            refund.status, refund.paid_at, refund.payment_hash = "paid", self.now, order.refund_to
            return
        refund.status, refund.reason = "failed", f"{refund.reason}; {problem}"
        if order.status == REFUNDED:
            order.status = FAILED

    # -- reading -------------------------------------------------------------------------
    def order(self, order_id: str) -> L402Order:
        with self.sim.lock:
            return self._order(order_id)

    def _order(self, order_id: str) -> L402Order:
        order = self.orders.get(order_id.strip().lower())
        if order is None:
            raise OrderNotFound(f"order {order_id} not found")
        return order

    def status(self, order: L402Order) -> dict[str, Any]:
        with self.sim.lock:
            return order.status_body()

    def describe(self, order: L402Order) -> dict[str, Any]:
        """Everything about an order, for the control API: money, invoice, token, timeline."""
        with self.sim.lock:
            invoice = self.node.invoice(order.payment_hash)
            assert invoice is not None
            return {
                **order.status_body(),
                "paidSats": order.price if order.paid else 0,
                "refundedSats": order.refunded_sats,
                "invoice": invoice.payreq,
                "invoice_state": invoice.state.value,
                "payment_hash": order.payment_hash,
                "macaroon": order.macaroon,
                "token_id": order.token_id,
                "token_valid_until": order.valid_until,
                "refund_invoice": order.refund_invoice,
                "outcome": order.outcome.outcome,
                "pending_events": self.timeline.pending(order.order_id),
            }

    # -- state files ---------------------------------------------------------------------
    def dump_records(self) -> Iterable[tuple[str, str, Any]]:
        for order_id, order in self.orders.items():
            yield "orders", order_id, order.to_record()

    def record(self, table: str, key: str) -> Any | None:
        order = self.orders.get(key)
        return order.to_record() if order is not None else None

    def restore_records(self, tables: Rows) -> None:
        settings: dict[str, Settings] = {}
        for order_id, record in tables.get("orders", []):
            name = record["scenario"]
            if name not in settings:
                settings[name] = self.read_settings(self.sim.stored_scenario(name))
            order = L402Order.from_record(record, settings[name])
            self.orders[order_id] = order
            self.by_hash[order.payment_hash] = order_id
            invoice = self.node.invoice(order.payment_hash)
            if invoice is not None:
                invoice.listener = self
        self.orders = dict(sorted(self.orders.items(), key=lambda item: item[1].created_at))
