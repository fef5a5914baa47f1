"""The plugin's `sms_mock` handle, used the way a consumer's tests use it."""

from __future__ import annotations

import pytest
import requests

from mock_server.testing import ControlError
from mock_server.testing.plugin import SmsMock
from tests.support import WebhookReceiver

RECEIVE = {"country": 187, "service": "tg"}


def test_urls_and_a_fresh_default_world(sms_mock: SmsMock) -> None:
    assert sms_mock.smsverify_url == sms_mock.url + "/api/v1"
    assert requests.get(f"{sms_mock.sms4sats_url}/price", timeout=5).status_code == 200
    assert sms_mock.scenario()["name"] == "default"
    assert sms_mock.clock()["mode"] == "virtual"
    assert [(r["method"], r["path"]) for r in sms_mock.requests()] == [("GET", "/price")]


@pytest.mark.sms_mock(scenario="code-never-arrives")
def test_the_ten_line_refund(sms_mock: SmsMock) -> None:
    order = requests.post(f"{sms_mock.url}/createorder", json=RECEIVE, timeout=5).json()
    sms_mock.pay(order["payreq"])
    sms_mock.advance("21m")
    assert sms_mock.invoice(order["orderId"])["state"] == "CANCELED"


def test_pay_deliver_and_settle(sms_mock: SmsMock) -> None:
    sms_mock.use_scenario("manual")
    order = requests.post(f"{sms_mock.url}/createorder", json=RECEIVE, timeout=5).json()
    assert sms_mock.pay(order["payreq"])["state"] == "ACCEPTED"
    assert sms_mock.deliver_code(order["orderId"], "123456")["code"] == 123456
    assert sms_mock.invoice(order["orderId"])["state"] == "SETTLED"
    with pytest.raises(ControlError) as refused:
        sms_mock.pay(order["payreq"])
    assert refused.value.status == 409 and "SETTLED" in refused.value.message


def test_accounts_sms_and_callbacks(sms_mock: SmsMock) -> None:
    with WebhookReceiver().running() as hook:
        sms_mock.add_account("smsverify", "mine", "5.00", callback_url=f"{hook.url}/api/callback")
        sms_mock.add_account("sms4sats", "mine", 7000)
        headers = {"Authorization": "Bearer mine"}
        placed = requests.post(
            f"{sms_mock.smsverify_url}/order/temporary/",
            json={"service_id": 22},
            headers=headers,
            timeout=5,
        )
        order_id = placed.json()["data"]["order_id"]
        status = sms_mock.deliver_sms(order_id, otp="4242")
        assert (status["status"], status["otp"]) == ("completed", "4242")
        sent = {c["event"]: c for c in sms_mock.callbacks(api="smsverify")}
        assert {e: c["state"] for e, c in sent.items()} == {
            "wallet_deposit": "delivered",
            "incoming_message": "delivered",
        }
        paths = [path for path, _ in hook.received]
        assert paths == ["/api/wallet/callback", "/api/callback"]
        assert hook.received[1][1]["message"]["sms"] == "Your Telegram code is 4242"
    assert (
        requests.get(f"{sms_mock.url}/balance", headers={"X-API-Key": "mine"}, timeout=5).json()[
            "balance"
        ]
        == 7000
    )
    assert [r["operation"] for r in sms_mock.requests(api="smsverify")] == ["orderTemporary"]
    with pytest.raises(ControlError, match="404: no such endpoint: POST /_mock/paypal/accounts"):
        sms_mock.add_account("paypal", "x")
    assert sms_mock.add_account("smsverify", "whole", 5)["balance"] == "5.00"


def test_state_does_not_leak_between_tests_part_one(sms_mock: SmsMock) -> None:
    sms_mock.add_account("sms4sats", "leak-check", 1)
    sms_mock.advance(3600)


def test_state_does_not_leak_between_tests_part_two(sms_mock: SmsMock) -> None:
    response = requests.get(
        f"{sms_mock.url}/balance", headers={"X-API-Key": "leak-check"}, timeout=5
    )
    assert response.json()["balance"] == 0
    assert sms_mock.clock()["offset_seconds"] == 0
