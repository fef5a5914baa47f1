"""The shell commands, run against a served simulator as a user runs them."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest
import requests

from mock_server.app import create_app
from mock_server.cli import main
from mock_server.shell import table
from mock_server.testing.server import serving
from tests.support import BEARER, Faulty


@pytest.fixture
def manual(live: str) -> str:
    requests.post(f"{live}/_mock/reset", json={"scenario": "manual"}, timeout=5)
    return live


def _order(base: str) -> dict:
    return requests.post(
        f"{base}/createorder", json={"country": 187, "service": "tg"}, timeout=5
    ).json()


def test_advance_accepts_seconds_and_durations(manual: str, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["advance", "20m", "--url", manual]) == 0
    assert capsys.readouterr().out == "now 2026-01-01T00:20:00Z (virtual clock), 0 events run\n"
    assert main(["advance", "90", "--url", manual, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["now"] == "2026-01-01T00:21:30Z"
    assert main(["advance", "soon", "--url", manual]) == 1
    assert "refused (400)" in capsys.readouterr().err


def test_pay_then_deliver_a_code(manual: str, capsys) -> None:  # type: ignore[no-untyped-def]
    order = _order(manual)
    assert main(["pay", order["payreq"], "--url", manual]) == 0
    assert capsys.readouterr().out == f"paid 3000 sat: invoice {order['orderId']} is ACCEPTED\n"
    assert main(["deliver", order["orderId"], "654321", "--url", manual]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["field", "value"]
    assert "code       654321" in out
    assert main(["deliver", order["orderId"], "--url", manual]) == 1
    assert "has its code already" in capsys.readouterr().err


def test_deliver_an_sms_to_a_smsverify_order(manual: str, capsys) -> None:  # type: ignore[no-untyped-def]
    placed = requests.post(
        f"{manual}/api/v1/order/temporary/", json={"service_id": 22}, headers=BEARER, timeout=5
    )
    order_id = placed.json()["data"]["order_id"]
    assert main(["deliver", str(order_id), "777", "--url", manual, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert (answer["status"], answer["otp"]) == ("completed", "777")


def test_requests_and_callbacks_tables(manual: str, capsys) -> None:  # type: ignore[no-untyped-def]
    requests.get(f"{manual}/price", timeout=5)
    requests.get(f"{manual}/api/v1/balance/", headers=BEARER, timeout=5)
    assert main(["requests", "--api", "sms4sats", "--url", manual]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["time", "api", "method", "path", "status", "fault"]
    assert lines[2].split() == ["2026-01-01T00:00:00Z", "sms4sats", "GET", "/price", "200"]
    assert len(lines) == 3
    assert main(["callbacks", "--url", manual, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_scenario_show_switch_and_reset(manual: str, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["scenario", "--url", manual]) == 0
    assert capsys.readouterr().out.startswith("manual: Nothing happens on its own")
    assert main(["scenario", "no-numbers", "--url", manual]) == 0
    assert capsys.readouterr().out.startswith("no-numbers: ")
    assert main(["scenario", "default", "--reset", "--url", manual]) == 0
    assert requests.get(f"{manual}/_mock/scenario", timeout=5).json()["name"] == "default"
    assert main(["scenario", "nope", "--url", manual]) == 1
    assert "unknown scenario 'nope'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "command",
    [["advance", "1m"], ["requests"], ["callbacks"], ["scenario"], ["deliver", "1"], ["health"]],
)
def test_no_server_is_a_clear_exit_2(command: list[str], capsys) -> None:  # type: ignore[no-untyped-def]
    assert main([*command, "--url", "http://127.0.0.1:9"]) == 2
    assert "no simulator answers at http://127.0.0.1:9" in capsys.readouterr().err


def test_table_lines_up_columns() -> None:
    assert table(("a", "bb"), [(1, None), ("long", 2)]) == "a     bb\n----  --\n1\nlong  2\n"


def test_advance_backwards_says_why_and_how_to_begin_again(manual: str, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["advance", "-5s", "--url", manual]) == 1
    err = capsys.readouterr().err
    assert "the clock never moves backwards (-5s)" in err
    assert "sms-mock scenario NAME --reset" in err
    assert main(["advance", "--url", manual, "-90"]) == 1  # a negative number after an option
    assert "never moves backwards (-90)" in capsys.readouterr().err
    assert requests.get(f"{manual}/_mock/clock", timeout=5).json()["now"] == "2026-01-01T00:00:00Z"


def test_advance_help_explains_its_argument(capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit):
        main(["advance", "--help"])
    words = " ".join(capsys.readouterr().out.split())
    assert "duration how far: seconds (90, 0.5) or a duration (90s, 20m, 1h30m, 2d)" in words


def test_requests_by_operation_and_callbacks_by_every_state(manual: str, capsys) -> None:  # type: ignore[no-untyped-def]
    requests.get(f"{manual}/price", timeout=5)
    requests.get(f"{manual}/getCountries", timeout=5)
    assert main(["requests", "--operation", "getCountries", "--url", manual, "--json"]) == 0
    assert [e["path"] for e in json.loads(capsys.readouterr().out)] == ["/getCountries"]
    for state in ("pending", "delivered", "failed", "refused", "dropped"):
        assert main(["callbacks", "--state", state, "--url", manual, "--json"]) == 0
        assert json.loads(capsys.readouterr().out) == []


def test_requests_held_by_a_fault_are_listed_with_the_advance_that_frees_them(
    faulty: Faulty, capsys: pytest.CaptureFixture[str]
) -> None:
    faulty.rules("  - {name: slow-price, match: {operation: getPrice}, latency: {seconds: 90}}\n")
    answers: list[int] = []
    client = threading.Thread(
        target=lambda: answers.append(requests.get(f"{faulty.base}/price", timeout=30).status_code)
    )
    client.start()
    faulty.wait_until_parked()
    assert main(["requests", "--url", faulty.base]) == 0
    out = capsys.readouterr().out
    assert "1 held by a fault, not answered yet" in out
    assert re.search(r"GET\s+/price\s+slow-price\s+latency\s+2026-01-01T00:01:30Z\s+90.0s", out)
    assert "sms-mock advance 90 lets them go" in out
    held = requests.get(f"{faulty.base}/_mock/clock", timeout=5).json()["held_requests"]
    assert [(h["operation"], h["fault"], h["in_seconds"]) for h in held] == [
        ("getPrice", "slow-price", 90)
    ]
    assert main(["advance", "90", "--url", faulty.base]) == 0
    client.join(timeout=10)
    assert answers == [200]
    assert requests.get(f"{faulty.base}/_mock/clock", timeout=5).json()["held_requests"] == []


def test_scenario_from_a_file_sends_its_content_and_can_reset_into_it(
    manual: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The file is read where the command runs, not where the server runs: the server gets
    the YAML (its source is <inline>) and can reset into it by name afterwards."""
    path = tmp_path / "mine.yaml"
    path.write_text(
        "name: mine\nfaults:\n  - {match: {operation: getPrice}, respond: {status: 503}}\n"
    )
    _order(manual)
    assert main(["scenario", str(path), "--url", manual]) == 0
    assert capsys.readouterr().out.startswith("mine: ")
    info = requests.get(f"{manual}/_mock/scenario", timeout=5).json()
    assert (info["name"], info["source"]) == ("mine", "<inline>")
    assert requests.get(f"{manual}/price", timeout=5).status_code == 503
    assert (
        len(
            requests.get(f"{manual}/_mock/requests?operation=createOrder", timeout=5).json()[
                "requests"
            ]
        )
        == 1
    )  # switched, state kept
    assert main(["scenario", str(path), "--reset", "--url", manual]) == 0
    capsys.readouterr()
    assert requests.get(f"{manual}/_mock/requests", timeout=5).json()["requests"] == []
    assert requests.get(f"{manual}/_mock/scenario", timeout=5).json()["name"] == "mine"
    assert main(["scenario", str(tmp_path / "missing.yaml"), "--url", manual]) == 1
    assert "cannot read" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nfaults:\n  - {match: {operation: getPrize}, reset: true}\n")
    assert main(["scenario", str(bad), "--url", manual]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:3: faults[0].match.operation: no operation is called 'getPrize'" in err
    assert "(nearest: getPrice" in err


def test_worlds_are_listed_created_and_dropped_and_every_command_takes_world(
    live: str, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    requests.delete(f"{live}/_mock/worlds/qa-anna", timeout=5)
    command = ["worlds", "--url", live, "--create", "qa-anna", "--scenario", "slow-code"]
    assert main([*command, "--seed", "9", "--clock", "virtual"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("qa-anna"))
    assert row.split()[:4] == ["qa-anna", "slow-code", "9", "virtual"]
    assert "of at most 1000 worlds; one idle for 3600 s is dropped" in out

    start = requests.get(f"{live}/worlds/qa-anna/_mock/clock", timeout=5).json()["timestamp"]
    assert main(["advance", "5m", "--url", live, "--world", "qa-anna", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["timestamp"] == start + 300
    assert requests.get(f"{live}/_mock/clock", timeout=5).json()["now"] == "2026-01-01T00:00:00Z"
    monkeypatch.setenv("SMS_MOCK_WORLD", "qa-anna")
    assert main(["scenario", "--url", live]) == 0  # $SMS_MOCK_WORLD picks it too
    assert capsys.readouterr().out.startswith("slow-code:")

    assert main(["worlds", "--url", live, "--drop", "qa-anna", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert "qa-anna" not in [w["world"] for w in listed["worlds"]]
    assert main(["worlds", "--url", live, "--drop", "qa-anna"]) == 1
    assert "refused (404): no world 'qa-anna'" in capsys.readouterr().err


def test_health_says_it_is_up_and_is_refused_without_the_token(manual: str, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["health", "--url", manual]) == 0
    out = capsys.readouterr().out
    assert re.fullmatch(
        r"sms-mock \S+ is up: world default, scenario manual \(seed \d+\),"
        r" virtual clock at \S+Z\n",
        out,
    ), out
    assert main(["health", "--url", manual, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["scenario"]["name"] == "manual"
    app = create_app("manual", control_token="s3cret")
    with serving(app) as url:
        assert main(["health", "--url", url]) == 1
        assert "refused (401)" in capsys.readouterr().err
        assert main(["health", "--url", url, "--token", "s3cret"]) == 0
        assert "is up" in capsys.readouterr().out
