"""The sms-mock command, run as a user runs it."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
from importlib.metadata import entry_points
from pathlib import Path

import pytest
import requests

from mock_server.cli import main
from mock_server.engine.scenarios import ScenarioError

COMMAND = [sys.executable, "-m", "mock_server"]


def test_console_script_is_installed() -> None:
    [script] = [e for e in entry_points(group="console_scripts") if e.name == "sms-mock"]
    assert script.value == "mock_server.cli:main"


def test_help_lists_the_commands(capsys) -> None:  # type: ignore[no-untyped-def]
    try:
        main(["--help"])
    except SystemExit as exit:
        assert exit.code == 0
    out = capsys.readouterr().out
    assert "serve" in out and "scenarios" in out


def test_serve_prints_urls_answers_and_stops_on_ctrl_c() -> None:
    process = subprocess.Popen(
        [*COMMAND, "serve", "--port", "0", "--scenario", "virtual", "--seed", "7"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()  # printed once the port is bound
        match = re.search(r"serving on (http://127\.0\.0\.1:\d+)", first)
        assert match, first
        base = match.group(1)
        lines = [process.stdout.readline() for _ in range(7)]
        assert f"sms4sats:               {base}/" in lines[0]
        assert f"smsVerificationService: {base}/api/v1/" in lines[1]
        assert f"sms4sats L402:          {base}/v2/l402/" in lines[2]
        assert f"control API:            {base}/_mock/" in lines[3]
        assert f"dashboard:              {base}/_mock/ui" in lines[4]
        assert (
            "scenario: virtual" in lines[5] and "clock virtual" in lines[5] and "seed 7" in lines[5]
        )
        assert f"worlds: {base}/worlds/NAME/... or X-Mock-World: NAME (auto" in lines[6]
        assert (
            requests.get(f"{base}/_mock/ui", timeout=5)
            .headers["Content-Type"]
            .startswith("text/html")
        )
        health = requests.get(f"{base}/_mock/health", timeout=5).json()
        assert (health["scenario"]["name"], health["seed"]) == ("virtual", 7)
        assert requests.get(f"{base}/price", timeout=5).json()["receive"] == "3000"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "sms-mock stopped." in out
    assert "Traceback" not in err


def test_serve_refuses_an_unknown_scenario_clearly() -> None:
    result = subprocess.run(
        [*COMMAND, "serve", "--scenario", "nope"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert "unknown scenario 'nope'; known scenarios:" in result.stderr
    assert "Traceback" not in result.stderr


def test_scenarios_check_passes_the_library(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["scenarios", "check"]) == 0
    out = capsys.readouterr().out
    assert "0 invalid" in out
    assert "(default)" in out


def test_scenarios_check_reports_file_line_field(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "good.yaml"
    good.write_text("name: good\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nseed: -1\n")
    assert main(["scenarios", "check", str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"FAIL {bad}" in out
    assert f"{bad}:2: seed:" in out
    assert "1 valid, 1 invalid" in out


def test_scenarios_list(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["scenarios", "list"]) == 0
    assert re.search(r"^default\s+Everything works", capsys.readouterr().out, re.M)


def test_pay_from_a_shell(live: str, capsys) -> None:  # type: ignore[no-untyped-def]
    requests.post(f"{live}/_mock/reset", json={"scenario": "manual"}, timeout=5)
    order = requests.post(
        f"{live}/createorder", json={"country": 187, "service": "tg"}, timeout=5
    ).json()
    assert main(["pay", order["payreq"], "--url", live]) == 0
    assert capsys.readouterr().out == f"paid 3000 sat: invoice {order['orderId']} is ACCEPTED\n"
    assert main(["pay", order["payreq"], "--url", live]) == 1
    assert "refused (409): invoice is ACCEPTED, not OPEN" in capsys.readouterr().err
    assert main(["pay", "lnbc1garbage", "--url", live, "--json"]) == 1
    assert "not a valid BOLT11 payment request" in capsys.readouterr().err


def test_pay_with_no_server_says_so(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["pay", "lnbc1x", "--url", "http://127.0.0.1:9"]) == 2
    assert "no simulator answers at http://127.0.0.1:9" in capsys.readouterr().err


def test_sigterm_stops_at_once_while_a_request_is_held_by_a_latency_fault(tmp_path: Path) -> None:
    """A request held for a minute by a latency fault on the real clock is let go at once
    when the server stops, not waited out."""
    scenario = tmp_path / "held.yaml"
    scenario.write_text(
        "name: held\nfaults:\n  - {match: {operation: getPrice}, latency: {seconds: 60}}\n"
    )
    process = subprocess.Popen(
        [*COMMAND, "serve", "--port", "0", "--scenario", str(scenario)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base = re.search(r"http://127\.0\.0\.1:\d+", process.stdout.readline()).group(0)  # type: ignore[union-attr]
        held = subprocess.Popen(  # a client whose request the fault holds
            [sys.executable, "-c", f"import requests; requests.get('{base}/price', timeout=90)"]
        )
        for _ in range(500):
            if requests.get(f"{base}/_mock/clock", timeout=5).json()["held_requests"]:
                break
            threading.Event().wait(0.01)  # real time: the client process is on its way
        else:
            raise AssertionError("the request never reached its fault")
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=3)  # 5 s and more before the fix
        held.wait(timeout=10)
    finally:
        for p in (process, held):
            if p.poll() is None:
                p.kill()
    assert process.returncode == 0, err
    assert "sms-mock stopped." in out


@pytest.mark.parametrize(
    "flags",
    [["--max-worlds", "0"], ["--world-ttl", "0"], ["--world-journal-bytes", "10"]],
)
def test_serve_refuses_world_limits_that_cannot_work(flags: list[str], capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["serve", "--port", "0", *flags]) == 2
    assert "sms-mock: " in capsys.readouterr().err


def test_serve_passes_the_world_limits_on(monkeypatch: pytest.MonkeyPatch) -> None:
    made: dict = {}

    def fake_create_app(*args, **kwargs):  # type: ignore[no-untyped-def]
        made.update(kwargs)
        raise ScenarioError("stop here")

    monkeypatch.setattr("mock_server.app.create_app", fake_create_app)
    flags = ["--worlds", "explicit", "--max-worlds", "7", "--world-ttl", "90"]
    main(["serve", "--port", "0", *flags, "--world-journal-bytes", "4096"])
    limits = made["worlds"]
    assert (limits.max_worlds, limits.idle_seconds, limits.explicit) == (7, 90.0, True)
    assert (limits.journal_bytes, limits.callback_bytes) == (4096, 256 * 1024)


def test_serve_keeps_long_lived_state_out_of_the_collector_unless_told() -> None:
    from mock_server.cli import build_parser

    assert build_parser().parse_args(["serve"]).gc == "frozen"
    assert build_parser().parse_args(["serve", "--gc", "default"]).gc == "default"
