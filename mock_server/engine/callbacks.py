"""Outbound callbacks (webhooks): real HTTP POSTs, retried with backoff on the clock.

Each :class:`Callback` keeps every attempt (time, status or error) and when the next one is due;
``GET /_mock/callbacks`` shows them. An attempt is an event on the scheduler that runs *outside*
the state lock, so a receiver that calls the simulator back before it answers cannot deadlock it.
"""

from __future__ import annotations

import ipaddress
import itertools
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import urlsplit

from mock_server.engine import jsonio
from mock_server.engine.clock import Clock, iso_utc
from mock_server.engine.persistence import Changes, Rows
from mock_server.engine.scheduler import Scheduler

# (url, body, timeout) -> HTTP status; raises OSError when no answer came.
Transport = Callable[[str, bytes, float], int]
CallbackState = Literal["pending", "delivered", "failed", "refused"]
DEFAULT_CAPACITY = 1000
USER_AGENT = "sms-mock callbacks"
log = logging.getLogger(__name__)


class CallbackAllowList:
    """Which hosts callbacks may go to: loopback always, plus the hosts named on purpose.

    A shared simulator must not become a way to make requests into a private network: a
    ``webhookUrl`` comes from whoever calls the API.
    """

    def __init__(self, hosts: set[str] | None = None, *, allow_all: bool = False) -> None:
        self.hosts = {h.lower() for h in hosts or set()}
        self.allow_all = allow_all

    def permits(self, url: str) -> bool:
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
        except ValueError:
            return False
        if parts.scheme not in ("http", "https") or not host:
            return False
        if self.allow_all or host in self.hosts or host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False


def post_json(url: str, body: bytes, timeout: float) -> int:
    """POST ``body`` as JSON; the status code, whatever it is."""
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": USER_AGENT},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except urllib.error.URLError as exc:
        raise OSError(str(exc.reason)) from None


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: ``first_delay * factor**n`` seconds, at most ``max_delay``, until
    ``give_up_after`` seconds have passed since the first attempt."""

    first_delay: float = 30.0
    factor: float = 2.0
    max_delay: float = 3600.0
    give_up_after: float = 86_400.0
    timeout: float = 5.0

    def delay(self, failures: int) -> float:
        return min(self.first_delay * self.factor ** (failures - 1), self.max_delay)


@dataclass
class Attempt:
    at: str
    status: int | None
    error: str | None
    duration_ms: float


@dataclass
class Callback:
    id: int
    api: str
    event: str
    url: str
    payload: Any
    created_at: str
    state: CallbackState = "pending"
    attempts: list[Attempt] = field(default_factory=list)
    next_attempt_at: str | None = None
    first_attempt_ts: float | None = field(default=None, repr=False)
    policy: RetryPolicy = field(default_factory=RetryPolicy, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The callback as ``GET /_mock/callbacks`` shows it."""
        data = asdict(self)
        data.pop("first_attempt_ts")
        data.pop("policy")
        return data

    def to_record(self) -> dict[str, Any]:
        """For a state file: the payload as the JSON text it is sent as (money stays exact)."""
        return {**asdict(self), "payload": jsonio.dumps(self.payload)}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Callback:
        return cls(
            **{
                **record,
                "payload": json.loads(record["payload"], parse_float=Decimal),
                "attempts": [Attempt(**a) for a in record["attempts"]],
                "policy": RetryPolicy(**record["policy"]),
            }
        )


