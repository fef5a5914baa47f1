from __future__ import annotations

import socketserver
import threading
from collections import deque
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from mock_server.engine.callbacks import (
    CallbackAllowList,
    CallbackDispatcher,
    CallbackLimits,
    RetryPolicy,
    post_json,
)
from mock_server.engine.clock import Clock
from mock_server.engine.scheduler import Scheduler

START = datetime(2026, 1, 1, tzinfo=UTC).timestamp()


class Receiver:
    """A transport that answers with the statuses it is given, then 200."""

    def __init__(self, *statuses: int | None) -> None:
        self.statuses = list(statuses)
        self.bodies: list[bytes] = []

    def __call__(self, url: str, body: bytes, timeout: float) -> int:
        self.bodies.append(body)
        status = self.statuses.pop(0) if self.statuses else 200
        if status is None:
            raise OSError("connection refused")
        return status


def _dispatcher(transport: Receiver) -> tuple[Scheduler, CallbackDispatcher]:
    scheduler = Scheduler(Clock("virtual", start=datetime(2026, 1, 1, tzinfo=UTC)))
    dispatcher = CallbackDispatcher(scheduler, scheduler.lock, transport=transport)
    dispatcher.allow = CallbackAllowList(allow_all=True)
    return scheduler, dispatcher


def test_a_callback_is_posted_when_the_clock_runs_and_recorded() -> None:
    receiver = Receiver()
    scheduler, dispatcher = _dispatcher(receiver)
    callback = dispatcher.send("sms4sats", "sent", "http://x/hook", {"a": 1})
    assert callback.state == "pending"
    scheduler.advance(0)
    assert receiver.bodies == [b'{"a":1}']
    assert callback.state == "delivered"
    assert [(a.status, a.error) for a in callback.attempts] == [(200, None)]
    assert callback.next_attempt_at is None


def test_failures_are_retried_with_exponential_backoff() -> None:
    receiver = Receiver(500, None, 503)
    scheduler, dispatcher = _dispatcher(receiver)
    policy = RetryPolicy(first_delay=60, factor=2, max_delay=3600, give_up_after=86400)
    callback = dispatcher.send("smsverify", "incoming_message", "http://x/hook", {}, policy)
    scheduler.advance(0)
    assert callback.next_attempt_at == "2026-01-01T00:01:00Z"
    scheduler.advance(24 * 3600)
    assert [a.at for a in callback.attempts] == [
        "2026-01-01T00:00:00Z",
        "2026-01-01T00:01:00Z",
        "2026-01-01T00:03:00Z",
        "2026-01-01T00:07:00Z",
    ]
    assert [a.status for a in callback.attempts] == [500, None, 503, 200]
    assert callback.attempts[1].error == "connection refused"
    assert callback.state == "delivered"


def test_delivery_gives_up_after_the_policy_window() -> None:
    receiver = Receiver(*([500] * 100))
    scheduler, dispatcher = _dispatcher(receiver)
    policy = RetryPolicy(first_delay=60, factor=2, max_delay=3600, give_up_after=86400)
    callback = dispatcher.send("smsverify", "incoming_message", "http://x/hook", {}, policy)
    scheduler.advance(3 * 86400)
    assert callback.state == "failed"
    last = datetime.fromisoformat(callback.attempts[-1].at.replace("Z", "+00:00")).timestamp()
    assert last - START <= 86400
    # 0, 60, 180, 420, 900, 1860 s, then hourly (the cap) from 3780 s to 82980 s: 6 + 23.
    assert len(callback.attempts) == 29
    assert scheduler.pending() == []


def test_log_filters_and_is_bounded() -> None:
    scheduler = Scheduler(Clock("virtual"))
    dispatcher = CallbackDispatcher(scheduler, scheduler.lock, capacity=2, transport=Receiver())
    dispatcher.allow = CallbackAllowList(allow_all=True)
    for api in ("a", "b", "b"):
        dispatcher.send(api, "e", "http://x", {})
    assert [c.api for c in dispatcher.log()] == ["b", "b"]
    assert dispatcher.log(api="a") == []
    dispatcher.clear()
    assert dispatcher.log() == []


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, bytes, str]]] = []
    status = 200

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        _Hook.received.append((self.path, self.rfile.read(length), self.headers["Content-Type"]))
        self.send_response(_Hook.status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hook_url() -> str:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Hook.received = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_post_json_makes_a_real_http_post(hook_url: str) -> None:
    assert post_json(f"{hook_url}/hook", b'{"x":1}', 5) == 200
    assert _Hook.received == [("/hook", b'{"x":1}', "application/json")]
    _Hook.status = 500
    try:
        assert post_json(f"{hook_url}/hook", b"{}", 5) == 500
    finally:
        _Hook.status = 200


def test_post_json_to_a_closed_port_raises_oserror() -> None:
    with pytest.raises(OSError):
        post_json("http://127.0.0.1:9/nothing", b"{}", 2)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1:9000/api/callback", True),
        ("http://localhost/hook", True),
        ("http://[::1]:8080/hook", True),
        ("https://hooks.qa.example/x", True),  # named on purpose
        ("http://10.0.0.5/admin", False),
        ("http://169.254.169.254/latest/meta-data", False),
        ("http://internal.corp/hook", False),
        ("ftp://127.0.0.1/x", False),
        ("not a url", False),
    ],
)
def test_the_allow_list_lets_only_loopback_and_named_hosts_through(url: str, allowed: bool) -> None:
    assert CallbackAllowList({"hooks.qa.example"}).permits(url) is allowed


