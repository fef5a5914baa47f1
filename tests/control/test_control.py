"""The control API: health, reset, clock, scenario, journal."""

from __future__ import annotations

from flask.testing import FlaskClient

from mock_server.engine.simulation import Simulation
from tests.support import BEARER

START = "2026-01-01T00:00:00Z"


def test_health_names_version_scenario_and_clock(client: FlaskClient) -> None:
    body = client.get("/_mock/health").get_json()
    assert body["status"] == "ok"
    assert body["scenario"]["name"] == "virtual"
    assert body["clock"]["mode"] == "virtual"
    assert body["clock"]["now"] == START
    assert body["apis"] == {
        "sms4sats": "/",
        "smsverify": "/api/v1/",
        "l402": "/v2/l402/",
        "control": "/_mock/",
    }
    assert body["state"] is None  # in memory only


def test_advance_runs_due_events_and_reports_them(client: FlaskClient, sim: Simulation) -> None:
    fired: list[str] = []
    sim.scheduler.after(1260, "auto-cancel", lambda: fired.append(sim.clock.now().isoformat()))
    body = client.post("/_mock/clock/advance", json={"seconds": 1259}).get_json()
    assert (body["events_run"], body["pending_events"], fired) == (0, 1, [])
    body = client.post("/_mock/clock/advance", json={"duration": "1s"}).get_json()
    assert body["events_run"] == 1
    assert body["now"] == "2026-01-01T00:21:00Z"
    assert fired == ["2026-01-01T00:21:00+00:00"]
    assert client.get("/_mock/clock").get_json()["pending_events"] == 0


def test_advance_refuses_bad_input(client: FlaskClient) -> None:
    for body in (
        {"seconds": -5},
        {},
        {"seconds": 1, "duration": "1m"},
        {"duration": "soon"},
        {"seconds": "10"},
    ):
        response = client.post("/_mock/clock/advance", json=body)
        assert response.status_code == 400, body
        assert set(response.get_json()) == {"error"}
    assert client.get("/_mock/clock").get_json()["now"] == START


def test_set_moves_forward_and_never_back(client: FlaskClient) -> None:
    body = client.post("/_mock/clock/set", json={"now": "2026-01-02T00:00:00Z"}).get_json()
    assert body["now"] == "2026-01-02T00:00:00Z"
    response = client.post("/_mock/clock/set", json={"now": START})
    assert response.status_code == 400
    assert "backwards" in response.get_json()["error"]
    response = client.post("/_mock/clock/set", json={"now": "tomorrow"})
    assert response.status_code == 400
    assert response.get_json()["error"].startswith("now:")


def test_reset_drops_state_and_rewinds(client: FlaskClient, sim: Simulation) -> None:
    client.post("/_mock/clock/advance", json={"seconds": 600})
    sim.scheduler.after(60, "pending", lambda: None)
    client.get("/api/v1/balance/", headers=BEARER)
    body = client.post("/_mock/reset").get_json()
    assert body["clock"]["now"] == START
    assert body["clock"]["pending_events"] == 0
    assert client.get("/_mock/requests").get_json()["count"] == 0


def test_reset_into_another_scenario_and_an_unknown_one(client: FlaskClient) -> None:
    body = client.post("/_mock/reset", json={"scenario": "default"}).get_json()
    assert body["scenario"]["name"] == "default"
    assert body["clock"]["mode"] == "real"
    response = client.post("/_mock/reset", json={"scenario": "nope"})
    assert response.status_code == 400
    assert "known scenarios: callbacks-down-3h, code-never-arrives," in response.get_json()["error"]
    assert client.get("/_mock/health").get_json()["scenario"]["name"] == "default"


