"""Keep the garbage collector off the simulator's long-lived state.

A server holding 100,000 orders holds about half a million tracked objects. CPython's full
collection scans every one of them: 100 ms and more with every request in flight stalled,
which is what a p99 measures. Orders, invoices and events live until a reset or a world is
dropped, so scanning them finds nothing. :class:`Heap` therefore:

- freezes what start-up built (``gc.freeze()``: out of every later collection);
- freezes again every ``freeze_every`` seconds, so a full collection only ever scans what
  arrived since (a second of requests, not the whole store);
- leaves the thresholds as CPython sets them (700 new objects a young pass: raising it to
  2,000-20,000 made the young passes, and the p99, longer when measured);
- once in a while, while the server is idle, unfreezes everything and runs one full
  collection: a frozen object that later became cyclic garbage (a dropped world, say) is
  freed then, and nobody waits for it. Without idle time it runs anyway after ``collect_every``.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)


class Heap:
    def __init__(
        self,
        *,
        freeze_every: float = 1.0,
        idle_collect_every: float = 300.0,
        collect_every: float = 1800.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.freeze_every = freeze_every
        self.idle_collect_every = idle_collect_every
        self.collect_every = collect_every
        self.clock = clock
        self.last_freeze = self.last_collect = clock()
        self.full_collections = 0

    def start(self) -> None:
        """Freeze what start-up built."""
        gc.collect()
        gc.freeze()
        self.last_freeze = self.last_collect = self.clock()

    def stop(self) -> None:
        """Give the collector back every object (for a server in a process that goes on)."""
        gc.unfreeze()

    def tick(self, *, idle: bool) -> None:
        """Called every second or so by the server; ``idle``: nothing in flight for a while."""
        now = self.clock()
        since_collect = now - self.last_collect
        if (
            idle and since_collect >= self.idle_collect_every
        ) or since_collect >= self.collect_every:
            started = time.perf_counter()
            gc.unfreeze()
            gc.collect()
            gc.freeze()
            self.full_collections += 1
            self.last_collect = self.last_freeze = now
            log.debug("full collection while idle: %.1f ms", (time.perf_counter() - started) * 1e3)
        elif now - self.last_freeze >= self.freeze_every:
            gc.collect(1)  # the young garbage first: a frozen cycle is never freed
            gc.freeze()
            self.last_freeze = now


@contextmanager
def collection_paused() -> Iterator[None]:
    """No collection while a burst of long-lived objects is built (an app, say): in a process
    that already holds a large heap (pytest with its plugins) each pass would rescan it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
