"""Test support: the seed accounts' keys, and requests built from documented examples."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

from mock_server.engine.simulation import Simulation
from mock_server.resources import openapi_dir
from mock_server.spec.document import Operation, SpecDocument
from mock_server.spec.validation import ResponseValidator, registry_for

SERVE = [sys.executable, "-m", "mock_server", "serve", "--port", "0"]
SMSVERIFY_KEY = "test-smsverify-key"
SMS4SATS_KEY = "test-sms4sats-key"
BEARER = {"Authorization": f"Bearer {SMSVERIFY_KEY}"}

FILES = {
    "sms4sats": "sms4sats.yaml",
    "smsverify": "smsverificationservice.yaml",
    "l402": "sms4sats-l402.yaml",
    "control": "control.yaml",
    "dashboard": "dashboard.yaml",
}
CREDENTIALS = {
    "ApiKey": {"X-API-Key": SMS4SATS_KEY},
    "BearerAuth": {"Authorization": f"Bearer {SMSVERIFY_KEY}"},
}


def document(api: str) -> SpecDocument:
    return SpecDocument(openapi_dir() / FILES[api], api)


def send_example(
    base_url: str,
    op: Operation,
    *,
    params: dict[str, Any] | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> requests.Response:
    """Call ``op`` the way its examples describe, with the credentials it needs.

    ``params`` replaces parameter examples by name; ``body`` replaces the body example;
    ``headers`` replaces the credentials (an L402 token is per order).
    """
    path = op.path
    query: dict[str, Any] = {}
    for param in op.parameters:
        value = (params or {}).get(param.name, param.example)
        if value is None:
            continue
        if param.location == "path":
            path = path.replace(f"{{{param.name}}}", str(value))
        elif param.location == "query":
            query[param.name] = value
    credentials: dict[str, str] = {}
    for requirement in op.security[:1]:
        for scheme in requirement:
            credentials.update(CREDENTIALS.get(scheme, {}))
    if op.security and {} in op.security and len(op.security) > 1:
        credentials = {}  # optional credentials: the plain (pay-per-order) request
    if body is None and op.body is not None:
        body = op.body["example"]
    return requests.request(
        op.method,
        base_url + path,
        params=query,
        json=body,
        headers=credentials if headers is None else headers,
        timeout=10,
    )


def conformance_problems(
    doc: SpecDocument, op: Operation, response: requests.Response
) -> list[str]:
    """Why a response does not fit the operation's description (checked by the test itself)."""
    validator = ResponseValidator(op, doc, registry_for(doc))
    body = response.json() if response.content else None
    problems = validator.problems(response.status_code, body, response.headers)
    if response.headers.get("Content-Type", "").split(";")[0] != "application/json":
        problems.append(f"content type {response.headers.get('Content-Type')}")
    return problems


class WebhookReceiver:
    """A real HTTP server on loopback that records the JSON POSTed to it and answers with the
    statuses it is told (then 200)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, Any]] = []
        self.statuses: list[int] = []
        self.url = ""

    @contextmanager
    def running(self) -> Iterator[WebhookReceiver]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append((self.path, json.loads(body) if body else None))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


class Faulty:
    """The base URL of a served simulator, and how to arm it with fault rules."""

    def __init__(self, base: str, sim: Simulation) -> None:
        self.base = base
        self.sim = sim

    def rules(self, yaml_faults: str, extra: str = "") -> None:
        text = f"name: rules\nseed: 1\n{extra}faults:\n{yaml_faults}"
        response = requests.put(f"{self.base}/_mock/scenario", json={"yaml": text}, timeout=5)
        assert response.status_code == 200, response.text

    def journal(self) -> list[dict]:
        return requests.get(f"{self.base}/_mock/requests", timeout=5).json()["requests"]

    def advance(self, seconds: float) -> None:
        assert requests.post(
            f"{self.base}/_mock/clock/advance", json={"seconds": seconds}, timeout=5
        ).ok

    def parked(self) -> int:
        """Requests held by a fault, waiting for the clock."""
        return sum(1 for e in self.sim.scheduler.pending() if e.name == "fault wait")

    def wait_until_parked(self, count: int = 1) -> None:
        """Wait (real time: a server thread is getting there) until requests are held by a fault."""
        done = threading.Event()
        for _ in range(500):
            if self.parked() >= count:
                return
            done.wait(0.01)  # real-time: the server is still reading the request
        raise AssertionError("the request never reached its fault")


@contextmanager
def served_process(
    *args: str, env: dict[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """A real `sms-mock serve` process on a free port: the process and its base URL."""
    process = subprocess.Popen(
        [*SERVE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        match = re.search(r"serving on (http://127\.0\.0\.1:\d+)", first)
        assert match, first + (process.stderr.read() if process.stderr else "")
        yield process, match.group(1)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)
