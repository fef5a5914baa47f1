"""Which requests a rule fires on: matchers, counts, seeded probability, and the header that
picks a scenario per request. A request no rule fires on is never touched."""

from __future__ import annotations

import requests

from tests.support import BEARER, Faulty

TEAPOT = "    respond: {status: 418, body: {status: error, reason: teapot}}\n"


def _statuses(faulty: Faulty, calls: list[tuple[str, str, dict]]) -> list[int]:
    out = []
    for method, path, kwargs in calls:
        out.append(
            requests.request(method, f"{faulty.base}{path}", timeout=5, **kwargs).status_code
        )
    return out


def test_api_method_and_operation(faulty: Faulty) -> None:
    faulty.rules("  - match: {api: sms4sats, method: POST, operation: createSendOrder}\n" + TEAPOT)
    send = {"json": {"message": "hi", "phone": "+19871234567"}}
    assert _statuses(
        faulty,
        [
            ("POST", "/createsendorder", send),
            ("POST", "/createorder", {"json": {"country": 187, "service": "tg"}}),
            ("GET", "/price", {}),
            ("GET", "/api/v1/balance/", {"headers": BEARER}),
        ],
    ) == [418, 200, 200, 200]


def test_path_exact_template_and_glob(faulty: Faulty) -> None:
    order = requests.post(
        f"{faulty.base}/api/v1/order/temporary/",
        json={"service_id": 1012},
        headers=BEARER,
        timeout=5,
    )
    oid = order.json()["data"]["order_id"]
    for pattern in (
        "/api/v1/order/{order_id}/status/",
        f"/api/v1/order/{oid}/status/",
        "/api/v1/order/*/status/",
    ):
        faulty.rules(f"  - match: {{path: '{pattern}'}}\n" + TEAPOT)
        assert _statuses(
            faulty,
            [
                ("GET", f"/api/v1/order/{oid}/status/", {"headers": BEARER}),
                ("GET", "/api/v1/orders/", {"headers": BEARER}),
            ],
        ) == [418, 200], pattern


def test_header_and_body_field(faulty: Faulty) -> None:
    faulty.rules(
        "  - match: {headers: {X-Test-Case: 'flaky-*'}}\n"
        + TEAPOT
        + "  - match: {body: {country: 43, service: 'w*'}}\n"
        + TEAPOT
    )
    assert _statuses(
        faulty,
        [
            ("GET", "/price", {"headers": {"X-Test-Case": "flaky-one"}}),
            ("GET", "/price", {"headers": {"X-Test-Case": "steady"}}),
            ("POST", "/createorder", {"json": {"country": 43, "service": "wa"}}),
            ("POST", "/createorder", {"json": {"country": 43, "service": "tg"}}),
            ("POST", "/createorder", {"json": {"country": 187, "service": "wa"}}),
        ],
    ) == [418, 200, 418, 200, 200]


def test_nth_every_after_and_times(faulty: Faulty) -> None:
    price = [("GET", "/price", {})] * 8
    faulty.rules("  - nth: [2, 5]\n" + TEAPOT)
    assert _statuses(faulty, price) == [200, 418, 200, 200, 418, 200, 200, 200]
    faulty.rules("  - every: 3\n" + TEAPOT)
    assert _statuses(faulty, price) == [200, 200, 418, 200, 200, 418, 200, 200]
    faulty.rules("  - after: 6\n" + TEAPOT)
    assert _statuses(faulty, price) == [200] * 6 + [418, 418]
    faulty.rules("  - times: 2\n" + TEAPOT)
    assert _statuses(faulty, price) == [418, 418] + [200] * 6
    faulty.rules("  - after: 1\n    times: 2\n" + TEAPOT)
    assert _statuses(faulty, price) == [200, 418, 418] + [200] * 5


def test_counts_only_count_matching_requests(faulty: Faulty) -> None:
    faulty.rules("  - match: {path: /price}\n    nth: 2\n" + TEAPOT)
    assert _statuses(
        faulty, [("GET", "/price", {}), ("GET", "/getCountries", {}), ("GET", "/price", {})]
    ) == [200, 200, 418]


