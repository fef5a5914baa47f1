"""smsVerificationService over HTTP: Bearer keys, both error envelopes, exact USD."""

from __future__ import annotations

import requests

from tests.support import BEARER

V1 = "/api/v1"


def test_balance_is_exact_usd_with_two_places(live: str) -> None:
    response = requests.get(f"{live}{V1}/balance/", headers=BEARER, timeout=5)
    assert response.status_code == 200
    assert response.text == '{"balance":50.00,"currency":"USD"}'
    wrapped = requests.get(f"{live}{V1}/wallet/balance/", headers=BEARER, timeout=5)
    assert wrapped.text == '{"success":true,"data":{"balance":50.00,"currency":"USD"}}'


def test_missing_key_gets_each_endpoints_documented_401(live: str) -> None:
    legacy = requests.get(f"{live}{V1}/balance/", timeout=5)
    assert (legacy.status_code, legacy.json()) == (401, {"error": "Invalid API key"})
    envelope = requests.get(f"{live}{V1}/services/temporary/", timeout=5)
    assert (envelope.status_code, envelope.json()) == (
        401,
        {"success": False, "error": "Invalid or missing API key"},
    )


def test_unknown_or_malformed_keys_are_401(live: str) -> None:
    for header in ("Bearer nobody", "Bearer", "Basic dGVzdDp0ZXN0", "test-smsverify-key"):
        response = requests.get(
            f"{live}{V1}/services/rental/", headers={"Authorization": header}, timeout=5
        )
        assert (response.status_code, response.json()) == (401, {"error": "Invalid API key"}), (
            header
        )


def test_global_services_without_country_id_is_the_documented_400(live: str) -> None:
    response = requests.get(f"{live}{V1}/global/services/", headers=BEARER, timeout=5)
    assert (response.status_code, response.json()) == (
        400,
        {"error": "country_id query parameter is required"},
    )


def test_global_services_with_a_non_integer_country_id(live: str) -> None:
    response = requests.get(
        f"{live}{V1}/global/services/", params={"country_id": "uk"}, headers=BEARER, timeout=5
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith("query parameter country_id:")


def test_body_errors_use_the_operations_envelope(live: str) -> None:
    legacy = requests.post(
        f"{live}{V1}/order/rental/",
        json={"service": "WhatsApp", "duration": 7},
        headers=BEARER,
        timeout=5,
    )
    assert legacy.status_code == 400
    assert list(legacy.json()) == ["error"]
    assert legacy.json()["error"].startswith("duration:")
    envelope = requests.post(
        f"{live}{V1}/order/temporary/", json={"area_code": "2125"}, headers=BEARER, timeout=5
    )
    assert envelope.status_code == 400
    assert envelope.json() == {"success": False, "error": "service_id is required"}


def test_area_code_must_be_three_digits(live: str) -> None:
    response = requests.post(
        f"{live}{V1}/order/temporary/",
        json={"service_id": 1012, "area_code": "21"},
        headers=BEARER,
        timeout=5,
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith("area_code:")


def test_a_non_integer_order_id_is_404_not_found(live: str) -> None:
    response = requests.get(f"{live}{V1}/order/abc/status/", headers=BEARER, timeout=5)
    assert response.status_code == 404
    assert response.json()["success"] is False


def test_a_missing_trailing_slash_is_a_301_as_django_answers(live: str) -> None:
    response = requests.get(
        f"{live}{V1}/balance", params={"x": "1"}, headers=BEARER, allow_redirects=False, timeout=5
    )
    assert (response.status_code, response.headers["Location"]) == (301, "/api/v1/balance/?x=1")
    assert response.content == b""
    response = requests.post(
        f"{live}{V1}/order/temporary",
        json={"service_id": 1012},
        headers=BEARER,
        allow_redirects=False,
        timeout=5,
    )
    assert (response.status_code, response.headers["Location"]) == (301, "/api/v1/order/temporary/")


def test_unknown_path_and_wrong_method(live: str) -> None:
    missing = requests.get(f"{live}{V1}/services/permanent/", headers=BEARER, timeout=5)
    assert missing.status_code == 404
    assert missing.json()["success"] is False
    wrong = requests.get(f"{live}{V1}/order/1/cancel/", headers=BEARER, timeout=5)
    assert wrong.status_code == 405
    assert wrong.headers["Allow"] == "OPTIONS, POST"
    assert wrong.json()["success"] is False


def test_credentials_are_checked_before_the_body(live: str) -> None:
    headers = {"Content-Type": "application/json", "Authorization": "Bearer nobody"}
    response = requests.post(
        f"{live}{V1}/order/temporary/", data="{not json", headers=headers, timeout=5
    )
    assert (response.status_code, response.json()) == (
        401,
        {"success": False, "error": "Invalid or missing API key"},
    )
    response = requests.post(
        f"{live}{V1}/order/temporary/", data="{not json", headers={**headers, **BEARER}, timeout=5
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["error"]