def test_scenario_get_and_put_by_name(client: FlaskClient) -> None:
    body = client.get("/_mock/scenario").get_json()
    assert body["name"] == "virtual"
    assert {"default", "virtual"} <= set(body["available"])
    assert body["data"]["clock"]["mode"] == "virtual"
    client.post("/_mock/clock/advance", json={"seconds": 30})
    body = client.put("/_mock/scenario", json={"name": "no-numbers"}).get_json()
    assert body["name"] == "no-numbers"
    clock = client.get("/_mock/clock").get_json()
    assert (clock["mode"], clock["now"]) == (
        "virtual",
        "2026-01-01T00:00:30Z",
    )  # state and clock kept: no-numbers names no clock mode
    client.put("/_mock/scenario", json={"name": "default"})
    clock = client.get("/_mock/clock").get_json()
    assert clock["mode"] == "real"  # default's clock is real: it runs on from where it was
    assert "2026-01-01T00:00:30" <= clock["now"] < "2026-01-01T00:01:00"


def test_scenario_put_inline_yaml_adds_its_accounts(client: FlaskClient) -> None:
    text = "name: inline\naccounts:\n  smsverify:\n    - api_key: extra\n      balance: '7.50'\n"
    body = client.put("/_mock/scenario", json={"yaml": text}).get_json()
    assert (body["name"], body["source"]) == ("inline", "<inline>")
    response = client.get("/api/v1/balance/", headers={"Authorization": "Bearer extra"})
    assert response.get_data(as_text=True) == '{"balance":7.50,"currency":"USD"}'
    assert client.get("/api/v1/balance/", headers=BEARER).status_code == 200  # old accounts kept


def test_scenario_put_refuses_invalid_yaml_with_its_line(client: FlaskClient) -> None:
    response = client.put(
        "/_mock/scenario", json={"yaml": "name: bad\nclock:\n  mode: sometimes\n"}
    )
    assert response.status_code == 400
    assert response.get_json()["error"].startswith("<inline>:3: clock.mode:")
    assert client.get("/_mock/scenario").get_json()["name"] == "virtual"
    response = client.put("/_mock/scenario", json={"name": "nope"})
    assert response.status_code == 400


def test_journal_filters_limits_and_clears(client: FlaskClient) -> None:
    client.get("/price")
    client.get("/api/v1/balance/", headers=BEARER)
    client.get("/api/v1/order/5/status/", headers=BEARER)
    client.get("/_mock/health")  # control calls are not journaled
    everything = client.get("/_mock/requests").get_json()
    assert [r["path"] for r in everything["requests"]] == [
        "/price",
        "/api/v1/balance/",
        "/api/v1/order/5/status/",
    ]
    assert everything["capacity"] == 1000
    only = client.get("/_mock/requests?api=smsverify&path=/api/v1/order/*").get_json()
    assert [r["operation"] for r in only["requests"]] == ["getOrderStatus"]
    assert (
        client.get("/_mock/requests?limit=1").get_json()["requests"][0]["path"]
        == "/api/v1/order/5/status/"
    )
    assert client.get("/_mock/requests?method=POST").get_json()["count"] == 0
    assert client.get("/_mock/requests?api=other").status_code == 400
    assert client.delete("/_mock/requests").get_json() == {"status": "ok", "cleared": 3}
    assert client.get("/_mock/requests").get_json()["count"] == 0


def test_journal_capacity_comes_from_the_scenario(client: FlaskClient) -> None:
    client.post("/_mock/reset", json={"scenario": "virtual"})
    client.put("/_mock/scenario", json={"yaml": "name: small\njournal:\n  capacity: 2\n"})
    client.post("/_mock/reset")
    for _ in range(5):
        client.get("/")
    journal = client.get("/_mock/requests").get_json()
    assert (journal["count"], journal["capacity"], journal["dropped"]) == (2, 2, 3)


def test_control_errors_use_the_control_envelope(client: FlaskClient) -> None:
    response = client.get("/_mock/nothing")
    assert (response.status_code, set(response.get_json())) == (404, {"error"})
    response = client.get("/_mock/reset")
    assert response.status_code == 405
    response = client.post("/_mock/reset", json={"scenario": 5})
    assert response.status_code == 400
