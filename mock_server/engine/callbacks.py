"""Outbound callbacks (webhooks): real HTTP POSTs, retried with backoff on the clock.

Each :class:`Callback` keeps its attempts (time, status or error) and when the next one is due;
``GET /_mock/callbacks`` shows them. An attempt is an event on the scheduler that runs *outside*
the state lock, so a receiver that calls the simulator back before it answers cannot deadlock it.

Redirects are never followed: a 3xx is an answer other than 2xx and is retried like one, so a
receiver cannot point a callback past the allow-list. Whatever goes wrong in an attempt (a
refused connection, a line that is not HTTP, a timeout) is recorded as that attempt and retried.
What is kept is bounded: the latest ``capacity`` in the log, at most ``max_pending`` waiting for a
retry (the oldest waiting one is dropped past it), and ``max_bytes`` for all of them.
"""

from __future__ import annotations

import http.client
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
from functools import cached_property
from typing import Any, Literal
from urllib.parse import urlsplit

from mock_server.engine import jsonio
from mock_server.engine.clock import Clock, iso_utc
from mock_server.engine.persistence import Changes, Rows
from mock_server.engine.scheduler import Event, Scheduler

# (url, body, timeout) -> HTTP status; raises OSError when no answer came.
Transport = Callable[[str, bytes, float], int]
CallbackState = Literal["pending", "delivered", "failed", "refused", "dropped"]
DEFAULT_CAPACITY = 1000
USER_AGENT = "sms-mock callbacks"
MAX_ATTEMPTS_KEPT = 50  # the latest attempts of one callback; older ones are counted only
MAX_ERROR_CHARS = 200
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


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is the receiver's answer, not a new target: the 3xx comes back as it is."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def post_json(url: str, body: bytes, timeout: float) -> int:
    """POST ``body`` as JSON; the status code, whatever it is (a redirect is not followed).

    Raises OSError when no HTTP answer came (refused, reset, timed out, not HTTP).
    """
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": USER_AGENT},
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        return int(exc.code)
    except urllib.error.URLError as exc:
        raise OSError(str(exc.reason)) from None
    except http.client.HTTPException as exc:  # BadStatusLine, IncompleteRead, ...
        raise OSError(f"not an HTTP answer ({type(exc).__name__}: {exc})"[:200]) from None


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


@dataclass(frozen=True)
class CallbackLimits:
    """What a dispatcher keeps: the log's length, callbacks waiting for a retry, all bytes."""

    capacity: int = DEFAULT_CAPACITY
    max_pending: int = 1000
    max_bytes: int = 8 * 1024 * 1024


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
    attempt_count: int = 0  # every attempt made; ``attempts`` keeps the latest ones
    first_attempt_ts: float | None = field(default=None, repr=False)
    policy: RetryPolicy = field(default_factory=RetryPolicy, repr=False)
    size: int = field(default=0, repr=False)  # bytes it takes, about (the dispatcher's bound)

    def to_dict(self) -> dict[str, Any]:
        """The callback as ``GET /_mock/callbacks`` shows it."""
        data = asdict(self)
        for hidden in ("first_attempt_ts", "policy", "size"):
            data.pop(hidden)
        return data

    def to_record(self) -> dict[str, Any]:
        """For a state file: the payload as the JSON text it is sent as (money stays exact)."""
        data = {**asdict(self), "payload": jsonio.dumps(self.payload)}
        data.pop("size")
        return data

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Callback:
        callback = cls(
            **{
                "attempt_count": len(record["attempts"]),
                **record,
                "payload": json.loads(record["payload"], parse_float=Decimal),
                "attempts": [Attempt(**a) for a in record["attempts"]],
                "policy": RetryPolicy(**record["policy"]),
            }
        )
        callback.size = callback.measure()
        return callback

    @cached_property
    def body(self) -> bytes:
        """The payload as it is POSTed (made once: every attempt sends the same bytes)."""
        return jsonio.dumps(self.payload).encode()

    def measure(self) -> int:
        """About how many bytes the callback takes (URL, payload, attempts)."""
        attempts = sum(64 + len(a.at) + len(a.error or "") for a in self.attempts)
        return 256 + len(self.url) + len(self.event) + len(self.body) + attempts


