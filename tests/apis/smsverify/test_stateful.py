"""A Hypothesis state machine: order, cancel, renew, deliver, top up and advance in any order.

After every step: the wallet never goes negative; every refund is paid at most once and only for
an order that ended unused (expired or cancelled while waiting); and the balance always equals
deposits - charges + refunds, counted from the ledger and, independently, from the orders."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from .helpers import KEY, driver_for

SCENARIO = (
    "smsverify:\n  rate_limit: {enabled: false}\n"
    "  outcomes:\n    - {service_id: 22, outcome: no_sms}\n"
    "    - {service_id: 30, outcome: provider_failure}\n"
)
ORDERS = [
    ("temporary", {"service_id": 1012}),
    ("temporary", {"service_id": 22}),
    ("temporary", {"service_id": 30}),
    ("best-temp", {"service_id": 1012}),
    ("global", {"service_id": 1012, "country_id": 4}),
    ("rent-1day", {"service_id": 4421}),
    ("rental", {"service": "telegram", "duration": 3}),
    ("esim", {"plan": "USA 5GB / 30 days"}),
]


class WalletMoney(RuleBasedStateMachine):
    orders = Bundle("orders")

    def __init__(self) -> None:
        super().__init__()
        self.d = driver_for(SCENARIO, balance="20.00")
        self.deposits = Decimal("20.00")

    @rule(target=orders, choice=st.sampled_from(ORDERS))
    def place(self, choice: tuple[str, dict]) -> int:
        kind, body = choice
        before = self.d.balance()
        response = self.d.post(f"order/{kind}/", body)
        assert response.status_code in (201, 402, 500), response.get_data(as_text=True)
        if response.status_code != 201:
            assert self.d.balance() == before  # nothing debited
            return -1
        data = response.get_json()
        return data.get("data", data)["order_id"]

    @rule(order_id=orders)
    def cancel(self, order_id: int) -> None:
        if order_id >= 0:
            assert self.d.post(f"order/{order_id}/cancel/").status_code in (200, 400)

    @rule(order_id=orders)
    def renew(self, order_id: int) -> None:
        if order_id >= 0:
            assert self.d.post(f"order/{order_id}/renew/").status_code in (200, 400, 402)

    @rule(order_id=orders)
    def deliver(self, order_id: int) -> None:
        if order_id >= 0:
            assert self.d.deliver(order_id).status_code in (200, 409)

    @rule(amount=st.sampled_from(["0.50", "5.00", "12.34"]))
    def top_up(self, amount: str) -> None:
        new = self.d.balance() + Decimal(amount)
        response = self.d.client.post(
            "/_mock/smsverify/accounts", json={"api_key": KEY, "balance": str(new)}
        )
        assert response.status_code == 200
        self.deposits += Decimal(amount)

    @rule(seconds=st.sampled_from([1, 20, 600, 1200, 86_400, 3 * 86_400]))
    def advance(self, seconds: int) -> None:
        self.d.advance(seconds)

    @invariant()
    def balance_is_deposits_minus_charges_plus_refunds(self) -> None:
        backend = self.d.backend
        balance = self.d.balance()
        assert balance >= 0
        ledger = [e for e in backend.ledger if e.api_key == KEY]
        totals = {
            kind: sum((e.amount for e in ledger if e.kind == kind), Decimal(0))
            for kind in ("deposit", "charge", "refund")
        }
        assert totals["deposit"] == self.deposits
        assert balance == totals["deposit"] - totals["charge"] + totals["refund"]
        charged = sum((o.price for o in backend.orders.values()), Decimal(0))
        renewals = totals["charge"] - charged
        refunded = sum((o.price for o in backend.orders.values() if o.refunded), Decimal(0))
        assert renewals >= 0
        assert balance == self.deposits - charged - renewals + refunded

    @invariant()
    def every_refund_once_and_only_for_unused_orders(self) -> None:
        backend = self.d.backend
        refunds = Counter(e.order_id for e in backend.ledger if e.kind == "refund")
        assert all(count == 1 for count in refunds.values())
        for order in backend.orders.values():
            assert (order.order_id in refunds) == order.refunded
            if order.refunded:
                assert order.status in ("expired", "cancelled") and not order.sms


WalletMoney.TestCase.settings = settings(max_examples=40, stateful_step_count=30, deadline=None)
test_wallet_money = WalletMoney.TestCase
