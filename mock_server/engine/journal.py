"""The request journal: every served request as a :class:`ServedRequest`, newest last.

Bounded (a ring buffer: the oldest entries drop out) so a simulator that runs for days keeps a
steady footprint. ``/_mock/requests`` reads and clears it.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from fnmatch import fnmatchcase
from typing import Any

DEFAULT_CAPACITY = 1000


@dataclass
class ServedRequest:
    """One request and what the simulator answered."""

    id: int
    time: str
    api: str
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    status: int
    response: Any
    operation: str | None = None
    duration_ms: float = 0.0
    fault: dict[str, Any] | None = None  # the fault rule that fired on it, if one did

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Journal:
    """A thread-safe ring buffer of served requests."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError("journal capacity must be at least 1")
        self.capacity = capacity
        self._entries: deque[ServedRequest] = deque(maxlen=capacity)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.dropped = 0

    def next_id(self) -> int:
        return next(self._ids)

    def record(self, entry: ServedRequest) -> None:
        with self._lock:
            if len(self._entries) == self.capacity:
                self.dropped += 1
            self._entries.append(entry)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.dropped = 0

    def __len__(self) -> int:
        return len(self._entries)

    def query(
        self,
        *,
        api: str | None = None,
        method: str | None = None,
        path: str | None = None,
        operation: str | None = None,
        limit: int | None = None,
    ) -> list[ServedRequest]:
        """Entries matching every given filter, oldest first.

        ``path`` is an exact path or a glob (``/api/v1/order/*``); ``limit`` keeps the newest N.
        """
        with self._lock:
            entries: Iterable[ServedRequest] = list(self._entries)
        matched = [
            e
            for e in entries
            if (api is None or e.api == api)
            and (method is None or e.method.upper() == method.upper())
            and (path is None or e.path == path or fnmatchcase(e.path, path))
            and (operation is None or e.operation == operation)
        ]
        if limit is not None:
            matched = matched[-limit:] if limit > 0 else []
        return matched
