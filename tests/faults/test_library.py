"""Every scenario of the library does what its description says."""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from flask.testing import FlaskClient

from mock_server.app import create_app, simulation_of
from mock_server.engine.scenarios import ScenarioLibrary
from mock_server.engine.simulation import Simulation
from tests.support import BEARER, SMS4SATS_KEY, Faulty, WebhookReceiver

RECEIVE = {"country": 187, "service": "tg"}


def _app(name: str) -> tuple[FlaskClient, Simulation]:
    app = create_app(name, clock="virtual", strict=True)
    return app.test_client(), simulation_of(app)


def _pay(client: FlaskClient, order: dict) -> None:
    assert client.post("/_mock/lightning/pay", json={"payreq": order["payreq"]}).status_code == 200


def _invoice(client: FlaskClient, order: dict) -> str:
    return client.get(f"/_mock/lightning/invoices/{order['orderId']}").get_json()["state"]


def test_every_library_scenario_is_exercised_by_a_test() -> None:
    tests = Path(__file__).resolve().parents[1]
    source = "\n".join(p.read_text() for p in tests.rglob("test_*.py"))
    missing = [name for name in ScenarioLibrary().names() if f'"{name}"' not in source]
    assert missing == []


def test_default_works_end_to_end_on_its_own() -> None:
    client, sim = _app("default")
    order = client.post("/createorder", json=RECEIVE).get_json()
    sim.scheduler.advance(18)
    assert (
        "code" in client.get("/orderstatus", query_string={"orderId": order["orderId"]}).get_json()
    )
    assert _invoice(client, order) == "SETTLED"


def test_slow_code_comes_a_second_before_the_deadlines() -> None:
    client, sim = _app("slow-code")
    order = client.post("/createorder", json=RECEIVE).get_json()
    _pay(client, order)
    sim.scheduler.advance(1198)
    assert (
        "code"
        not in client.get("/orderstatus", query_string={"orderId": order["orderId"]}).get_json()
    )
    sim.scheduler.advance(1)
    assert _invoice(client, order) == "SETTLED"
    placed = client.post(
        "/api/v1/order/temporary/", json={"service_id": 1012}, headers=BEARER
    ).get_json()
    sim.scheduler.advance(1199)
    status = client.get(
        f"/api/v1/order/{placed['data']['order_id']}/status/", headers=BEARER
    ).get_json()
    assert status["data"]["status"] == "completed"


def test_code_never_arrives_cancels_and_refunds() -> None:
    client, sim = _app("code-never-arrives")
    order = client.post("/createorder", json=RECEIVE).get_json()
    _pay(client, order)
    placed = client.post(
        "/api/v1/order/temporary/", json={"service_id": 1012}, headers=BEARER
    ).get_json()
    sim.scheduler.advance(21 * 60)
    assert _invoice(client, order) == "CANCELED"
    status = client.get(
        f"/api/v1/order/{placed['data']['order_id']}/status/", headers=BEARER
    ).get_json()
    assert status["data"]["status"] == "expired"
    assert client.get("/api/v1/balance/", headers=BEARER).get_json()["balance"] == 50.0


def test_no_numbers() -> None:
    client, sim = _app("no-numbers")
    order = client.post("/createorder", json=RECEIVE).get_json()
    _pay(client, order)
    sim.scheduler.advance(2)
    assert (
        "No available number"
        in client.get("/orderstatus", query_string={"orderId": order["orderId"]}).get_json()[
            "error"
        ]
    )
    assert _invoice(client, order) == "CANCELED"
    refused = client.post(
        "/api/v1/order/global/", json={"service_id": 1012, "country_id": 4}, headers=BEARER
    )
    assert (refused.status_code, refused.get_json()["error"]) == (400, "Service not available")


def test_invoice_expires_unpaid() -> None:
    client, sim = _app("invoice-expires")
    order = client.post("/createorder", json=RECEIVE).get_json()
    sim.scheduler.advance(600)
    assert _invoice(client, order) == "CANCELED"
    assert client.post("/_mock/lightning/pay", json={"payreq": order["payreq"]}).status_code == 409


def test_send_fails_and_refunds() -> None:
    client, sim = _app("send-fails")
    before = client.get("/balance", headers={"X-API-Key": SMS4SATS_KEY}).get_json()["balance"]
    order = client.post(
        "/createsendorder",
        json={"message": "hi", "phone": "+19871234567", "immediate": True},
        headers={"X-API-Key": SMS4SATS_KEY},
    ).get_json()
    sim.scheduler.advance(5)
    assert (
        client.get("/orderstatus", query_string={"orderId": order["orderId"]}).get_json()[
            "smsStatus"
        ]
        == "failed"
    )
    assert (
        client.get("/balance", headers={"X-API-Key": SMS4SATS_KEY}).get_json()["balance"] == before
    )


