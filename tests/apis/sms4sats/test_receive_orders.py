"""Receive orders on the clock: the invoice settles exactly when a code arrives, and is
canceled (the funds go back) on every other ending."""

from __future__ import annotations

import bolt11
import pytest

from mock_server.apis.sms4sats.models import CANCELED, NO_CODE, NO_NUMBER

from .helpers import KEY, Driver, app_for

MANUAL = (
    "sms4sats:\n  timing: {auto_pay_after: null}\n  outcomes: [{kind: receive, outcome: no_code}]\n"
)


@pytest.fixture
def auto() -> Driver:
    """The default timing: paid 3 s after creation, number 2 s and code 15 s after payment."""
    return Driver(app_for(""))


@pytest.fixture
def manual() -> Driver:
    return Driver(app_for(MANUAL))


def test_the_default_timeline_ends_settled_with_a_code(auto: Driver) -> None:
    order = auto.create(country="germany", service="tw")
    oid = order["orderId"]
    decoded = bolt11.decode(order["payreq"])
    assert decoded.payment_hash == oid
    assert decoded.amount_msat == 3000 * 1000
    assert decoded.description == "sms4sats payment Germany tw"
    assert auto.status(oid) == {"status": "OK", "paid": False}
    assert auto.state(oid) == "OPEN"

    auto.advance(3)  # auto-paid
    assert auto.status(oid) == {"status": "OK", "paid": True}
    assert auto.state(oid) == "ACCEPTED"

    auto.advance(2)  # a number
    status = auto.status(oid)
    assert status["number"] > 49_000_000_000 and str(status["number"]).startswith("49")
    assert (status["country"], status["service"], status["timestamp"]) == (
        "Germany",
        "tw",
        1767225605000,
    )
    assert isinstance(status["id"], int)
    assert "code" not in status
    assert auto.state(oid) == "ACCEPTED"

    auto.advance(12.9)
    assert "code" not in auto.status(oid)
    auto.advance(0.1)  # t = 18: 15 s after payment
    status = auto.status(oid)
    assert isinstance(status["code"], int) and 100000 <= status["code"] <= 999999
    invoice = auto.invoice(oid)
    assert invoice["state"] == "SETTLED"
    assert invoice["preimage"] is not None

    auto.advance(3600)  # nothing undoes a settled order
    assert auto.state(oid) == "SETTLED"
    assert auto.status(oid)["code"] == status["code"]


def test_no_number_cancels_the_invoice_with_the_documented_text() -> None:
    driver = Driver(
        app_for("sms4sats:\n  outcomes: [{country: 43, service: tg, outcome: no_number}]\n")
    )
    oid = driver.create(country="Germany", service="tg")["orderId"]
    other = driver.create(country=187, service="tg")["orderId"]
    driver.advance(5)
    assert driver.status(oid) == {"status": "OK", "paid": True, "error": NO_NUMBER}
    assert driver.state(oid) == "CANCELED"
    assert "number" in driver.status(other)


def test_no_code_in_21_minutes_cancels(manual: Driver) -> None:
    order = manual.create()
    oid = order["orderId"]
    assert manual.pay(order["payreq"]).status_code == 200
    manual.advance(21 * 60 - 1)
    assert manual.state(oid) == "ACCEPTED"
    assert "number" in manual.status(oid)
    manual.advance(1)
    assert manual.status(oid) == {"status": "OK", "paid": True, "error": NO_CODE}
    assert manual.state(oid) == "CANCELED"
    assert manual.deliver(oid).status_code == 409  # too late


def test_a_slow_code_outcome_per_service() -> None:
    driver = Driver(
        app_for("sms4sats:\n  outcomes: [{service: wa, outcome: code, code_after: 600}]\n")
    )
    oid = driver.create(service="wa")["orderId"]
    driver.advance(3 + 599)
    assert "code" not in driver.status(oid)
    driver.advance(1)
    assert "code" in driver.status(oid)
    assert driver.state(oid) == "SETTLED"


def test_unpaid_invoice_expires_and_cannot_be_paid(manual: Driver) -> None:
    order = manual.create()
    manual.advance(86_400)
    assert manual.state(order["orderId"]) == "CANCELED"
    assert manual.status(order["orderId"])["paid"] is False
    assert "error" in manual.status(order["orderId"])
    response = manual.pay(order["payreq"])
    assert response.status_code == 409
    assert "CANCELED" in response.get_json()["error"]


def test_delivering_a_code_through_the_control_api(manual: Driver) -> None:
    order = manual.create()
    oid = order["orderId"]
    assert manual.deliver(oid).status_code == 409  # not paid
    manual.pay(order["payreq"])
    response = manual.deliver(oid, "482910")
    assert response.status_code == 200
    assert response.get_json()["code"] == 482910
    assert manual.state(oid) == "SETTLED"
    again = manual.deliver(oid, "1")
    assert (again.status_code, again.get_json()["error"]) == (
        409,
        f"order {oid} has its code already",
    )


def test_code_as_a_string_is_a_scenario_option() -> None:
    driver = Driver(app_for("sms4sats:\n  code_type: string\n  timing: {auto_pay_after: null}\n"))
    order = driver.create()
    driver.pay(order["payreq"])
    driver.deliver(order["orderId"], "012345")
    assert driver.status(order["orderId"])["code"] == "012345"


