"""A Hypothesis state machine: create, pay, deliver, cancel, fund and advance in any order.

After every step the money rules hold: an invoice is SETTLED exactly when its order charged
the user (a code arrived, a message was sent, a funding was paid) and CANCELED whenever the
order ended otherwise; a prepaid balance never goes negative and equals its start, plus paid
fundings, minus immediate orders not refunded."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from mock_server.apis.sms4sats.models import Sms4satsBackend

from .helpers import KEY, Driver, app_for

SCENARIO = (
    "sms4sats:\n  timing: {auto_pay_after: null}\n"
    "  outcomes:\n    - {kind: receive, service: wa, outcome: no_number}\n"
    "    - {kind: receive, service: tg, outcome: no_code}\n"
    "    - {kind: send, outcome: failed}\n"
)


class Sms4satsMoney(RuleBasedStateMachine):
    orders = Bundle("orders")

    def __init__(self) -> None:
        super().__init__()
        self.driver = Driver(app_for(SCENARIO))

    @property
    def backend(self) -> Sms4satsBackend:
        backend = self.driver.sim.backend("sms4sats")
        assert isinstance(backend, Sms4satsBackend)
        return backend

    @rule(target=orders, service=st.sampled_from(["tg", "wa", "go"]), immediate=st.booleans())
    def create_receive(self, service: str, immediate: bool) -> str:
        response = self.driver.client.post(
            "/createorder",
            json={"country": 187, "service": service, "immediate": immediate},
            headers={"X-API-Key": KEY},
        )
        assert response.status_code in (200, 400)
        if response.status_code == 400:
            assert "Insufficient balance" in response.get_json()["reason"]
            return ""
        return response.get_json()["orderId"]

    @rule(target=orders, kind=st.sampled_from(["send", "email"]), immediate=st.booleans())
    def create_send(self, kind: str, immediate: bool) -> str:
        path = "/createsendorder" if kind == "send" else "/createemailsendorder"
        to = {"phone": "+19871234567"} if kind == "send" else {"address": "a@example.org"}
        response = self.driver.client.post(
            path, json={"message": "hi", "immediate": immediate, **to}, headers={"X-API-Key": KEY}
        )
        assert response.status_code in (200, 400)
        return response.get_json().get("orderId", "")

    @rule(target=orders, amount=st.integers(1, 5000))
    def fund(self, amount: int) -> str:
        return self.driver.fund(amount)["orderId"]

    @rule(order_id=orders)
    def pay(self, order_id: str) -> None:
        order = self.backend.orders.get(order_id)
        if order is None or order.invoice is None:
            return
        response = self.driver.pay(order.invoice.payreq)
        assert response.status_code in (200, 409)

    @rule(order_id=orders, code=st.one_of(st.none(), st.from_regex(r"[0-9]{4,8}", fullmatch=True)))
    def deliver(self, order_id: str, code: str | None) -> None:
        if order_id:
            assert self.driver.deliver(order_id, code).status_code in (200, 409)

    @rule(order_id=orders)
    def cancel(self, order_id: str) -> None:
        if order_id:
            assert self.driver.cancel(order_id).status_code in (200, 400)

    @rule(seconds=st.sampled_from([1, 2, 5, 30, 120, 600, 1260, 86_400]))
    def advance(self, seconds: int) -> None:
        self.driver.advance(seconds)

    @invariant()
    def invoices_settle_exactly_when_charged(self) -> None:
        for order in self.backend.orders.values():
            if order.invoice is None:
                continue
            state = order.invoice.state.value
            assert (state == "SETTLED") == order.charged, (order.order_id, state)
            ended_without_charge = order.error is not None or order.sms_status == "failed"
            if ended_without_charge:
                assert state == "CANCELED", (order.order_id, state, order.error)
            if state == "CANCELED":
                assert not order.charged

    @invariant()
    def balance_is_exact_and_never_negative(self) -> None:
        backend = self.backend
        balance = backend.accounts[KEY].balance
        assert balance >= 0
        funded = sum(o.price for o in backend.orders.values() if o.kind == "fund" and o.charged)
        spent = sum(o.price for o in backend.orders.values() if o.immediate and not o.refunded)
        assert balance == 10000 + funded - spent
        for order in backend.orders.values():
            if order.immediate and order.refunded:
                assert not order.charged

    @invariant()
    def every_status_answer_is_documented(self) -> None:
        for order_id in list(self.backend.orders)[-3:]:
            assert (
                self.driver.client.get(
                    "/orderstatus", query_string={"orderId": order_id}
                ).status_code
                == 200
            )


Sms4satsMoney.TestCase.settings = settings(max_examples=40, stateful_step_count=30, deadline=None)
test_sms4sats_money = Sms4satsMoney.TestCase
