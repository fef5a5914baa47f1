"""Prepaid accounts: /fund invoices credit the balance once paid; /history lists fundings."""

from __future__ import annotations

import hashlib

import bolt11

from .helpers import KEY, Driver, app_for

MANUAL = "sms4sats:\n  timing: {auto_pay_after: null}\n"


def test_fund_credits_the_balance_when_paid_and_history_lists_it() -> None:
    driver = Driver(app_for(MANUAL))
    order = driver.fund(5000)
    assert driver.balance() == 10000
    assert driver.state(order["orderId"]) == "OPEN"
    driver.advance(60)
    assert driver.pay(order["payreq"]).status_code == 200
    assert driver.state(order["orderId"]) == "SETTLED"  # a funding is final once paid
    assert driver.balance() == 15000
    history = driver.history()
    [entry] = history["orders"]
    assert history["totalAmount"] == 5000
    assert entry["amount"] == entry["price"] == 5000
    assert entry["createdAt"] == 1767225600000
    assert (entry["desc"], entry["description"], entry["holdinvoice"], entry["userId"]) == (
        "fund account",
        "fund account",
        True,
        KEY,
    )
    assert hashlib.sha256(bytes.fromhex(entry["preimage"])).hexdigest() == entry["preimageHash"]
    assert entry["preimageHash"] == order["orderId"]


def test_a_whole_amount_written_as_a_float_is_an_invoice_for_whole_sats() -> None:
    driver = Driver(app_for(MANUAL))
    order = driver.fund(27398.0)  # type: ignore[arg-type]  # JSON's 27398.0 is an integer
    assert bolt11.decode(order["payreq"]).amount_msat == 27_398_000
    assert driver.pay(order["payreq"]).status_code == 200
    assert driver.balance() == 10000 + 27398
    assert isinstance(driver.balance(), int)


def test_unpaid_funding_is_not_history() -> None:
    driver = Driver(app_for(MANUAL))
    driver.fund(5000)
    assert driver.history() == {"status": "OK", "totalAmount": 0, "orders": []}


def test_a_new_key_starts_empty_and_is_created_by_funding() -> None:
    driver = Driver(app_for(MANUAL))
    assert driver.balance("new-key") == 0
    driver.pay(driver.fund(2500, key="new-key")["payreq"])
    assert driver.balance("new-key") == 2500
    assert driver.balance() == 10000  # other accounts untouched


def test_control_api_adds_and_tops_up_accounts() -> None:
    driver = Driver(app_for(MANUAL))
    response = driver.client.post(
        "/_mock/sms4sats/accounts", json={"api_key": "qa", "balance": 700}
    )
    assert response.get_json() == {"api_key": "qa", "balance": 700}
    response = driver.client.post(
        "/_mock/sms4sats/accounts", json={"api_key": "qa", "balance": 300}
    )
    assert response.get_json() == {"api_key": "qa", "balance": 1000}
    assert driver.balance("qa") == 1000
    bad = driver.client.post("/_mock/sms4sats/accounts", json={"api_key": "qa", "balance": -1})
    assert bad.status_code == 400


def test_fund_amount_must_be_a_positive_integer() -> None:
    driver = Driver(app_for(MANUAL))
    for amount in (0, -5, 1.5, "100"):
        response = driver.client.post("/fund", json={"amount": amount}, headers={"X-API-Key": KEY})
        assert response.status_code == 400, amount
        assert response.get_json()["reason"].startswith("amount:")
