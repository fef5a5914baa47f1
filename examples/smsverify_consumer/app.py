"""A smsVerificationService integration: rent a number, wait for the OTP.

It polls the order's status and honours `Retry-After` on 429, or receives the SMS on its own
callback endpoint (a tiny local HTTP server, as a real app's `/api/callback` would).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests


class OrderFailed(Exception):
    """The service refused the order (insufficient balance, provider failure, ...)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


@dataclass
class Verification:
    order_id: int
    phone: str
    otp: str | None = None
    status: str = "pending"
    waited_for_rate_limit: float = 0.0


class SmsVerifyApp:
    def __init__(
        self,
        api_root: str,
        api_key: str,
        *,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api_root = api_root.rstrip("/")
        self.headers = {"Authorization": f"Bearer {api_key}"}
        self.sleep = sleep
        self.now = now
        self.waited = 0.0

    def order_number(self, service_id: int) -> Verification:
        body = self._call("POST", "/order/temporary/", json={"service_id": service_id})
        data = body["data"]
        return Verification(data["order_id"], data["phone"])

    def wait_for_otp(
        self, verification: Verification, *, timeout: float = 25 * 60, poll_every: float = 5
    ) -> Verification:
        started = self.now()
        while self.now() - started < timeout:
            data = self._call("GET", f"/order/{verification.order_id}/status/")["data"]
            verification.status = data["status"]
            if data.get("otp"):
                verification.otp = data["otp"]
                break
            if data["status"] in ("expired", "cancelled"):
                break
            self.sleep(poll_every)
        verification.waited_for_rate_limit = self.waited
        return verification

    def _call(self, method: str, path: str, **kwargs: Any) -> dict:
        while True:
            response = requests.request(
                method, self.api_root + path, headers=self.headers, timeout=10, **kwargs
            )
            if response.status_code == 429:  # honour Retry-After, then try again
                wait = float(response.headers.get("Retry-After", "1"))
                self.waited += wait
                self.sleep(wait)
                continue
            body = response.json()
            if response.status_code >= 400:
                raise OrderFailed(response.status_code, body.get("error", "unknown error"))
            return body


@dataclass
class CallbackInbox:
    """What the app's callback endpoint received."""

    url: str = ""
    messages: list[dict[str, Any]] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)


@contextmanager
def callback_endpoint() -> Iterator[CallbackInbox]:
    """A tiny local `/api/callback` that answers 200 and keeps each incoming message."""
    inbox = CallbackInbox()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if payload.get("event") == "incoming_message":
                inbox.messages.append(payload["message"])
                inbox.arrived.set()
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    inbox.url = f"http://127.0.0.1:{server.server_address[1]}/api/callback"
    try:
        yield inbox
    finally:
        server.shutdown()
        server.server_close()
