"""Send and email orders: smsStatus on the clock, settled when sent, canceled or refunded when
the send fails, and every change POSTed to the webhook for real."""

from __future__ import annotations

from collections.abc import Iterator

import bolt11
import pytest

from tests.support import WebhookReceiver

from .helpers import KEY, Driver, app_for


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver().running() as receiver:
        yield receiver


def test_send_timeline_and_webhooks(hook: WebhookReceiver) -> None:
    driver = Driver(app_for(""))
    order = driver.send(webhookUrl=f"{hook.url}/sms4sats")
    oid = order["orderId"]
    assert bolt11.decode(order["payreq"]).amount_msat == 1000 * 1000  # the send price
    status = driver.status(oid)
    assert (status["paid"], status["smsStatus"]) == (False, "created")
    assert status["id"].startswith("SM") and len(status["id"]) == 34
    driver.advance(3)  # paid
    assert driver.status(oid)["smsStatus"] == "created"
    assert driver.state(oid) == "ACCEPTED"
    driver.advance(1)  # sent: the user is charged
    assert driver.status(oid)["smsStatus"] == "sent"
    assert driver.state(oid) == "SETTLED"
    driver.advance(2)  # delivered
    assert driver.status(oid)["smsStatus"] == "delivered"
    assert [(path, body["smsStatus"], body["paid"]) for path, body in hook.received] == [
        ("/sms4sats", "created", True),
        ("/sms4sats", "sent", True),
        ("/sms4sats", "delivered", True),
    ]
    assert hook.received[-1][1] == driver.status(oid)  # the same body as /orderstatus
    callbacks = driver.client.get("/_mock/callbacks?api=sms4sats").get_json()
    assert callbacks["count"] == 3
    assert {c["state"] for c in callbacks["callbacks"]} == {"delivered"}


def test_a_failing_webhook_is_retried_with_backoff(hook: WebhookReceiver) -> None:
    # `sent` comes a day later, so the first hour sees only the "created" callback and its retries.
    driver = Driver(app_for("sms4sats:\n  timing: {sent_after: 86400, delivered_after: 90000}\n"))
    hook.statuses = [500, 503]
    driver.send(webhookUrl=f"{hook.url}/h")
    driver.advance(3)  # paid: "created" POSTed, answered 500
    [callback] = driver.client.get("/_mock/callbacks").get_json()["callbacks"]
    assert (callback["state"], callback["attempts"][0]["status"]) == ("pending", 500)
    assert callback["next_attempt_at"] == "2026-01-01T00:00:13Z"  # 10 s later
    driver.advance(3600)
    callbacks = driver.client.get("/_mock/callbacks").get_json()["callbacks"]
    first = callbacks[0]
    assert [a["status"] for a in first["attempts"]] == [500, 503, 200]
    assert [a["at"] for a in first["attempts"]] == [
        "2026-01-01T00:00:03Z",
        "2026-01-01T00:00:13Z",
        "2026-01-01T00:00:33Z",
    ]
    assert first["state"] == "delivered"


def test_failed_send_cancels_the_invoice(hook: WebhookReceiver) -> None:
    driver = Driver(app_for("sms4sats:\n  outcomes: [{kind: send, outcome: failed}]\n"))
    oid = driver.send(webhookUrl=f"{hook.url}/h")["orderId"]
    driver.advance(10)
    assert driver.status(oid)["smsStatus"] == "failed"
    assert driver.state(oid) == "CANCELED"
    assert [body["smsStatus"] for _, body in hook.received] == ["created", "failed"]


def test_immediate_send_is_paid_from_the_balance_and_refunded_when_it_fails() -> None:
    driver = Driver(app_for("sms4sats:\n  outcomes: [{kind: email, outcome: failed}]\n"))
    sent = driver.send(key=KEY, immediate=True)
    assert sent["payreq"] == "paid"
    assert driver.balance() == 9000
    driver.advance(1)  # sent 1 s after creation when immediate
    assert driver.status(sent["orderId"])["smsStatus"] == "sent"
    failed = driver.email(key=KEY, immediate=True)
    assert driver.balance() == 8000
    driver.advance(5)
    assert driver.status(failed["orderId"])["smsStatus"] == "failed"
    assert driver.balance() == 9000  # the failed email is refunded, the sent SMS is not


def test_default_scenario_sends_within_five_seconds() -> None:
    """A public client polls 10 times, 500 ms apart: `sent` must come within 5 s of creation."""
    driver = Driver(app_for(""))
    oid = driver.send()["orderId"]
    for _ in range(10):
        driver.advance(0.5)
        if driver.status(oid)["smsStatus"] in ("sent", "delivered"):
            break
    assert driver.status(oid)["smsStatus"] == "sent"


def test_message_phone_and_address_are_checked() -> None:
    driver = Driver(app_for(""))
    for path, body, field in (
        ("/createsendorder", {"message": "x" * 141, "phone": "+19871234567"}, "message"),
        ("/createsendorder", {"message": "x", "phone": "+0123"}, "phone"),
        ("/createemailsendorder", {"message": "x", "address": "nobody"}, "address"),
    ):
        response = driver.client.post(path, json=body)
        assert response.status_code == 400
        assert response.get_json()["reason"].startswith(f"{field}:")