def test_a_refused_target_is_never_posted_and_is_visible(caplog: pytest.LogCaptureFixture) -> None:
    receiver = Receiver()
    scheduler = Scheduler(Clock("virtual"))
    dispatcher = CallbackDispatcher(scheduler, scheduler.lock, transport=receiver)
    callback = dispatcher.send("sms4sats", "sent", "http://10.1.2.3/steal", {"a": 1})
    scheduler.advance(3600)
    assert receiver.bodies == []
    assert (callback.state, callback.attempts, callback.next_attempt_at) == ("refused", [], None)
    assert dispatcher.log(state="refused") == [callback]
    assert "callback to http://10.1.2.3/steal refused" in caplog.text


class _NotHttp(socketserver.BaseRequestHandler):
    """A receiver that answers with a line that is not HTTP, then hangs up."""

    def handle(self) -> None:
        self.request.recv(65536)
        self.request.sendall(b"garbage, not an HTTP status line\r\n\r\n")


def test_a_receiver_that_does_not_speak_http_is_a_failed_attempt_and_retried() -> None:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _NotHttp)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        scheduler = Scheduler(Clock("virtual", start=datetime(2026, 1, 1, tzinfo=UTC)))
        dispatcher = CallbackDispatcher(scheduler, scheduler.lock)
        callback = dispatcher.send("sms4sats", "sent", url, {"a": 1}, RetryPolicy(first_delay=60))
        scheduler.advance(0)
        assert callback.state == "pending"
        assert [a.status for a in callback.attempts] == [None]
        assert "not an HTTP answer" in (callback.attempts[0].error or "")
        assert callback.next_attempt_at == "2026-01-01T00:01:00Z"
        scheduler.advance(60)
        assert callback.attempt_count == len(callback.attempts) == 2  # retried on the schedule
    finally:
        server.shutdown()
        server.server_close()


def test_a_transport_that_raises_anything_is_a_recorded_attempt() -> None:
    def broken(url: str, body: bytes, timeout: float) -> int:
        raise RuntimeError("the transport itself broke")

    scheduler = Scheduler(Clock("virtual"))
    dispatcher = CallbackDispatcher(scheduler, scheduler.lock, transport=broken)
    dispatcher.allow = CallbackAllowList(allow_all=True)
    callback = dispatcher.send("a", "e", "http://x/hook", {})
    scheduler.advance(0)
    assert [(a.status, a.error) for a in callback.attempts] == [
        (None, "the transport itself broke")
    ]
    assert callback.state == "pending" and scheduler.failures == deque()


def _bounded(limits: CallbackLimits) -> tuple[Scheduler, CallbackDispatcher]:
    scheduler = Scheduler(Clock("virtual", start=datetime(2026, 1, 1, tzinfo=UTC)))
    dispatcher = CallbackDispatcher(scheduler, scheduler.lock, transport=Receiver(*[500] * 10**4))
    dispatcher.allow = CallbackAllowList(allow_all=True)
    dispatcher.clear(limits)
    return scheduler, dispatcher


def test_pending_callbacks_are_capped_oldest_dropped() -> None:
    scheduler, dispatcher = _bounded(CallbackLimits(capacity=10, max_pending=3))
    sent = [dispatcher.send("a", "e", f"http://x/{i}", {"i": i}) for i in range(20)]
    scheduler.advance(3600)  # everyone answers 500: all keep retrying
    assert [c.state for c in sent[-3:]] == ["pending"] * 3
    assert {c.state for c in sent[:-3]} == {"dropped"}
    assert all(c.next_attempt_at is None for c in sent[:-3])
    assert len(dispatcher._pending) == 3
    # a dropped callback is never attempted again, and leaves no event behind
    attempts = [len(c.attempts) for c in sent[:-3]]
    scheduler.advance(86_400)
    assert [len(c.attempts) for c in sent[:-3]] == attempts
    assert all(e.first in {c.id for c in sent[-3:]} for e in scheduler.pending())


def test_callbacks_are_bounded_in_bytes() -> None:
    scheduler, dispatcher = _bounded(
        CallbackLimits(capacity=1000, max_pending=1000, max_bytes=64_000)
    )
    for i in range(200):
        dispatcher.send("a", "e", f"http://x/{'p' * 2000}/{i}", {"pad": "x" * 2000})
    scheduler.advance(3600)
    assert dispatcher._bytes <= 64_000
    assert dispatcher._bytes == sum(c.measure() for c in dispatcher._by_id.values())
    assert 0 < len(dispatcher._pending) < 200
    assert dispatcher.log()[-1].url.endswith("/199")


def test_the_attempts_kept_of_one_callback_are_bounded() -> None:
    scheduler, dispatcher = _bounded(CallbackLimits())
    policy = RetryPolicy(first_delay=1, factor=1, max_delay=1, give_up_after=86_400)
    callback = dispatcher.send("a", "e", "http://x/hook", {}, policy)
    scheduler.advance(500)
    assert callback.attempt_count == 501
    assert len(callback.attempts) == 50 and callback.attempts[-1].at.endswith(":08:20Z")


def test_ids_begin_again_at_one_after_a_clear() -> None:
    """`POST /_mock/reset` clears the dispatcher: a test that resets sees callback 1 again."""
    _, dispatcher = _dispatcher(Receiver(200))
    assert [dispatcher.send("sms4sats", "sent", "http://x/hook", {}).id for _ in range(3)] == [
        1,
        2,
        3,
    ]
    dispatcher.clear()
    assert dispatcher.send("sms4sats", "sent", "http://x/hook", {}).id == 1
