"""`scenarios check` refuses what could never fire, as the server does when it loads the file:
each problem with its file, line, field and the nearest valid names."""

from __future__ import annotations

from pathlib import Path

import pytest

from mock_server.cli import main
from mock_server.spec.scenario_check import path_can_match


def check(tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str) -> list[str]:
    path = tmp_path / "s.yaml"
    path.write_text("name: s\n" + body)
    code = main(["scenarios", "check", str(path)])
    lines = [line.strip() for line in capsys.readouterr().out.splitlines()]
    assert code == (1 if lines[0].startswith("FAIL") else 0), lines
    return [line.removeprefix(f"{path}:") for line in lines[1:-1]]


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        (
            "{match: {operation: getOrderStatuz}, reset: true}",
            "3: faults[0].match.operation: no operation is called 'getOrderStatuz'"
            " (nearest: getOrderStatus, getNumbersStatus, getL402Order)",
        ),
        (
            "{match: {api: smsverify, operation: getPrice}, reset: true}",
            "3: faults[0].match.operation: no operation of smsverify is called 'getPrice'",
        ),
        (
            '{match: {path: "/api/v1/oder/*"}, reset: true}',
            "3: faults[0].match.path: no documented path matches '/api/v1/oder/*'"
            " (nearest: /api/v1/orders/, /api/v1/order/esim/, /api/v1/order/rental/)",
        ),
        (  # one of a list that can never match is a typo too
            '{match: {path: ["/nope", "/price"]}, reset: true}',
            "3: faults[0].match.path: no documented path matches '/nope'",
        ),
        (
            "{match: {api: sms4sats, method: DELETE}, reset: true}",
            "3: faults[0].match: no documented operation fits all of it: the rule can never fire",
        ),
        (
            "{match: {operation: getBalance, api: sms4sats},"
            " respond: {status: 500, documented: true}}",
            "3: faults[0].respond.documented: getBalance (sms4sats) documents no 500 example to"
            " answer with (getBalance documents 200, 400); give a body instead, or match only"
            " operations that document it",
        ),
        (
            "{match: {operation: getPrice}, respond: {status: 500, documented: ServerErorr}}",
            "3: faults[0].respond.documented: sms4sats.yaml has no response 'ServerErorr'"
            " (nearest: ServerError)",
        ),
        (
            "{match: {operation: getPrice}, reset: true, respond: {status: 500}}",
            "3: faults[0]: gives respond and reset: give exactly one of latency, respond,"
            " rate_limit, reset, empty, malformed, timeout or drift",
        ),
        (
            "{match: {operation: getPrice}, latency: {seconds: 1, min: 1, max: 2}}",
            "3: faults[0].latency: gives seconds and min+max: give exactly one of seconds or"
            " min+max",
        ),
    ],
)
def test_a_fault_rule_that_can_never_fire_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rule: str, problem: str
) -> None:
    assert check(tmp_path, capsys, f"faults:\n  - {rule}\n") == [problem]


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        (
            "sms4sats:\n  outcomes:\n    - {country: germny, outcome: no_code}\n",
            "4: sms4sats.outcomes[0].country: no country 'germny' in /getCountries"
            " (nearest: Germany)",
        ),
        (
            "sms4sats:\n  outcomes:\n    - {service: tgg, outcome: no_code}\n",
            "4: sms4sats.outcomes[0].service: no service 'tgg' in the catalog (nearest: tg)"
            " (sms4sats.services adds one)",
        ),
        (
            "smsverify:\n  outcomes:\n    - {service_id: 10122, outcome: no_sms}\n",
            "4: smsverify.outcomes[0].service_id: no service_id 10122 in any catalog"
            " (nearest: 1012)",
        ),
        (
            "smsverify:\n  outcomes:\n    - {kind: esim, service_id: 1012, outcome: no_sms}\n",
            "4: smsverify.outcomes[0].service_id: esim orders have no service_id",
        ),
        (
            "smsverify:\n  outcomes:\n    - {kind: global, country_id: 999, outcome: no_sms}\n",
            "4: smsverify.outcomes[0].country_id: no country_id 999 in global_countries",
        ),
    ],
)
def test_an_outcome_for_what_no_catalog_has_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], section: str, problem: str
) -> None:
    assert check(tmp_path, capsys, section) == [problem]


@pytest.mark.parametrize(
    "rule",
    [
        '{match: {path: "/api/v1/order/*"}, reset: true}',
        '{match: {path: "/api/v1/order/{order_id}/status/"}, reset: true}',
        '{match: {path: "/api/v1/order/458731/status/"}, reset: true}',
        '{match: {path: "/api/v1/order/45*/status/"}, reset: true}',
        "{match: {api: smsverify, operation: getOrderStatus}, reset: true}",
        "{match: {operation: getPrice}, respond: {status: 500, documented: true}}",
        "{match: {operation: getPrice}, respond: {status: 500, documented: ServerError}}",
    ],
)
def test_rules_that_can_fire_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rule: str
) -> None:
    assert check(tmp_path, capsys, f"faults:\n  - {rule}\n") == []


def test_path_can_match_exact_templates_and_globs() -> None:
    template = "/api/v1/order/{order_id}/status/"
    assert path_can_match(template, template)
    assert path_can_match("/api/v1/order/7/status/", template)
    assert path_can_match("/api/v1/order/*", template)
    assert path_can_match("/api/v1/order/4?/status/", template)
    assert not path_can_match("/api/v1/order/7/", template)
    assert not path_can_match("/api/v1/oder/*", template)


def test_every_problem_of_every_api_is_reported_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = (
        "sms4sats:\n  outcomes:\n    - {country: germny, outcome: no_code}\n"
        "    - {service: tgg, outcome: no_code}\n"
        "smsverify:\n  outcomes:\n    - {service_id: 10122, outcome: no_sms}\n"
        "faults:\n  - {match: {operation: getPrize}, reset: true}\n"
    )
    problems = check(tmp_path, capsys, body)
    assert [p.split(": ")[1] for p in problems] == [
        "sms4sats.outcomes[0].country",
        "sms4sats.outcomes[1].service",
        "smsverify.outcomes[0].service_id",
        "faults[0].match.operation",
    ]
    assert [p.split(":")[0] for p in problems] == ["4", "5", "8", "10"]
