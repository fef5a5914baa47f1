"""The smsVerificationService integration against sms-mock."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import requests

from examples.smsverify_consumer.app import OrderFailed, SmsVerifyApp, callback_endpoint

KEY = "test-smsverify-key"


def app_for(sms_mock, key: str = KEY) -> SmsVerifyApp:  # type: ignore[no-untyped-def]
    clock = {"t": 0.0}

    def sleep(seconds: float) -> None:
        clock["t"] += seconds
        sms_mock.advance(seconds)

    return SmsVerifyApp(sms_mock.smsverify_url, key, sleep=sleep, now=lambda: clock["t"])


def balance(sms_mock) -> Decimal:  # type: ignore[no-untyped-def]
    """The wallet, exact: USD is read as a Decimal, never a float."""
    answer = requests.get(
        f"{sms_mock.smsverify_url}/balance/", headers={"Authorization": f"Bearer {KEY}"}
    )
    return json.loads(answer.text, parse_float=Decimal)["balance"]


def test_happy_path_by_polling(sms_mock) -> None:  # type: ignore[no-untyped-def]
    app = app_for(sms_mock)
    verification = app.wait_for_otp(app.order_number(1012))
    assert verification.status == "completed" and len(verification.otp or "") == 6
    assert balance(sms_mock) == Decimal("49.60")


def test_happy_path_by_callback(sms_mock) -> None:  # type: ignore[no-untyped-def]
    with callback_endpoint() as inbox:
        sms_mock.add_account("smsverify", KEY, callback_url=inbox.url)
        verification = app_for(sms_mock).order_number(22)
        sms_mock.advance("20s")  # the SMS arrives, and is POSTed to the app
        assert inbox.arrived.wait(5)
        [message] = inbox.messages
        assert message["order_id"] == verification.order_id
        assert message["number"] == "".join(c for c in verification.phone if c.isdigit())
        assert message["sms"].startswith("Your Telegram code is ")


@pytest.mark.sms_mock(scenario="rate-limited")
def test_429_is_honoured_with_retry_after(sms_mock) -> None:  # type: ignore[no-untyped-def]
    app = app_for(sms_mock)
    verification = app.wait_for_otp(app.order_number(1012), poll_every=2)
    assert verification.otp is not None
    assert verification.waited_for_rate_limit > 0  # it waited as told, and then got through
    assert 429 in [r["status"] for r in sms_mock.requests(api="smsverify")]


@pytest.mark.sms_mock(scenario="code-never-arrives")
def test_no_sms_expires_and_is_refunded(sms_mock) -> None:  # type: ignore[no-untyped-def]
    app = app_for(sms_mock)
    verification = app.wait_for_otp(app.order_number(1012), poll_every=60)
    assert (verification.status, verification.otp) == ("expired", None)
    assert balance(sms_mock) == Decimal("50.00")


@pytest.mark.sms_mock(scenario="insufficient-balance")
def test_an_empty_wallet_is_a_402(sms_mock) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(OrderFailed) as failed:
        app_for(sms_mock).order_number(1012)
    assert (failed.value.status, failed.value.message) == (402, "Insufficient balance")


@pytest.mark.sms_mock(scenario="provider-failure")
def test_a_provider_failure_charges_nothing(sms_mock) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(OrderFailed) as failed:
        app_for(sms_mock).order_number(1012)
    assert failed.value.status == 500
    assert balance(sms_mock) == Decimal("50.00")
