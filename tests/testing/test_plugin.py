"""The plugin as a consumer meets it: installed, found by pytest, in their own test files."""

from __future__ import annotations

import pytest
import requests

pytest_plugins = ["pytester"]

REFUND_TEST = """
import pytest, requests

@pytest.mark.sms_mock(scenario="code-never-arrives")
def test_refund(sms_mock):
    body = {"country": 187, "service": "tg"}
    order = requests.post(f"{sms_mock.url}/createorder", json=body).json()
    sms_mock.pay(order["payreq"])
    sms_mock.advance("21m")
    assert sms_mock.invoice(order["orderId"])["state"] == "CANCELED"
"""


def test_a_consumer_writes_the_refund_test_in_under_ten_lines(pytester: pytest.Pytester) -> None:
    assert len([line for line in REFUND_TEST.strip().splitlines() if line.strip()]) < 10
    pytester.makepyfile(test_consumer=REFUND_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_freezegun_does_not_move_the_simulators_clock(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_frozen="""
import requests
from freezegun import freeze_time

def test_frozen(sms_mock):
    before = sms_mock.clock()["timestamp"]
    with freeze_time("2031-05-05 12:00:00", tick=True):
        body = {"country": 187, "service": "tg"}
        order = requests.post(f"{sms_mock.url}/createorder", json=body).json()
        assert sms_mock.clock()["timestamp"] == before  # the virtual clock ignores freezegun
        sms_mock.advance("18s")                          # and moves only when told
        query = {"orderId": order["orderId"]}
        status = requests.get(f"{sms_mock.url}/orderstatus", params=query).json()
        assert "code" in status
    assert sms_mock.clock()["timestamp"] == before + 18
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_each_xdist_worker_has_its_own_server(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_parallel="""
import pytest, requests

@pytest.mark.parametrize("n", range(6))
def test_isolated(sms_mock, n):
    sms_mock.add_account("sms4sats", "shared-name", 100)
    key = {"X-API-Key": "shared-name"}
    balance = requests.get(f"{sms_mock.url}/balance", headers=key).json()["balance"]
    assert balance == 100  # reset before each test, and no other worker's account
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=6)


def test_an_unknown_scenario_in_the_marker_fails_the_test_clearly(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_bad="""
import pytest

@pytest.mark.sms_mock(scenario="nope")
def test_bad(sms_mock):
    pass
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*unknown scenario 'nope'; known scenarios:*"])


def test_each_test_runs_in_its_own_world_of_one_shared_server(
    pytester: pytest.Pytester, live_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SMS_MOCK_URL: every xdist worker, and every test, on the one server, each in a world."""
    pytester.makepyfile(
        test_shared="""
import pytest, requests

@pytest.mark.parametrize("n", range(6))
def test_isolated(sms_mock, n):
    assert sms_mock.url.startswith(URL + "/worlds/test-")
    sms_mock.add_account("sms4sats", "shared-name", 100 + n)
    key = {"X-API-Key": "shared-name"}
    balance = requests.get(f"{sms_mock.url}/balance", headers=key).json()["balance"]
    assert int(balance) == 100 + n
    assert [r["path"] for r in sms_mock.requests()] == ["/balance"]
    start = sms_mock.clock()["timestamp"]
    sms_mock.advance(60 * n)
    assert sms_mock.clock()["timestamp"] == start + 60 * n  # no other test moves it
""".replace("URL", repr(live_url))
    )
    before = requests.get(f"{live_url}/_mock/worlds", timeout=5).json()["count"]
    monkeypatch.setenv("SMS_MOCK_URL", live_url)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=6)
    assert requests.get(f"{live_url}/_mock/worlds", timeout=5).json()["count"] == before
