"""sms4sats over HTTP: validation and credential errors in `{"status": "error", "reason": ...}`."""

from __future__ import annotations

import requests

from tests.support import SMS4SATS_KEY


def _error(response: requests.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"status", "reason"}
    assert body["status"] == "error"
    return body["reason"]


def test_missing_required_query_parameter(live: str) -> None:
    reason = _error(requests.get(f"{live}/getnumbersstatus", timeout=5), 400)
    assert reason == "country query parameter is required"


def test_country_is_a_code_or_a_name(live: str) -> None:
    for country in ("187", "germany", "United States"):
        response = requests.get(f"{live}/getnumbersstatus", params={"country": country}, timeout=5)
        assert response.status_code == 200


def test_out_of_range_country_code_names_the_field(live: str) -> None:
    reason = _error(requests.get(f"{live}/price", params={"country": "1000"}, timeout=5), 400)
    assert reason.startswith("query parameter country:")


def test_missing_body_field_is_named(live: str) -> None:
    reason = _error(requests.post(f"{live}/createorder", json={"country": 187}, timeout=5), 400)
    assert reason == "service is required"


def test_wrong_body_type_is_named(live: str) -> None:
    response = requests.post(
        f"{live}/createorder", json={"country": 187, "service": "tg", "immediate": "yes"}, timeout=5
    )
    reason = _error(response, 400)
    assert reason.startswith("immediate:")
    assert "boolean" in reason


def test_phone_must_be_e164_and_message_at_most_140(live: str) -> None:
    reason = _error(
        requests.post(
            f"{live}/createsendorder", json={"message": "hi", "phone": "12345"}, timeout=5
        ),
        400,
    )
    assert reason.startswith("phone:")
    reason = _error(
        requests.post(
            f"{live}/createsendorder",
            json={"message": "x" * 141, "phone": "+19871234567"},
            timeout=5,
        ),
        400,
    )
    assert reason.startswith("message:")


def test_webhook_url_must_be_a_uri(live: str) -> None:
    body = {"message": "hi", "phone": "+19871234567", "webhookUrl": "not a url"}
    reason = _error(requests.post(f"{live}/createsendorder", json=body, timeout=5), 400)
    assert reason.startswith("webhookUrl:")


def test_missing_body_is_a_clear_400(live: str) -> None:
    reason = _error(requests.post(f"{live}/createorder", timeout=5), 400)
    assert "request body is required" in reason


def test_malformed_json_is_a_400(live: str) -> None:
    response = requests.post(
        f"{live}/createorder",
        data='{"country": 187,',
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    assert "not valid JSON" in _error(response, 400)


def test_a_body_that_is_not_json_is_a_400(live: str) -> None:
    response = requests.post(
        f"{live}/createorder", data={"country": "187", "service": "tg"}, timeout=5
    )
    assert "must be JSON" in _error(response, 400)


def test_json_that_is_not_an_object_is_a_400(live: str) -> None:
    response = requests.post(
        f"{live}/fund", json=[1, 2], headers={"X-API-Key": SMS4SATS_KEY}, timeout=5
    )
    assert "is not of type 'object'" in _error(response, 400)


def test_a_body_over_one_mebibyte_is_a_413(live: str) -> None:
    big = '{"message": "' + "x" * (1024 * 1024) + '"}'
    response = requests.post(
        f"{live}/createsendorder",
        data=big,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert "too large" in _error(response, 413)


def test_missing_api_key_is_the_documented_400(live: str) -> None:
    for method, path in (("GET", "/balance"), ("GET", "/history"), ("POST", "/fund")):
        response = requests.request(method, f"{live}{path}", json={"amount": 1000}, timeout=5)
        assert _error(response, 400) == "X-API-Key header is missing."
    response = requests.get(f"{live}/balance", headers={"X-API-Key": ""}, timeout=5)
    assert _error(response, 400) == "X-API-Key header is missing."


def test_missing_api_key_is_reported_before_a_bad_body(live: str) -> None:
    response = requests.post(f"{live}/fund", json={"amount": "lots"}, timeout=5)
    assert _error(response, 400) == "X-API-Key header is missing."


def test_unknown_path_is_a_404_in_the_envelope(live: str) -> None:
    assert "no such endpoint" in _error(requests.get(f"{live}/getprices", timeout=5), 404)


def test_sms4sats_paths_have_no_trailing_slash(live: str) -> None:
    assert "no such endpoint" in _error(requests.get(f"{live}/price/", timeout=5), 404)


def test_wrong_method_is_a_405_with_allow(live: str) -> None:
    response = requests.put(f"{live}/createorder", json={}, timeout=5)
    assert "method not allowed" in _error(response, 405)
    assert response.headers["Allow"] == "OPTIONS, POST"


def test_requests_are_journaled(live: str) -> None:
    requests.get(f"{live}/price", params={"country": "187"}, timeout=5)
    journal = requests.get(f"{live}/_mock/requests", params={"api": "sms4sats"}, timeout=5).json()
    [entry] = journal["requests"]
    assert entry["path"] == "/price"
    assert entry["query"] == {"country": ["187"]}
    assert entry["status"] == 200
    assert entry["operation"] == "getPrice"
    assert entry["response"]["receive"] == "3000"
