"""Each fault action, observed over real HTTP (a real socket for reset, malformed and timeout)."""

from __future__ import annotations

import json
import threading

import pytest
import requests

from tests.support import BEARER, Faulty


def test_respond_with_status_headers_and_body(faulty: Faulty) -> None:
    faulty.rules(
        "  - match: {api: smsverify, path: /api/v1/balance/}\n"
        "    respond: {status: 502, headers: {X-Upstream: down},"
        " body: {success: false, error: Bad gateway}}\n"
    )
    response = requests.get(f"{faulty.base}/api/v1/balance/", headers=BEARER, timeout=5)
    assert (response.status_code, response.headers["X-Upstream"]) == (502, "down")
    assert response.json() == {"success": False, "error": "Bad gateway"}
    [entry] = faulty.journal()
    assert entry["fault"] == {"rule": "faults[0]", "action": "respond"}


def test_respond_with_a_documented_error_response(faulty: Faulty) -> None:
    faulty.rules(
        "  - match: {operation: createOrder}\n    respond: {status: 500, documented: true}\n"
    )
    response = requests.post(
        f"{faulty.base}/createorder", json={"country": 187, "service": "tg"}, timeout=5
    )
    assert (response.status_code, response.json()) == (
        500,
        {"status": "error", "reason": "unable to save data"},
    )


def test_respond_with_a_documented_response_by_name(faulty: Faulty) -> None:
    faulty.rules(
        "  - match: {operation: orderTemporary}\n"
        "    respond: {status: 402, documented: InsufficientBalance}\n"
    )
    order = {"service_id": 1012}
    response = requests.post(
        f"{faulty.base}/api/v1/order/temporary/", json=order, headers=BEARER, timeout=5
    )
    assert (response.status_code, response.json()) == (
        402,
        {"success": False, "error": "Insufficient balance"},
    )


def test_a_documented_response_that_does_not_exist_is_refused_when_loaded(faulty: Faulty) -> None:
    text = (
        "name: wrong\nfaults:\n  - match: {operation: getPrice}\n"
        "    respond: {status: 500, documented: ServerErorr}\n"
    )
    response = requests.put(f"{faulty.base}/_mock/scenario", json={"yaml": text}, timeout=5)
    assert (response.status_code, response.json()) == (
        400,
        {
            "error": "<inline>:4: faults[0].respond.documented: sms4sats.yaml has no response"
            " 'ServerErorr' (nearest: ServerError)"
        },
    )
    assert requests.get(f"{faulty.base}/_mock/scenario", timeout=5).json()["name"] == "manual"
    assert requests.get(f"{faulty.base}/price", timeout=5).status_code == 200


def test_rate_limit_in_each_envelope(faulty: Faulty) -> None:
    faulty.rules("  - rate_limit: {retry_after: 7}\n")
    sms4sats = requests.get(f"{faulty.base}/price", timeout=5)
    assert (sms4sats.status_code, sms4sats.headers["Retry-After"]) == (429, "7")
    assert sms4sats.json() == {
        "status": "error",
        "reason": "Too many requests, please try again later.",
    }
    smsverify = requests.get(f"{faulty.base}/api/v1/services/temporary/", headers=BEARER, timeout=5)
    assert (smsverify.status_code, smsverify.headers["Retry-After"]) == (429, "7")
    assert smsverify.json() == {"error": "Rate limit exceeded. Maximum 60 requests per minute."}


def test_reset_closes_the_socket_without_an_answer(faulty: Faulty) -> None:
    faulty.rules("  - match: {path: /price}\n    reset: true\n")
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{faulty.base}/price", timeout=5)
    assert requests.get(f"{faulty.base}/getCountries", timeout=5).status_code == 200
    entries = faulty.journal()
    assert (entries[0]["status"], entries[0]["fault"]["action"]) == (0, "reset")
    assert entries[1]["fault"] is None


def test_empty_is_a_200_with_no_body(faulty: Faulty) -> None:
    faulty.rules("  - empty: true\n")
    response = requests.get(f"{faulty.base}/getCountries", timeout=5)
    assert (response.status_code, response.content) == (200, b"")


