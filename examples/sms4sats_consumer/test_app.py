"""The sms4sats integration against sms-mock: the happy path and what goes wrong."""

from __future__ import annotations

import pytest

from examples.sms4sats_consumer.app import Sms4satsApp, Sms4satsError


def app_for(sms_mock) -> Sms4satsApp:  # type: ignore[no-untyped-def]
    """The app on the simulator's clock: its waits advance simulated time."""
    clock = {"t": 0.0}

    def sleep(seconds: float) -> None:
        clock["t"] += seconds
        sms_mock.advance(seconds)

    return Sms4satsApp(sms_mock.url, sleep=sleep, now=lambda: clock["t"])


def test_happy_path_pays_and_gets_the_code(sms_mock) -> None:  # type: ignore[no-untyped-def]
    result = app_for(sms_mock).get_code("usa", "tg", pay=sms_mock.pay)
    assert result.code is not None and len(result.code) == 6
    assert sms_mock.invoice(result.order_id)["state"] == "SETTLED"  # charged once the code came


@pytest.mark.sms_mock(scenario="no-numbers")
def test_no_numbers_is_an_error_and_a_refund(sms_mock) -> None:  # type: ignore[no-untyped-def]
    result = app_for(sms_mock).get_code(187, "tg", pay=sms_mock.pay)
    assert result.code is None and "No available number" in (result.error or "")
    assert sms_mock.invoice(result.order_id)["state"] == "CANCELED"


@pytest.mark.sms_mock(scenario="code-never-arrives")
def test_a_code_that_never_comes_ends_in_a_refund(sms_mock) -> None:  # type: ignore[no-untyped-def]
    result = app_for(sms_mock).get_code(187, "tg", pay=sms_mock.pay, timeout=30 * 60)
    assert result.code is None
    assert "No code received" in (result.error or "")  # the service gave up at 21 minutes
    assert sms_mock.invoice(result.order_id)["state"] == "CANCELED"


@pytest.mark.sms_mock(scenario="code-never-arrives")
def test_our_own_timeout_cancels_the_order(sms_mock) -> None:  # type: ignore[no-untyped-def]
    result = app_for(sms_mock).get_code(187, "tg", pay=sms_mock.pay, timeout=5 * 60)
    assert (result.canceled, result.error) == (True, "timed out waiting for the code")
    assert sms_mock.invoice(result.order_id)["state"] == "CANCELED"


@pytest.mark.sms_mock(scenario="slow-code")
def test_a_slow_code_still_arrives_within_the_timeout(sms_mock) -> None:  # type: ignore[no-untyped-def]
    result = app_for(sms_mock).get_code(187, "tg", pay=sms_mock.pay, poll_every=60)
    assert result.code is not None
    assert sms_mock.clock()["offset_seconds"] >= 1199


@pytest.mark.sms_mock(scenario="flaky-5xx")
def test_flaky_5xx_answers_are_retried(sms_mock) -> None:  # type: ignore[no-untyped-def]
    result = app_for(sms_mock).get_code(187, "tg", pay=sms_mock.pay, poll_every=1)
    assert result.code is not None
    served = sms_mock.requests(api="sms4sats")
    assert [r["status"] for r in served if r["fault"]] == [500] * sum(
        1 for r in served if r["fault"]
    )
    assert any(r["fault"] for r in served)  # the seed makes some of these ~20 polls fail


@pytest.mark.sms_mock(scenario="malformed-json")
def test_broken_json_is_retried(sms_mock) -> None:  # type: ignore[no-untyped-def]
    result = app_for(sms_mock).get_code(187, "tg", pay=sms_mock.pay)
    assert result.code is not None and len(result.code) == 6
    broken = [r for r in sms_mock.requests(api="sms4sats") if r["fault"]]
    assert broken and {r["fault"]["action"] for r in broken} == {"malformed"}


def test_an_unknown_service_is_refused(sms_mock) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Sms4satsError, match="unknown service"):
        app_for(sms_mock).get_code(187, "no-such-service", pay=sms_mock.pay)