def test_probability_is_seeded_so_a_run_repeats(faulty: Faulty) -> None:
    rule = "  - probability: 0.3\n" + TEAPOT
    runs = []
    for _ in range(2):
        faulty.sim.reset("manual")
        faulty.rules(rule)
        runs.append(_statuses(faulty, [("GET", "/price", {})] * 40))
    assert runs[0] == runs[1]
    assert 4 <= runs[0].count(418) <= 20
    faulty.sim.reset("manual")
    requests.put(
        f"{faulty.base}/_mock/scenario",
        json={"yaml": "name: rules\nseed: 2\nfaults:\n" + rule},
        timeout=5,
    )
    faulty.sim.reset()  # the seed of a scenario's own file
    assert _statuses(faulty, [("GET", "/price", {})] * 40) != runs[0]


def test_first_rule_that_fires_wins_and_others_see_nothing(faulty: Faulty) -> None:
    faulty.rules(
        "  - match: {path: /price}\n"
        "    respond: {status: 503, body: {status: error, reason: first}}\n"
        + "  - match: {path: /price}\n    times: 1\n"
        + TEAPOT
    )
    assert _statuses(faulty, [("GET", "/price", {})] * 2) == [503, 503]


def test_a_request_no_rule_fires_on_is_untouched(faulty: Faulty) -> None:
    plain = requests.get(f"{faulty.base}/getCountries", timeout=5)
    faulty.rules(
        "  - match: {path: /price}\n    reset: true\n  - match: {api: smsverify}\n    empty: true\n"
    )
    again = requests.get(f"{faulty.base}/getCountries", timeout=5)
    assert (again.status_code, again.content, again.headers["Content-Type"]) == (
        plain.status_code,
        plain.content,
        plain.headers["Content-Type"],
    )
    assert faulty.journal()[-1]["fault"] is None


def test_x_mock_scenario_applies_its_faults_to_that_request_only(faulty: Faulty) -> None:
    drift = {"X-Mock-Scenario": "schema-drift"}
    body = {"country": 187, "service": "tg"}
    drifted = requests.post(
        f"{faulty.base}/createorder", json=body, headers=drift, timeout=5
    ).json()
    plain = requests.post(f"{faulty.base}/createorder", json=body, timeout=5).json()
    assert "order_id" in drifted and "orderId" not in drifted
    assert "orderId" in plain
    entries = faulty.journal()
    assert entries[0]["fault"] == {"rule": "orderId-renamed", "action": "drift"}
    assert entries[1]["fault"] is None


def test_x_mock_scenario_outcomes_follow_the_orders_it_creates(faulty: Faulty) -> None:
    headers = {"X-Mock-Scenario": "no-numbers"}
    failing = requests.post(
        f"{faulty.base}/createorder",
        json={"country": 187, "service": "tg"},
        headers=headers,
        timeout=5,
    ).json()
    working = requests.post(
        f"{faulty.base}/createorder", json={"country": 187, "service": "tg"}, timeout=5
    ).json()
    for order in (failing, working):
        requests.post(
            f"{faulty.base}/_mock/lightning/pay", json={"payreq": order["payreq"]}, timeout=5
        )
    faulty.advance(5)

    def status(order: dict) -> dict:
        params = {"orderId": order["orderId"]}
        return requests.get(f"{faulty.base}/orderstatus", params=params, timeout=5).json()

    assert "No available number" in status(failing)["error"]
    assert "number" in status(working)
    refused = requests.post(
        f"{faulty.base}/api/v1/order/temporary/",
        json={"service_id": 1012},
        headers={**BEARER, **headers},
        timeout=5,
    )
    assert (refused.status_code, refused.json()["error"]) == (400, "Service not available")


def test_an_unknown_scenario_header_is_a_clear_400(faulty: Faulty) -> None:
    response = requests.get(f"{faulty.base}/price", headers={"X-Mock-Scenario": "chaos"}, timeout=5)
    assert response.status_code == 400
    reason = response.json()["reason"]
    assert reason.startswith("unknown scenario 'chaos' in X-Mock-Scenario; known scenarios: ")
    assert "flaky-5xx" in reason and "schema-drift" in reason
    smsverify = requests.get(
        f"{faulty.base}/api/v1/balance/", headers={**BEARER, "X-Mock-Scenario": "chaos"}, timeout=5
    )
    assert smsverify.status_code == 400 and "known scenarios" in smsverify.json()["error"]
