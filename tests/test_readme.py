"""README.md cannot rot: every command it shows is run here.

Each line of each `bash` block runs against a served simulator, in order: `VAR=value` sets a
variable, `curl` becomes the same request through `requests`, `sms-mock` runs the command (drift is
pointed at the simulator, never at the internet). Answers fill `$ORDER_ID`, `$PAYREQ` and
`$ORDER` for the lines after them, as the README tells the reader to. A JSON comment after a
command is the answer it must give. The quickstart lines are what .ci/run runs; the Python and
YAML examples are the ones the plugin and scenario tests use.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask

from mock_server.app import simulation_of
from mock_server.cli import main
from mock_server.engine.scenarios import ScenarioLibrary
from tests.testing.test_plugin import REFUND_TEST

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.S)
CAPTURE = {
    "orderId": "ORDER_ID",
    "payreq": "PAYREQ",
    "order_id": "ORDER",
    "macaroon": "MACAROON",  # an L402 challenge's
    "invoice": "INVOICE",
    "preimage": "PREIMAGE",  # the simulated wallet's receipt
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_listener(port: int) -> None:
    """Until a process started by the test listens on ``port`` (real time: it is starting)."""
    for _ in range(500):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        threading.Event().wait(0.02)
    raise AssertionError(f"nothing listens on {port}")


def blocks(language: str) -> list[str]:
    return [body for lang, body in BLOCK.findall(README) if lang == language]


def commands(block: str) -> list[tuple[str, str | None]]:
    """(command, trailing comment) for each line; backslash continuations joined."""
    joined = re.sub(r"\\\n\s*", " ", block)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        command, _, comment = line.partition("  #")
        found.append((command.strip(), comment.strip() or None))
    return found


class Shell:
    """Runs README lines against the simulator at ``base``."""

    def __init__(self, base: str, workdir: Path, capsys: Any) -> None:
        self.vars = {"B": base}
        self.base = base
        self.workdir = workdir
        self.capsys = capsys

    def run(self, line: str, comment: str | None) -> None:
        if re.fullmatch(r"[A-Z_]+=\S+", line) or re.fullmatch(r"[A-Z_]+='[^']*'", line):
            name, _, value = line.partition("=")
            if name != "B":
                self.vars[name] = shlex.split(value)[0]
            return
        words = shlex.split(self.substitute(line))
        if words[0] == "curl":
            self.curl(words[1:], comment)
        elif words[0] == "sms-mock":
            self.sms_mock(words[1:])
        else:
            raise AssertionError(f"README runs a command this test does not know: {line}")

    def substitute(self, line: str) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1) or match.group(2)
            assert name in self.vars, f"${name} is used before the README gives it a value: {line}"
            return self.vars[name]

        return re.sub(r"\$\{(\w+)\}|\$(\w+)", value, line)

    def curl(self, args: list[str], comment: str | None) -> None:
        method, headers, data, url = "GET", {}, None, None
        i = 0
        while i < len(args):
            arg = args[i]
            if arg == "-s":
                pass
            elif arg == "-X":
                method, i = args[i + 1], i + 1
            elif arg == "-H":
                name, _, value = args[i + 1].partition(":")
                headers[name.strip()] = value.strip()
                i += 1
            elif arg == "-d":
                data, i = args[i + 1], i + 1
            else:
                url = arg
            i += 1
        assert url is not None
        response = requests.request(method, url, headers=headers, data=data, timeout=10)
        assert response.status_code < 500, (url, response.status_code, response.text)
        body = json.loads(response.text, parse_float=Decimal) if response.text else None
        if comment and comment.startswith("{"):
            try:
                expected = json.loads(comment, parse_float=Decimal)
            except ValueError:
                expected = None  # an illustration with "...", not an exact answer
            if expected is not None:
                assert body == expected, (url, body, expected)
        self.capture(body)

    def capture(self, body: Any) -> None:
        if isinstance(body, dict):
            for source in (body, body.get("data") if isinstance(body.get("data"), dict) else {}):
                for field, name in CAPTURE.items():
                    if field in source:
                        self.vars[name] = str(source[field])

    def sms_mock(self, args: list[str]) -> None:
        # The files the README asks the reader to save (its YAML blocks) are in the workdir.
        args = [
            str(self.workdir / a) if a.endswith(".yaml") and (self.workdir / a).is_file() else a
            for a in args
        ]
        if args[0] == "contract":
            # The simulator stands in for the real service, on the scenario without a rate
            # limit, unpaced (a 60-a-minute pace is for the real one).
            requests.put(f"{self.base}/_mock/scenario", json={"name": "contract"}, timeout=5)
            args = [*args, "--per-minute", "600000"]
        if args[0] in ("drift", "contract"):
            args = [*args, "--base-url", self.base]  # never the internet
            if "--report" in args:
                at = args.index("--report") + 1
                args[at] = str(self.workdir / args[at])
        code = main(args)
        out = self.capsys.readouterr()
        assert code == 0, f"{args}\n{out.out}\n{out.err}"  # whole: a tuple's repr is cut


def test_the_quickstart_is_what_ci_runs() -> None:
    lines = [
        line
        for block in blocks("bash")
        for line, _ in commands(block)
        if line.startswith("python3 -m venv")
    ]
    venv = "python3 -m venv .venv && . .venv/bin/activate && "
    assert lines == [
        venv + "pip install . && sms-mock serve",
        venv + "pip install -e '.[test]' && python -m pytest",
    ]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    pattern = re.search(r"grep -m1 -E \"(.+?)\" README.md", ci)
    assert pattern and re.search(pattern.group(1), lines[1])


def test_every_bash_block_runs(
    live: str, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    requests.post(f"{live}/_mock/reset", json={"scenario": "default"}, timeout=5)
    monkeypatch.setenv("SMS_MOCK_URL", live)
    monkeypatch.chdir(ROOT)
    for name, text in saved_files().items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    shell = Shell(live, tmp_path, capsys)
    ran = 0
    for block in blocks("bash"):
        for line, comment in commands(block):
            if line.startswith("python3 -m venv"):
                continue  # the quickstart: see test_the_quickstart_is_what_ci_runs
            shell.run(line, comment)
            ran += 1
    assert ran >= 25
    assert {"ORDER_ID", "PAYREQ", "ORDER", "MACAROON", "INVOICE", "PREIMAGE"} <= set(shell.vars)


def test_the_python_example_is_the_tested_one() -> None:
    [example] = blocks("python")
    assert example.strip() == REFUND_TEST.strip()


def saved_files() -> dict[str, str]:
    """The YAML blocks the README asks to save: those whose first line is ``# NAME.yaml``."""
    found = {}
    for block in blocks("yaml"):
        first = block.splitlines()[0]
        if re.fullmatch(r"# [\w-]+\.yaml", first):
            found[first[2:]] = block
    return found


