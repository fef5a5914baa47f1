"""60 requests per key per minute, on the clock: the 61st gets 429, the documented body and a
Retry-After that is exactly long enough."""

from __future__ import annotations

from .helpers import OTHER, driver_for

BODY = {"error": "Rate limit exceeded. Maximum 60 requests per minute."}


def test_the_61st_request_is_refused_and_retry_after_is_exact() -> None:
    d = driver_for()
    for i in range(60):
        assert d.get("balance/").status_code == 200, i
        d.advance(0.5)  # 60 requests over 30 s
    refused = d.get("services/temporary/")  # an envelope endpoint: the 429 is legacy everywhere
    assert (refused.status_code, refused.get_json()) == (429, BODY)
    assert refused.headers["Retry-After"] == "30"
    d.advance(29)
    assert d.get("balance/").status_code == 429
    assert d.get("balance/").headers["Retry-After"] == "1"
    d.advance(1)
    assert d.get("balance/").status_code == 200


def test_keys_are_limited_independently_and_401s_are_not_throttled() -> None:
    d = driver_for()
    for _ in range(60):
        d.get("balance/")
    assert d.get("balance/").status_code == 429
    assert d.get("balance/", key=OTHER).status_code == 200
    assert d.get("balance/", key="nobody").status_code == 401


def test_every_operation_counts_including_bad_requests() -> None:
    d = driver_for()
    for _ in range(30):
        d.post("order/temporary/", {"service_id": "not digits"})  # 400s count too
    for _ in range(30):
        d.get("orders/")
    assert d.get("orders/").status_code == 429


def test_limit_and_window_are_scenario_settings_and_can_be_switched_off() -> None:
    d = driver_for("smsverify:\n  rate_limit: {limit: 5, window: 10}\n")
    for _ in range(5):
        assert d.get("balance/").status_code == 200
    refused = d.get("balance/")
    assert refused.get_json() == {
        "error": "Rate limit exceeded. Maximum 5 requests per 10 seconds."
    }
    assert refused.headers["Retry-After"] == "10"
    off = driver_for("smsverify:\n  rate_limit: {enabled: false}\n")
    assert all(off.get("balance/").status_code == 200 for _ in range(200))


def test_throttled_requests_are_journaled_as_429() -> None:
    d = driver_for("smsverify:\n  rate_limit: {limit: 1}\n")
    d.get("balance/")
    d.get("balance/")
    entries = d.client.get("/_mock/requests?api=smsverify").get_json()["requests"]
    assert [e["status"] for e in entries] == [200, 429]
    assert entries[1]["headers"]["Authorization"] == "Bearer ****"  # keys are masked