class CallbackDispatcher:
    """Sends callbacks and keeps a bounded log of them (oldest dropped)."""

    def __init__(
        self,
        scheduler: Scheduler,
        lock: threading.RLock,
        *,
        capacity: int = DEFAULT_CAPACITY,
        transport: Transport = post_json,
        changes: Changes | None = None,
    ) -> None:
        self.scheduler = scheduler
        self.lock = lock
        self.allow = CallbackAllowList()
        self.transport = transport
        self.changes = changes or Changes()
        self._log: deque[Callback] = deque(maxlen=capacity)
        self._by_id: dict[int, Callback] = {}  # the log, plus pending ones dropped from it
        self._ids = itertools.count(1)
        self._last_id = 0
        # Until then, every attempt fails as if the receiver answered 503 (a scenario's outage).
        self.outage_until: float | None = None
        scheduler.handle("callback.attempt", self._attempt, locked=False, namer=self._name)

    def send(
        self, api: str, event: str, url: str, payload: Any, policy: RetryPolicy | None = None
    ) -> Callback:
        """Queue a POST of ``payload`` to ``url`` now; retries follow ``policy``."""
        with self.lock:
            self._last_id = next(self._ids)
            callback = Callback(
                id=self._last_id,
                api=api,
                event=event,
                url=url,
                payload=payload,
                created_at=iso_utc(self.clock.now()),
                next_attempt_at=iso_utc(self.clock.now()),
                policy=policy or RetryPolicy(),
            )
            self._remember(callback)
            if not self.allow.permits(url):
                callback.state = "refused"
                callback.next_attempt_at = None
                log.warning(
                    "callback to %s refused: its host is not in the callback allow-list", url
                )
                return callback
            self._schedule(callback, self.clock.timestamp())
        return callback

    def _remember(self, callback: Callback) -> None:
        """Log a callback; the oldest one drops out of a full log (kept while it is pending)."""
        if self._log.maxlen is not None and len(self._log) == self._log.maxlen:
            oldest = self._log[0]
            if oldest.state != "pending":
                self._by_id.pop(oldest.id, None)
                self.changes.mark("callbacks", "callbacks", oldest.id)
        self._log.append(callback)
        self._by_id[callback.id] = callback
        self.changes.mark("callbacks", "callbacks", callback.id)

    def log(self, *, api: str | None = None, state: str | None = None) -> list[Callback]:
        with self.lock:
            return [
                c
                for c in self._log
                if (api is None or c.api == api) and (state is None or c.state == state)
            ]

    @property
    def clock(self) -> Clock:
        return self.scheduler.clock  # the scheduler's clock is the one a reset installs

    def clear(self, capacity: int | None = None) -> None:
        """Forget every callback; a new ``capacity`` bounds the log from now on."""
        with self.lock:
            self._log = deque(maxlen=capacity or self._log.maxlen)
            self._by_id.clear()

    def _schedule(self, callback: Callback, when: float) -> None:
        self.scheduler.schedule(when, "callback.attempt", callback.id)

    def _name(self, callback_id: int) -> str:
        callback = self._by_id.get(callback_id)
        return f"callback {callback_id}" + (f" to {callback.url}" if callback else "")

    def _attempt(self, callback_id: int) -> None:
        with self.lock:
            callback = self._by_id.get(callback_id)
        if callback is None:
            return
        policy = callback.policy
        body = jsonio.dumps(callback.payload).encode()
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        if self.outage_until is not None and self.clock.timestamp() < self.outage_until:
            status, error = 503, "simulated receiver outage (scenario callbacks.fail_for)"
        else:
            try:
                status = self.transport(callback.url, body, policy.timeout)
            except (OSError, ValueError) as exc:
                error = str(exc) or type(exc).__name__
        elapsed_ms = round((time.perf_counter() - started) * 1000, 3)
        with self.lock:
            self.changes.mark("callbacks", "callbacks", callback.id)
            if self._log and callback.id < self._log[0].id:  # dropped from the full log
                self._by_id.pop(callback.id, None)
            now = self.clock.timestamp()
            if callback.first_attempt_ts is None:
                callback.first_attempt_ts = now
            callback.attempts.append(Attempt(iso_utc(self.clock.now()), status, error, elapsed_ms))
            if status is not None and 200 <= status < 300:
                callback.state = "delivered"
                callback.next_attempt_at = None
                return
            retry_at = now + policy.delay(len(callback.attempts))
            if retry_at - callback.first_attempt_ts > policy.give_up_after:
                callback.state = "failed"
                callback.next_attempt_at = None
                return
            callback.next_attempt_at = iso_utc(datetime.fromtimestamp(retry_at, UTC))
            self._by_id[callback.id] = callback
            self._schedule(callback, retry_at)

    # -- state files ---------------------------------------------------------------------
    def state_record(self) -> dict[str, Any]:
        """The dispatcher's own state (compared at each commit rather than marked)."""
        return {
            "last_id": self._last_id,
            "outage_until": self.outage_until,
            "allow_hosts": sorted(self.allow.hosts),
        }

    def dump_records(self) -> Iterable[tuple[str, str, Any]]:
        yield "state", "dispatcher", self.state_record()
        for callback_id, callback in self._by_id.items():
            yield "callbacks", str(callback_id), callback.to_record()

    def record(self, table: str, key: str) -> Any | None:
        if table == "state":
            return self.state_record()
        callback = self._by_id.get(int(key))
        return callback.to_record() if callback is not None else None

    def restore_records(self, tables: Rows) -> None:
        for _, state in tables.get("state", []):
            self._last_id = int(state["last_id"])
            self._ids = itertools.count(self._last_id + 1)
            self.outage_until = state["outage_until"]
            self.allow.hosts.update(state["allow_hosts"])
        for _, record in sorted(tables.get("callbacks", []), key=lambda row: int(row[0])):
            callback = Callback.from_record(record)
            self._log.append(callback)
            self._by_id[callback.id] = callback