class CallbackDispatcher:
    """Sends callbacks and keeps a bounded log of them (see :class:`CallbackLimits`)."""

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
        self.limits = CallbackLimits(capacity=capacity)
        self._log: deque[Callback] = deque(maxlen=capacity)
        self._by_id: dict[int, Callback] = {}  # the log, plus pending ones dropped from it
        self._pending: dict[int, Callback] = {}  # oldest first
        self._next: dict[int, Event] = {}  # a pending callback's next attempt
        self._bytes = 0  # of everything in _by_id
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
            refused = not self.allow.permits(url)
            if refused:
                callback.state = "refused"
                callback.next_attempt_at = None
                log.warning(
                    "callback to %s refused: its host is not in the callback allow-list", url
                )
            self._remember(callback)
            if not refused:
                self._schedule(callback, self.clock.timestamp())
            self._enforce_limits()
        return callback

    def _remember(self, callback: Callback) -> None:
        """Log a callback; the oldest one drops out of a full log (kept while it is pending)."""
        if self._log.maxlen is not None and len(self._log) == self._log.maxlen:
            oldest = self._log[0]
            if oldest.state != "pending":
                self._forget(oldest)
        self._log.append(callback)
        callback.size = callback.measure()
        self._by_id[callback.id] = callback
        self._bytes += callback.size
        if callback.state == "pending":
            self._pending[callback.id] = callback
        self.changes.mark("callbacks", "callbacks", callback.id)

    def _forget(self, callback: Callback) -> None:
        """Stop keeping a callback (it may still stand in the log until it drops out)."""
        if self._by_id.pop(callback.id, None) is not None:
            self._bytes -= callback.size
        self._pending.pop(callback.id, None)
        self.changes.mark("callbacks", "callbacks", callback.id)

    def _enforce_limits(self) -> None:
        """Drop the oldest waiting callbacks past ``max_pending``; past ``max_bytes``, the
        oldest finished ones, then the oldest waiting ones."""
        limits = self.limits
        while len(self._pending) > limits.max_pending:
            self._drop(next(iter(self._pending.values())), "max_pending")
        while self._bytes > limits.max_bytes and self._by_id:
            finished = next((c for c in self._by_id.values() if c.state != "pending"), None)
            if finished is None:
                self._drop(next(iter(self._pending.values())), "max_bytes")
                continue
            self._forget(finished)
            if finished in self._log:
                self._log.remove(finished)

    def _drop(self, callback: Callback, limit: str) -> None:
        """Give up on a waiting callback to stay within a limit: no more attempts."""
        log.warning(
            "callback %s to %s dropped: callbacks.%s reached", callback.id, callback.url, limit
        )
        callback.state = "dropped"
        callback.next_attempt_at = None
        self._pending.pop(callback.id, None)
        if (event := self._next.pop(callback.id, None)) is not None:
            self.scheduler.cancel(event)
        self.changes.mark("callbacks", "callbacks", callback.id)
        if self._log and callback.id < self._log[0].id:  # in no listing any more
            self._forget(callback)

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

    def clear(self, limits: CallbackLimits | None = None) -> None:
        """Forget every callback, ids starting again at 1; new ``limits`` bound what is kept
        from now on."""
        with self.lock:
            self._ids = itertools.count(1)
            self._last_id = 0
            self.limits = limits or self.limits
            self._log = deque(maxlen=self.limits.capacity)
            self._by_id.clear()
            self._pending.clear()
            self._next.clear()
            self._bytes = 0

    def _schedule(self, callback: Callback, when: float) -> None:
        self._next[callback.id] = self.scheduler.schedule(when, "callback.attempt", callback.id)

    def _name(self, callback_id: int) -> str:
        callback = self._by_id.get(callback_id)
        return f"callback {callback_id}" + (f" to {callback.url}" if callback else "")

    def _attempt(self, callback_id: int) -> None:
        with self.lock:
            callback = self._pending.get(callback_id)
        if callback is None:  # dropped, or forgotten by a reset
            return
        policy = callback.policy
        body = callback.body
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        if self.outage_until is not None and self.clock.timestamp() < self.outage_until:
            status, error = 503, "simulated receiver outage (scenario callbacks.fail_for)"
        else:
            try:
                status = self.transport(callback.url, body, policy.timeout)
            except Exception as exc:  # every way an attempt can fail is that attempt's outcome
                error = (str(exc) or type(exc).__name__)[:MAX_ERROR_CHARS]
        elapsed_ms = round((time.perf_counter() - started) * 1000, 3)
        with self.lock:
            if self._pending.get(callback.id) is not callback:  # dropped meanwhile
                return
            self._record_attempt(
                callback, Attempt(iso_utc(self.clock.now()), status, error, elapsed_ms)
            )
            self._enforce_limits()

    def _record_attempt(self, callback: Callback, attempt: Attempt) -> None:
        """Keep an attempt's outcome and decide what comes next (under the lock)."""
        self.changes.mark("callbacks", "callbacks", callback.id)
        policy = callback.policy
        now = self.clock.timestamp()
        if callback.first_attempt_ts is None:
            callback.first_attempt_ts = now
        callback.attempts.append(attempt)
        del callback.attempts[:-MAX_ATTEMPTS_KEPT]
        callback.attempt_count += 1
        self._bytes -= callback.size
        callback.size = callback.measure()
        self._bytes += callback.size
        retry_at = now + policy.delay(callback.attempt_count)
        if attempt.status is not None and 200 <= attempt.status < 300:
            callback.state = "delivered"
        elif retry_at - callback.first_attempt_ts > policy.give_up_after:
            callback.state = "failed"
        else:
            callback.next_attempt_at = iso_utc(datetime.fromtimestamp(retry_at, UTC))
            self._schedule(callback, retry_at)
            return
        callback.next_attempt_at = None
        self._pending.pop(callback.id, None)
        self._next.pop(callback.id, None)
        if self._log and callback.id < self._log[0].id:  # finished, and in no listing any more
            self._forget(callback)

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
            self._bytes += callback.size
            if callback.state == "pending":
                self._pending[callback.id] = callback