def test_insufficient_balance_debits_nothing() -> None:
    client, _ = _app("insufficient-balance")
    response = client.post(
        "/createorder", json={**RECEIVE, "immediate": True}, headers={"X-API-Key": SMS4SATS_KEY}
    )
    assert response.status_code == 400 and response.get_json()["reason"].startswith(
        "Insufficient balance"
    )
    response = client.post("/api/v1/order/temporary/", json={"service_id": 1012}, headers=BEARER)
    assert (response.status_code, response.get_json()) == (
        402,
        {"success": False, "error": "Insufficient balance"},
    )
    assert (
        client.get("/api/v1/balance/", headers=BEARER).get_data(as_text=True)
        == '{"balance":0.00,"currency":"USD"}'
    )


def test_rate_limited_on_both_apis() -> None:
    client, sim = _app("rate-limited")
    assert [client.get("/price").status_code for _ in range(6)] == [200] * 5 + [429]
    assert [client.get("/api/v1/balance/", headers=BEARER).status_code for _ in range(6)] == [
        200
    ] * 5 + [429]
    sim.scheduler.advance(60)
    assert client.get("/price").status_code == 200


def test_provider_failure_rolls_back() -> None:
    client, _ = _app("provider-failure")
    response = client.post("/api/v1/order/temporary/", json={"service_id": 1012}, headers=BEARER)
    assert response.status_code == 500
    assert client.get("/api/v1/balance/", headers=BEARER).get_json()["balance"] == 50.0
    response = client.post("/createorder", json=RECEIVE)
    assert (response.status_code, response.get_json()) == (
        500,
        {"status": "error", "reason": "unable to save data"},
    )


def test_callbacks_down_for_3_hours_then_delivered() -> None:
    with WebhookReceiver().running() as hook:
        client, sim = _app("callbacks-down-3h")
        client.post(
            "/_mock/smsverify/accounts",
            json={"api_key": "test-smsverify-key", "callback_url": f"{hook.url}/api/callback"},
        )
        client.post("/api/v1/order/temporary/", json={"service_id": 1012}, headers=BEARER)
        sim.scheduler.advance(3 * 3600 - 60)
        assert hook.received == []
        sim.scheduler.advance(3600)
        [callback] = client.get("/_mock/callbacks").get_json()["callbacks"]
        assert callback["state"] == "delivered"
        assert [a["status"] for a in callback["attempts"]][-1] == 200
        assert len(callback["attempts"]) > 1  # failed during the outage, then got through
        assert all(a["status"] == 503 for a in callback["attempts"][:-1])
        assert len(hook.received) == 1


def test_flaky_5xx_is_one_in_ten_and_repeats() -> None:
    runs = []
    for _ in range(2):
        client, _ = _app("flaky-5xx")
        runs.append([client.get("/getCountries").status_code for _ in range(200)])
    assert runs[0] == runs[1]
    assert 10 <= runs[0].count(500) <= 30


def test_slow_network_delays_answers(faulty: Faulty) -> None:
    requests.post(f"{faulty.base}/_mock/reset", json={"scenario": "slow-network"}, timeout=5)
    answers: list[requests.Response] = []
    client = threading.Thread(
        target=lambda: answers.append(requests.get(f"{faulty.base}/getCountries", timeout=10))
    )
    client.start()
    faulty.wait_until_parked()
    faulty.advance(1.9)  # under the 2 s minimum: still held
    assert answers == [] and faulty.parked() == 1
    faulty.advance(3.1)  # past the 5 s maximum: answered
    client.join(timeout=5)
    assert answers[0].status_code == 200
    [entry] = faulty.journal()
    assert entry["fault"]["action"] == "latency" and 2 <= entry["fault"]["delay"] <= 5


def test_connection_resets_every_third(faulty: Faulty) -> None:
    requests.post(f"{faulty.base}/_mock/reset", json={"scenario": "connection-resets"}, timeout=5)
    outcomes = []
    for _ in range(6):
        try:
            outcomes.append(requests.get(f"{faulty.base}/getCountries", timeout=5).status_code)
        except requests.exceptions.ConnectionError:
            outcomes.append("reset")
    assert outcomes == [200, 200, "reset", 200, 200, "reset"]


def test_malformed_json_every_second_answer(faulty: Faulty) -> None:
    requests.post(f"{faulty.base}/_mock/reset", json={"scenario": "malformed-json"}, timeout=5)
    bodies = [requests.get(f"{faulty.base}/getCountries", timeout=5).text for _ in range(2)]
    json.loads(bodies[0])
    with pytest.raises(json.JSONDecodeError):
        json.loads(bodies[1])


def test_schema_drift_shapes() -> None:
    client, _ = _app("schema-drift")
    balance = client.get("/api/v1/balance/", headers=BEARER).get_json()
    assert balance == {"balance": "50.00", "currency": "USD"}
    assert Decimal(balance["balance"]) == Decimal("50.00")
    order = client.post("/createorder", json=RECEIVE).get_json()
    status = client.get("/orderstatus", query_string={"orderId": order["order_id"]}).get_json()
    assert status == {"status": "OK"}
