"""The request journal: every served request as a :class:`ServedRequest`, newest last.

Bounded in entries and in bytes (the oldest entries drop out), and every entry bounded too: a
body, an answer, a header or a query value past its limit is kept as its first bytes and a
marker saying how long it was. A shared simulator that runs for days, or is sent megabyte
bodies, keeps a steady footprint. ``/_mock/requests`` reads and clears it.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from fnmatch import fnmatchcase
from typing import Any

from mock_server.engine import jsonio
from mock_server.engine.clock import iso_at

DEFAULT_CAPACITY = 1000
DEFAULT_MAX_BYTES = 8 * 1024 * 1024
DEFAULT_ENTRY_BYTES = 8 * 1024  # of a body, and of an answer
VALUE_CHARS = 512  # of a header or a query value
MAX_VALUES = 64  # headers, and query values, kept per entry
ENTRY_OVERHEAD = 256  # what an entry's fixed fields take, roughly, in bytes of JSON


def clip(text: str, limit: int, size: int | None = None) -> str:
    """``text`` cut to ``limit`` characters with a marker naming its whole ``size``."""
    size = len(text) if size is None else size
    if size <= limit and len(text) <= limit:
        return text
    return f"{text[:limit]}...[truncated: {size} bytes]"


def clip_values(values: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
    """Headers or query parameters as an entry keeps them: at most MAX_VALUES values of
    VALUE_CHARS characters each (each value of a list counts); and how many characters of text
    that keeps (names and values), for the journal's byte bound."""
    if len(values) <= MAX_VALUES:  # the usual: a few short strings, kept as they are
        size = 0
        for name, value in values.items():
            if type(value) is not str or len(value) > VALUE_CHARS or len(name) > VALUE_CHARS:
                break
            size += len(name) + len(value)
        else:
            return dict(values), size
    kept: dict[str, Any] = {}
    budget = MAX_VALUES
    size = 0
    for name, value in values.items():
        if budget <= 0:
            kept["..."] = marker = f"[{len(values) - len(kept)} more left out]"
            size += 3 + len(marker)
            break
        if isinstance(value, list):
            value = [clip(v, VALUE_CHARS) for v in value[:budget]]
            budget -= len(value)
            size += sum(map(len, value))
        else:
            value = clip(value, VALUE_CHARS)
            budget -= 1
            size += len(value)
        name = clip(name, VALUE_CHARS)
        kept[name] = value
        size += len(name)
    return kept, size


class JsonBody:
    """A JSON request body kept as its bytes and parsed only when the journal is read: a request
    pays for one parse of its body (validation's), not two."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def value(self) -> Any:
        try:
            return jsonio.loads(self.data)
        except jsonio.JsonError:
            return self.data.decode("utf-8", "replace")

    def __deepcopy__(self, memo: dict[int, Any]) -> JsonBody:
        return self  # immutable


@dataclass(slots=True)
class ServedRequest:
    """One request and what the simulator answered: ``status`` None while it is being answered
    (a latency fault holds it), 0 when a fault closed the connection instead."""

    id: int
    at: float  # when it came, on the world's clock (read as ``time``, ISO 8601)
    api: str
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    status: int | None
    response: Any
    operation: str | None = None
    duration_ms: float = 0.0
    fault: dict[str, Any] | None = None  # the fault rule that fired on it, if one did
    size: int = 0  # about how many bytes of JSON it takes (the journal's byte bound)
    kept: bool = field(default=True, repr=False, compare=False)  # False once dropped out

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["size"], data["kept"], data["at"]
        if isinstance(self.body, JsonBody):
            data["body"] = self.body.value()
        return {"id": self.id, "time": iso_at(self.at), **data}


class Journal:
    """A thread-safe ring buffer of served requests, bounded in entries and in bytes.

    ``entry_bytes`` bounds what one entry keeps of a body and of an answer (the pipeline clips
    them with :func:`clip`); ``max_bytes`` bounds the sum of the entries' sizes.
    """

    def __init__(
        self,
        capacity: int = DEFAULT_CAPACITY,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        entry_bytes: int = DEFAULT_ENTRY_BYTES,
    ) -> None:
        if capacity < 1:
            raise ValueError("journal capacity must be at least 1")
        self.capacity = capacity
        self.max_bytes = max_bytes
        self.entry_bytes = entry_bytes
        self._entries: deque[ServedRequest] = deque()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.dropped = 0
        self.bytes = 0

    def next_id(self) -> int:
        return next(self._ids)

    def record(self, entry: ServedRequest) -> None:
        """Keep ``entry`` (answered, or open: see :meth:`close`), dropping the oldest ones
        while the journal is over either bound."""
        with self._lock:
            self._entries.append(entry)
            self.bytes += entry.size
            self._keep_bounds()

    def close(
        self,
        entry: ServedRequest,
        *,
        status: int,
        response: Any,
        fault: dict[str, Any] | None,
        duration_ms: float,
        answer_bytes: int = 0,
    ) -> None:
        """Fill in what was answered to an entry :meth:`record` kept open; ``answer_bytes``
        more of the byte bound it takes now."""
        with self._lock:
            entry.status, entry.response, entry.duration_ms = status, response, duration_ms
            entry.fault = fault
            entry.size += answer_bytes
            if entry.kept:
                self.bytes += answer_bytes
                self._keep_bounds()

    def _keep_bounds(self) -> None:
        while len(self._entries) > self.capacity or (
            self.bytes > self.max_bytes and len(self._entries) > 1
        ):
            gone = self._entries.popleft()
            gone.kept = False
            self.bytes -= gone.size
            self.dropped += 1

    def clear(self) -> None:
        with self._lock:
            for entry in self._entries:
                entry.kept = False
            self._entries.clear()
            self.dropped = 0
            self.bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def query(
        self,
        *,
        api: str | None = None,
        method: str | None = None,
        path: str | None = None,
        operation: str | None = None,
        status: int | None = None,
        limit: int | None = None,
    ) -> list[ServedRequest]:
        """Entries matching every given filter, oldest first.

        ``path`` is an exact path or a glob (``/api/v1/order/*``); ``status`` a status code, or
        its class (``4`` for every 4xx); ``limit`` keeps the newest N.
        """
        wanted = limit if limit is not None else len(self._entries)
        matched: list[ServedRequest] = []
        with self._lock:  # copies: an entry being closed is never read half filled in
            for e in reversed(self._entries):  # the newest first; only the matches are copied
                if len(matched) >= wanted:
                    break
                if (
                    (api is None or e.api == api)
                    and (method is None or e.method.upper() == method.upper())
                    and (path is None or e.path == path or fnmatchcase(e.path, path))
                    and (operation is None or e.operation == operation)
                    and (status is None or _status_matches(e.status, status))
                ):
                    matched.append(replace(e))
        matched.reverse()
        return matched


def _status_matches(answered: int | None, wanted: int) -> bool:
    """``wanted`` is a status (404) or a class of them (4: any 4xx)."""
    if answered is None:  # still being served
        return False
    return answered // 100 == wanted if wanted < 10 else answered == wanted
