"""Inbound SMS are POSTed to the account's callback URL for real, retried with exponential
backoff for 24 hours; deposits are notified at /api/wallet/callback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import WebhookReceiver

from .helpers import KEY, driver_for


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver().running() as receiver:
        yield receiver


def test_an_sms_is_posted_with_the_documented_payload(hook: WebhookReceiver) -> None:
    d = driver_for(callback_url=f"{hook.url}/api/callback")
    order = d.order(service_id=41)
    d.deliver(order["order_id"], otp="545", message="Your PayPal OTP is 545", sender="8843")
    assert hook.received == [
        (
            "/api/callback",
            {
                "event": "incoming_message",
                "message": {
                    "order_id": order["order_id"],
                    "number": "".join(c for c in order["phone"] if c.isdigit()),
                    "service": "paypal",
                    "sender": "8843",
                    "sms": "Your PayPal OTP is 545",
                    "type": "str",
                },
            },
        )
    ]
    [callback] = d.client.get("/_mock/callbacks?api=smsverify").get_json()["callbacks"]
    assert (callback["state"], callback["event"], len(callback["attempts"])) == (
        "delivered",
        "incoming_message",
        1,
    )


def test_a_receiver_down_for_hours_gets_every_message_once_it_is_back(
    hook: WebhookReceiver,
) -> None:
    d = driver_for(callback_url=f"{hook.url}/api/callback")
    hook.statuses = [503] * 14  # down: the first 7 attempts of each of two messages
    first, second = d.order(service_id=22), d.order(service_id=3)
    d.advance(20)  # both SMS arrive
    d.advance(3 * 3600)
    # 14 answered 503, then one delivery of each message: nothing lost, nothing twice.
    assert len(hook.received) == 16
    delivered = [body["message"]["order_id"] for _, body in hook.received[14:]]
    assert sorted(delivered) == [first["order_id"], second["order_id"]]
    callbacks = d.client.get("/_mock/callbacks").get_json()["callbacks"]
    assert [c["state"] for c in callbacks] == ["delivered", "delivered"]
    attempts = [a["at"] for a in callbacks[0]["attempts"]]
    assert attempts == [
        "2026-01-01T00:00:20Z",
        "2026-01-01T00:00:50Z",
        "2026-01-01T00:01:50Z",
        "2026-01-01T00:03:50Z",
        "2026-01-01T00:07:50Z",
        "2026-01-01T00:15:50Z",
        "2026-01-01T00:31:50Z",
        "2026-01-01T01:03:50Z",
    ]


def test_retries_stop_after_24_hours(hook: WebhookReceiver) -> None:
    d = driver_for(callback_url=f"{hook.url}/api/callback")
    hook.statuses = [500] * 1000
    d.order()
    d.advance(2 * 86400)
    [callback] = d.client.get("/_mock/callbacks").get_json()["callbacks"]
    assert callback["state"] == "failed"
    assert callback["next_attempt_at"] is None
    assert callback["attempts"][-1]["at"] <= "2026-01-02T00:00:20Z"
    assert len(callback["attempts"]) == len(hook.received) == 30


def test_a_connection_error_is_an_attempt_too() -> None:
    d = driver_for(callback_url="http://127.0.0.1:9/api/callback")
    d.order()
    d.advance(20)
    [callback] = d.client.get("/_mock/callbacks").get_json()["callbacks"]
    assert callback["attempts"][0]["status"] is None
    assert callback["attempts"][0]["error"]
    assert callback["state"] == "pending"


def test_deposits_are_notified_at_the_wallet_callback(hook: WebhookReceiver) -> None:
    d = driver_for(callback_url=f"{hook.url}/api/callback")
    response = d.client.post("/_mock/smsverify/accounts", json={"api_key": KEY, "balance": "25.50"})
    assert response.get_json() == {
        "api_key": KEY,
        "balance": "25.50",
        "callback_url": f"{hook.url}/api/callback",
    }
    assert hook.received == [
        (
            "/api/wallet/callback",
            {"event": "wallet_deposit", "amount": 15.5, "balance": 25.5, "currency": "USD"},
        )
    ]
    assert d.balance() == 25.5


def test_control_api_adds_accounts() -> None:
    d = driver_for()
    d.client.post("/_mock/smsverify/accounts", json={"api_key": "new", "balance": "3.10"})
    assert (
        d.get("balance/", key="new").get_data(as_text=True) == '{"balance":3.10,"currency":"USD"}'
    )
    bad = d.client.post("/_mock/smsverify/accounts", json={"api_key": "new", "balance": "1.234"})
    assert bad.status_code == 400
    assert d.get("balance/", key="new").get_json()["balance"] == 3.1
