"""Exact under concurrency: many clients at once, over real HTTP, against one served simulator."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
import requests

from mock_server.app import create_app
from mock_server.testing import ControlClient
from mock_server.testing.server import serving

KEY = {"Authorization": "Bearer test-smsverify-key"}


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with serving(create_app("contract", strict=True), threads=16) as url:
        yield url


@pytest.fixture
def control(base: str) -> ControlClient:
    client = ControlClient(base)
    client.reset("contract")
    return client


def _all_at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(lambda call: call(), calls))


def _balance(base: str) -> Decimal:
    text = requests.get(f"{base}/api/v1/balance/", headers=KEY, timeout=10).text
    return json.loads(text, parse_float=Decimal)["balance"]


def test_sixteen_clients_never_overdraw_one_wallet(base: str, control: ControlClient) -> None:
    control.add_account("smsverify", "test-smsverify-key", "10.00")  # room for 25 orders at 0.40

    def order() -> int:
        body = {"service_id": 1012}
        return requests.post(
            f"{base}/api/v1/order/temporary/", json=body, headers=KEY, timeout=10
        ).status_code

    statuses = Counter(_all_at_once([order] * 48))
    assert statuses == Counter({201: 25, 402: 23})
    assert _balance(base) == Decimal("0.00")
    assert len(requests.get(f"{base}/api/v1/orders/", headers=KEY, timeout=10).json()) == 25


def test_prepaid_sms4sats_orders_never_overdraw(base: str, control: ControlClient) -> None:
    control.add_account("sms4sats", "team", 10000)  # room for 3 receive orders at 3000

    def order() -> int:
        body = {"country": 187, "service": "tg", "immediate": True}
        return requests.post(
            f"{base}/createorder", json=body, headers={"X-API-Key": "team"}, timeout=10
        ).status_code

    assert Counter(_all_at_once([order] * 16)) == Counter({200: 3, 400: 13})
    balance = requests.get(f"{base}/balance", headers={"X-API-Key": "team"}, timeout=10).json()[
        "balance"
    ]
    assert balance == 1000


def test_two_payments_of_one_invoice_only_one_succeeds(base: str, control: ControlClient) -> None:
    for _ in range(10):
        order = requests.post(
            f"{base}/createorder", json={"country": 187, "service": "tg"}, timeout=10
        ).json()

        def pay(payreq: str = order["payreq"]) -> int:
            return requests.post(
                f"{base}/_mock/lightning/pay", json={"payreq": payreq}, timeout=10
            ).status_code

        assert sorted(_all_at_once([pay, pay])) == [200, 409]
        assert control.invoice(order["orderId"])["state"] == "ACCEPTED"


def test_cancel_and_a_code_at_once_end_in_exactly_one_final_state(
    base: str, control: ControlClient
) -> None:
    control.use_scenario("manual")  # no code comes by itself: only the raced delivery
    outcomes: Counter[str] = Counter()
    for _ in range(10):
        body = {"country": 187, "service": "tg"}
        order = requests.post(f"{base}/createorder", json=body, timeout=10).json()
        control.pay(order["payreq"])
        control.advance(120)
        oid = order["orderId"]

        def cancel(oid: str = oid) -> int:
            query = {"orderId": oid}
            return requests.get(f"{base}/cancelorder", params=query, timeout=10).status_code

        def deliver(oid: str = oid) -> int:
            return requests.post(f"{base}/_mock/sms4sats/orders/{oid}/sms", timeout=10).status_code

        cancelled, delivered = _all_at_once([cancel, deliver])
        state = control.invoice(oid)["state"]
        if delivered == 200:  # the code won: charged once, the cancel refused
            assert (state, cancelled) == ("SETTLED", 400)
        else:  # the cancel won: refunded once, the code refused
            assert (state, cancelled, delivered) == ("CANCELED", 200, 409)
        outcomes[state] += 1
    assert sum(outcomes.values()) == 10


def test_the_rate_limit_counts_exactly_sixty_under_parallel_requests(
    base: str, control: ControlClient
) -> None:
    control.use_scenario("default")  # the documented 60 requests a minute

    def balance() -> int:
        return requests.get(f"{base}/api/v1/balance/", headers=KEY, timeout=10).status_code

    assert Counter(_all_at_once([balance] * 100)) == Counter({200: 60, 429: 40})