def test_the_yaml_examples_load_as_given(served_app: Flask) -> None:
    """Word for word, as `sms-mock scenario FILE` sends them: schema, catalogs, descriptions."""
    assert blocks("yaml") and list(saved_files().values()) == blocks("yaml")
    for block in blocks("yaml"):
        scenario = ScenarioLibrary().load_text(block)
        simulation_of(served_app).check_scenario(scenario)


def test_the_callback_receiver_one_liner_receives_a_callback(live: str) -> None:
    [receiver] = [b.strip() for b in blocks("sh") if "HTTPServer" in b]
    port = free_port()
    command = shlex.split(receiver.replace("9000", str(port)))
    assert command[:2] == ["python3", "-c"]
    process = subprocess.Popen(
        [sys.executable, "-c", command[2]], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    try:
        account = {"api_key": "test-smsverify-key", "balance": "25.00"}
        account["callback_url"] = f"http://127.0.0.1:{port}/sms"
        assert requests.post(f"{live}/_mock/smsverify/accounts", json=account, timeout=5).ok
        order = requests.post(
            f"{live}/api/v1/order/temporary/",
            json={"service_id": 1012},
            headers={"Authorization": "Bearer test-smsverify-key"},
            timeout=5,
        ).json()["data"]
        wait_for_listener(port)
        delivered = requests.post(
            f"{live}/_mock/smsverify/orders/{order['order_id']}/sms", json={"otp": "545"}, timeout=5
        )
        assert delivered.ok, delivered.text
        callbacks = requests.get(f"{live}/_mock/callbacks", timeout=5).json()["callbacks"]
        assert [(c["state"], c["attempt_count"]) for c in callbacks] == [("delivered", 1)]
        assert process.stdout is not None
        printed = json.loads(process.stdout.readline())
        assert printed["event"] == "incoming_message"
        assert (
            printed["message"]["order_id"] == order["order_id"]
            and "545" in printed["message"]["sms"]
        )
    finally:
        process.kill()
        process.communicate()


def test_the_links_point_at_files() -> None:
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        if not target.startswith("http"):
            assert (ROOT / target).exists(), target
    assert os.path.isfile(ROOT / "openapi" / "control.yaml")
