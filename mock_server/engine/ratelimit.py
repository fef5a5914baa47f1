"""Rate limits on the simulator's clock: at most ``limit`` requests per ``window`` seconds a key.

A sliding window log: a request is accepted when fewer than ``limit`` accepted requests of the
same key fall in the last ``window`` seconds. A refused request does not count, and its
``retry_after`` is the whole seconds until the oldest counted request leaves the window, so a
client that waits exactly that long is accepted.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimitSettings:
    """A scenario's rate limit: on or off, requests per window, the window in seconds."""

    enabled: bool = True
    limit: int = 60
    window: float = 60.0


@dataclass(frozen=True)
class Decision:
    allowed: bool
    remaining: int
    retry_after: int = 0  # whole seconds; 0 when allowed


class RateLimiter:
    def __init__(self, limit: int, window: float) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a rate limit needs limit >= 1 and window > 0")
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str, now: float) -> Decision:
        """Count a request of ``key`` at ``now`` if the limit allows it."""
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) < self.limit:
                hits.append(now)
                return Decision(True, self.limit - len(hits))
            wait = hits[0] + self.window - now
            return Decision(False, 0, max(1, math.ceil(wait - 1e-9)))

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


class RateLimits:
    """A :class:`RateLimiter` per bucket (a scenario's name), rebuilt when its numbers change."""

    def __init__(self) -> None:
        self._limiters: dict[str, RateLimiter] = {}
        self._lock = threading.Lock()

    def check(self, bucket: str, key: str, limit: int, window: float, now: float) -> Decision:
        with self._lock:
            limiter = self._limiters.get(bucket)
            if limiter is None or (limiter.limit, limiter.window) != (limit, window):
                limiter = self._limiters[bucket] = RateLimiter(limit, window)
        return limiter.check(key, now)
