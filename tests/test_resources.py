"""What a shared server keeps is bounded, and new clients get in however many sit idle."""

from __future__ import annotations

import json
import socket
from contextlib import ExitStack

import requests

from mock_server.app import create_app, simulation_of
from mock_server.engine.scenarios import ScenarioLibrary
from mock_server.testing.server import serving
from tests.support import served_process

MEGABYTE_BODY = b'{"country": "' + b"x" * (1024 * 1024 - 100) + b'"}'


def test_megabyte_bodies_keep_the_journal_within_its_bytes() -> None:
    app = create_app("manual")
    journal = simulation_of(app).journal
    with serving(app) as url:
        for i in range(40):
            requests.post(
                f"{url}/createorder",
                data=MEGABYTE_BODY,
                headers={"Content-Type": "application/json", "X-Long": "h" * 5000, "X-N": str(i)},
                params={"q": "v" * 5000},
                timeout=10,
            )
        listing = requests.get(f"{url}/_mock/requests", timeout=10)
    entries = listing.json()["requests"]
    assert len(entries) == 40 and journal.bytes <= journal.max_bytes
    assert len(listing.content) < 40 * 40_000  # each entry a few KiB, not a megabyte
    entry = entries[-1]
    assert entry["status"] == 400 and entry["headers"]["X-N"] == "39"
    assert entry["body"].endswith(f"...[truncated: {len(MEGABYTE_BODY)} bytes]")
    assert len(entry["body"]) < journal.entry_bytes + 100
    assert entry["headers"]["X-Long"].endswith("...[truncated: 5000 bytes]")
    assert entry["query"]["q"][0].endswith("...[truncated: 5000 bytes]")


def test_the_journal_drops_the_oldest_past_its_bytes() -> None:
    scenario = ScenarioLibrary().load_text(
        "name: tight\nclock: {mode: virtual}\njournal: {max_bytes: 65536, entry_bytes: 1024}\n"
    )
    app = create_app(scenario)
    client = app.test_client()
    for _ in range(100):
        client.post("/createorder", data=MEGABYTE_BODY[:200_000], content_type="application/json")
    listing = client.get("/_mock/requests").get_json()
    assert 10 < listing["count"] < 100 and listing["dropped"] == 100 - listing["count"]
    assert simulation_of(app).journal.bytes <= 65536


def test_webhooks_to_many_urls_keep_a_bounded_number_waiting() -> None:
    scenario = ScenarioLibrary().load_text(
        "name: few\nclock: {mode: virtual, start: '2026-01-01T00:00:00Z'}\n"
        "callbacks: {max_pending: 5}\nsms4sats: {timing: {auto_pay_after: null}}\n"
    )
    app = create_app(scenario, strict=True)
    client = app.test_client()
    for i in range(30):  # nothing listens on the discard port: every attempt fails
        body = {"message": "hi", "phone": "+19871234567", "webhookUrl": f"http://127.0.0.1:9/{i}"}
        order = client.post("/createsendorder", json=body).get_json()
        client.post("/_mock/lightning/pay", json={"payreq": order["payreq"]})
    simulation_of(app).scheduler.advance(120)
    callbacks = client.get("/_mock/callbacks").get_json()["callbacks"]
    states = [c["state"] for c in callbacks]
    assert states.count("pending") == 5 and states.count("dropped") > 0
    assert all(c["url"] != "http://127.0.0.1:9/0" or c["state"] == "dropped" for c in callbacks)


def _connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def test_hundreds_of_idle_connections_do_not_lock_anyone_out() -> None:
    with served_process("--scenario", "manual") as (_, base), ExitStack() as idle:
        sockets = [idle.enter_context(_connect(base)) for _ in range(300)]
        half = sockets[:150]
        for s in half:  # half of them trickle a request they never finish
            s.sendall(b"GET /price HTTP/1.1\r\nHost: x\r\n")
        response = requests.get(f"{base}/price", timeout=10)  # refused or timed out today
        assert response.status_code == 200 and json.loads(response.text)["receive"]


def test_slow_and_idle_connections_are_closed() -> None:
    limits = ["--idle-timeout", "1", "--request-timeout", "2"]
    with served_process("--scenario", "manual", *limits) as (_, base):
        idle, trickling = _connect(base), _connect(base)
        trickling.sendall(b"GET /price HTTP/1.1\r\n")
        trickling.sendall(b"X-Slow: 1\r\n")  # activity, but the request never ends
        for s in (idle, trickling):
            with s:
                assert s.recv(1024) == b""  # the server hung up (within the 10 s socket timeout)
        assert requests.get(f"{base}/price", timeout=10).status_code == 200