def test_malformed_truncated_and_invalid(faulty: Faulty) -> None:
    plain = requests.get(f"{faulty.base}/getCountries", timeout=5).text
    faulty.rules(
        "  - match: {api: sms4sats}\n    malformed: {mode: truncated}\n"
        "  - match: {api: smsverify}\n    malformed: {mode: invalid}\n"
    )
    cut = requests.get(f"{faulty.base}/getCountries", timeout=5)
    assert cut.status_code == 200 and cut.headers["Content-Type"] == "application/json"
    assert plain.startswith(cut.text) and len(cut.text) == len(plain) // 2
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.text)
    html = requests.get(f"{faulty.base}/api/v1/balance/", headers=BEARER, timeout=5)
    assert html.text.startswith("<html>")
    with pytest.raises(ValueError):
        html.json()


def test_drift_renames_removes_and_retypes(faulty: Faulty) -> None:
    faulty.rules(
        "  - match: {operation: createOrder}\n"
        "    drift: {rename: {orderId: order_id}, remove: [payreq]}\n"
        "  - match: {operation: getWalletBalance}\n    drift: {retype: {data.balance: string}}\n"
    )
    order = requests.post(
        f"{faulty.base}/createorder", json={"country": 187, "service": "tg"}, timeout=5
    ).json()
    assert set(order) == {"status", "order_id"}
    wallet = requests.get(f"{faulty.base}/api/v1/wallet/balance/", headers=BEARER, timeout=5).json()
    assert wallet == {"success": True, "data": {"balance": "50.00", "currency": "USD"}}


def test_latency_holds_the_answer_until_the_clock_has_moved(faulty: Faulty) -> None:
    faulty.rules("  - match: {path: /price}\n    latency: {seconds: 3}\n")
    answers: list[requests.Response] = []
    client = threading.Thread(
        target=lambda: answers.append(requests.get(f"{faulty.base}/price", timeout=10))
    )
    client.start()
    faulty.wait_until_parked()
    faulty.advance(2.9)
    assert answers == [] and faulty.parked() == 1
    [held] = faulty.journal()  # listed while it waits: no status, no answer yet, its fault
    assert (held["path"], held["status"], held["response"]) == ("/price", None, None)
    assert held["fault"] == {"rule": "faults[0]", "action": "latency", "delay": 3.0}
    faulty.advance(0.1)
    client.join(timeout=5)
    assert answers[0].status_code == 200 and answers[0].json()["receive"] == "3000"
    [entry] = faulty.journal()
    assert entry["id"] == held["id"] and entry["status"] == 200
    assert entry["response"]["receive"] == "3000"
    assert entry["fault"] == {"rule": "faults[0]", "action": "latency", "delay": 3.0}


def test_a_latency_range_is_drawn_from_the_seed(faulty: Faulty) -> None:
    rule = "  - latency: {min: 2, max: 5}\n"
    delays = []
    for _ in range(2):
        faulty.sim.reset("manual")
        faulty.rules(rule)
        rule_state = faulty.sim.faults.rules("rules")[0]
        delays.append([round(rule_state.fault().delay, 6) for _ in range(5)])
    assert delays[0] == delays[1]
    assert all(2 <= d <= 5 for d in delays[0]) and len(set(delays[0])) == 5


def test_timeout_holds_past_the_clients_patience_then_closes(faulty: Faulty) -> None:
    faulty.rules("  - match: {path: /getCountries}\n    timeout: {seconds: 30}\n")
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(f"{faulty.base}/getCountries", timeout=0.5)
    faulty.wait_until_parked()
    faulty.advance(30)  # the server gives up and closes the socket
    entries = faulty.journal()  # listed already while held; closed once the thread is released
    for _ in range(300):  # real-time: the released request closes its entry
        entries = faulty.journal()
        if entries[0]["status"] is not None:
            break
        threading.Event().wait(0.01)
    assert (entries[0]["status"], entries[0]["fault"]["action"]) == (0, "timeout")