def test_cancel_is_refused_before_two_minutes_and_after_a_code(manual: Driver) -> None:
    order = manual.create()
    oid = order["orderId"]
    manual.pay(order["payreq"])
    manual.advance(119)
    refused = manual.cancel(oid)
    assert refused.status_code == 400
    assert refused.get_json() == {
        "status": "error",
        "reason": "orders can be canceled 120 seconds after they were created; 1 seconds to go",
    }
    assert manual.state(oid) == "ACCEPTED"
    manual.advance(1)
    assert manual.cancel(oid).get_json() == {"status": "OK"}
    assert manual.state(oid) == "CANCELED"
    assert manual.status(oid) == {"status": "OK", "paid": True, "error": CANCELED}
    assert manual.cancel(oid).status_code == 200  # idempotent

    coded = manual.create()
    manual.pay(coded["payreq"])
    manual.deliver(coded["orderId"])
    manual.advance(120)
    refused = manual.cancel(coded["orderId"])
    assert refused.status_code == 400
    assert "a code was received" in refused.get_json()["reason"]
    assert manual.state(coded["orderId"]) == "SETTLED"


def test_canceling_an_unpaid_order_cancels_its_invoice(manual: Driver) -> None:
    order = manual.create()
    manual.advance(120)
    assert manual.cancel(order["orderId"]).status_code == 200
    assert manual.state(order["orderId"]) == "CANCELED"
    assert manual.pay(order["payreq"]).status_code == 409


def test_unknown_order_and_bad_inputs(manual: Driver) -> None:
    response = manual.client.get("/orderstatus", query_string={"orderId": "ab" * 32})
    assert (response.status_code, response.get_json()["status"]) == (400, "error")
    assert "not found" in response.get_json()["reason"]
    for body, reason in (
        ({"country": "atlantis", "service": "tg"}, "unknown country 'atlantis'"),
        ({"country": 187, "service": "nope"}, "unknown service 'nope'"),
        ({"country": 17, "service": "tg"}, "unknown country 17"),
    ):
        response = manual.client.post("/createorder", json=body)
        assert response.status_code == 400
        assert response.get_json()["reason"].startswith(reason)


def test_a_service_without_stock_cannot_be_ordered() -> None:
    driver = Driver(app_for("sms4sats:\n  stock: [{country: usa, service: tg, count: 0}]\n"))
    response = driver.client.post("/createorder", json={"country": 187, "service": "tg"})
    assert response.status_code == 400
    assert response.get_json()["reason"] == "No available number for tg in USA."
    listed = driver.client.get("/getnumbersstatus?country=187").get_json()
    assert next(s for s in listed if s["value"] == "tg")["count"] == "0"
    assert (
        driver.client.post("/createorder", json={"country": 43, "service": "tg"}).status_code == 200
    )


def test_rental_and_realphone_orders_have_their_own_prices(manual: Driver) -> None:
    rental = manual.create(country=16, service="tg", isRental=True)
    real = manual.create(country=187, service="tg", realphone=True)
    assert bolt11.decode(rental["payreq"]).amount_msat == 20000 * 1000  # the UK rental price
    assert bolt11.decode(real["payreq"]).amount_msat == 5000 * 1000  # s4s
    manual.pay(rental["payreq"])
    manual.deliver(rental["orderId"], "111111")
    assert manual.state(rental["orderId"]) == "SETTLED"
    manual.advance(3600)
    assert manual.deliver(rental["orderId"], "222222").status_code == 200  # unlimited SMS for 4 h
    assert manual.status(rental["orderId"])["code"] == 222222
    manual.advance(3 * 3600)
    assert manual.deliver(rental["orderId"]).status_code == 409  # the 4 hours are over


def test_referral_payout_is_ten_percent_of_a_settled_order(manual: Driver) -> None:
    paid = manual.create(ref="alice@getalby.com")
    unpaid = manual.create(ref="bob@getalby.com")
    manual.pay(paid["payreq"])
    manual.deliver(paid["orderId"])
    manual.advance(3600)  # the other is never settled
    referrals = manual.client.get("/_mock/sms4sats/referrals").get_json()["referrals"]
    assert [(r["order_id"], r["address"], r["amount"]) for r in referrals] == [
        (paid["orderId"], "alice@getalby.com", 300)
    ]
    assert unpaid["orderId"] not in {r["order_id"] for r in referrals}


def test_immediate_order_is_paid_from_the_balance_and_refunded_on_failure(manual: Driver) -> None:
    order = manual.create(key=KEY, immediate=True)
    assert order["payreq"] == "paid"
    assert manual.balance() == 10000 - 3000
    assert manual.status(order["orderId"])["paid"] is True
    manual.advance(21 * 60)  # no code: refunded
    assert manual.balance() == 10000
    kept = manual.create(key=KEY, immediate=True)
    manual.deliver(kept["orderId"])
    manual.advance(3600)
    assert manual.balance() == 7000


def test_immediate_order_needs_a_key_and_enough_balance(manual: Driver) -> None:
    response = manual.client.post(
        "/createorder", json={"country": 187, "service": "tg", "immediate": True}
    )
    assert response.get_json() == {"status": "error", "reason": "X-API-Key header is missing."}
    for _ in range(3):
        manual.create(key=KEY, immediate=True)
    response = manual.client.post(
        "/createorder",
        json={"country": 187, "service": "tg", "immediate": True},
        headers={"X-API-Key": KEY},
    )
    assert response.status_code == 400
    assert (
        response.get_json()["reason"]
        == "Insufficient balance: the order costs 3000 sats, the balance is 1000."
    )
    assert manual.balance() == 1000


@pytest.mark.parametrize(
    ("network", "prefix"), [("bc", "lnbc"), ("tb", "lntb"), ("bcrt", "lnbcrt")]
)
def test_network_prefix_is_a_scenario_option(network: str, prefix: str) -> None:
    driver = Driver(app_for(f"sms4sats:\n  network: {network}\n"))
    assert driver.create()["payreq"].startswith(prefix + "30u1")
