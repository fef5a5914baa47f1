"""Hostile bodies and parameters get a 4xx in their API's own envelope, are journaled, and
change nothing: deep nesting, non-finite numbers, huge integers, non-ASCII digits, YAML bombs."""

from __future__ import annotations

import json

import pytest
import requests

from tests.support import BEARER, SMS4SATS_KEY, Faulty

DEEP = b'{"a":' * 10_000 + b"1" + b"}" * 10_000


@pytest.fixture
def url(faulty: Faulty) -> str:
    """The shared served simulator (`manual`, virtual clock, strict), reset for the test."""
    return faulty.base


def _post(url: str, path: str, data: bytes, **headers: str) -> requests.Response:
    headers = {"Content-Type": "application/json", **headers}
    return requests.post(url + path, data=data, headers=headers, timeout=10)


def _journal(url: str) -> list[dict]:
    response = requests.get(f"{url}/_mock/requests", timeout=10)
    json.loads(response.text, parse_constant=pytest.fail)  # strict JSON, no NaN
    return response.json()["requests"]


ENDPOINTS = [
    ("/createorder", {}, lambda b: b["status"] == "error" and "not valid JSON" in b["reason"]),
    ("/api/v1/order/temporary/", BEARER, lambda b: "not valid JSON" in b["error"]),
    ("/_mock/clock/advance", {}, lambda b: "not valid JSON" in b["error"]),
]


@pytest.mark.parametrize(("path", "headers", "in_envelope"), ENDPOINTS)
@pytest.mark.parametrize(
    ("body", "why"),
    [
        (DEEP, "nested more than 64"),
        (b'{"seconds": NaN, "service_id": NaN, "country": NaN}', "NaN is not"),
        (b'{"seconds": Infinity, "service_id": 1}', "Infinity is not"),
        (b'{"seconds": -Infinity}', "Infinity is not"),
        (b'{"seconds": 1e400, "service_id": 1e400}', "out of range"),
        (b'{"seconds": 1' + b"0" * 4000 + b"}", "more than 40 digits"),
    ],
)
def test_hostile_json_is_a_400_in_the_envelope_and_journaled(
    url: str, path: str, headers: dict, in_envelope, body: bytes, why: str
) -> None:
    response = _post(url, path, body, **headers)
    assert response.status_code == 400, response.text
    assert in_envelope(response.json()) and why in response.text
    if not path.startswith("/_mock"):
        entry = _journal(url)[-1]
        assert (entry["path"], entry["status"]) == (path, 400)


def test_nan_does_not_move_the_clock(url: str) -> None:
    before = requests.get(f"{url}/_mock/clock", timeout=5).json()["now"]
    assert _post(url, "/_mock/clock/advance", b'{"seconds": NaN}').status_code == 400
    assert requests.get(f"{url}/_mock/clock", timeout=5).json()["now"] == before


def test_a_deep_scenario_or_an_alias_bomb_is_refused(url: str) -> None:
    deep = "name: deep\nfaults: " + "[" * 5000 + "]" * 5000 + "\n"
    bomb = "name: bomb\na: &a [1,1,1,1,1,1,1,1,1,1]\n" + "".join(
        f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n"
        for p, n in zip("abcdef", "bcdefg", strict=True)
    )
    for text, why in ((deep, "nested"), (bomb, "aliases are expanded")):
        response = requests.put(f"{url}/_mock/scenario", json={"yaml": text}, timeout=10)
        assert response.status_code == 400 and why in response.json()["error"]
    assert requests.get(f"{url}/_mock/scenario", timeout=5).json()["name"] == "manual"


def test_amounts_are_bounded_to_what_the_real_systems_hold(url: str) -> None:
    def top_up(balance: object) -> requests.Response:
        body = {"api_key": "rich", "balance": balance}
        return requests.post(f"{url}/_mock/sms4sats/accounts", json=body, timeout=5)

    huge = _post(
        url, "/_mock/sms4sats/accounts", b'{"api_key": "rich", "balance": 9' + b"9" * 4299 + b"}"
    )
    assert huge.status_code == 400
    assert top_up(2_100_000_000_000_001).status_code == 400  # past 21 million BTC
    assert top_up(2_000_000_000_000_000).status_code == 200
    refused = top_up(200_000_000_000_000)  # the sum would pass every sat there is
    assert refused.status_code == 400 and "21,000,000 BTC" in refused.json()["error"]
    balance = requests.get(f"{url}/balance", headers={"X-API-Key": "rich"}, timeout=5)
    assert (balance.status_code, balance.json()["balance"]) == (200, 2_000_000_000_000_000)
    fund = requests.post(
        f"{url}/fund",
        json={"amount": 200_000_000_000_000},
        headers={"X-API-Key": "rich"},
        timeout=5,
    )
    assert fund.status_code == 400 and "21,000,000 BTC" in fund.json()["reason"]
    too_much = requests.post(
        f"{url}/fund", json={"amount": 3 * 10**15}, headers={"X-API-Key": SMS4SATS_KEY}, timeout=5
    )
    assert too_much.status_code == 400 and too_much.json()["status"] == "error"
    usd = {"api_key": "k", "balance": "1" * 12}
    assert requests.post(f"{url}/_mock/smsverify/accounts", json=usd, timeout=5).status_code == 400


@pytest.mark.parametrize("digit", ["²", "٣", "１", "𝟗", "1\n", "9" * 5000])  # noqa: RUF001
def test_numbers_in_parameters_are_ascii_digits_only(url: str, digit: str) -> None:
    for path in ("/getnumbersstatus", "/price"):
        response = requests.get(
            f"{url}{path}", params={"country": digit, "service": "tg"}, timeout=5
        )
        assert response.status_code < 500, (path, response.text)
        if response.status_code >= 400:
            assert response.json()["status"] == "error"
    order = requests.get(f"{url}/api/v1/order/{digit}/status/", headers=BEARER, timeout=5)
    assert order.status_code == 404 and "error" in order.json()
