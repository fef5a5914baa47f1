"""One background runner for the timed events of every world on a real clock.

A scheduler per world with a thread of its own would cost a thread, and twenty wake-ups a
second, per world: a thousand worlds, a thousand threads. The :class:`Ticker` has one thread
that looks at each world on a real clock every ``interval`` and hands the ones with an event due
to a small pool of workers, so a slow callback receiver in one world delays no other world, and
a world with nothing due costs one comparison per tick.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

log = logging.getLogger(__name__)


class Runnable(Protocol):
    """What the ticker drives: a :class:`~mock_server.engine.scheduler.Scheduler`."""

    def is_due(self) -> bool: ...

    def run_due(self) -> int: ...


class Ticker:
    """Runs due events of every scheduler it was given, ``workers`` worlds at a time."""

    def __init__(self, interval: float = 0.05, workers: int = 4) -> None:
        self.interval = interval
        self._workers = workers
        self._lock = threading.Lock()
        self._schedulers: set[Runnable] = set()
        self._busy: dict[Runnable, threading.Event] = {}  # running now -> set when done
        self._pool: ThreadPoolExecutor | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def add(self, scheduler: Runnable) -> None:
        """Run ``scheduler``'s due events from now on (starting the thread on first use)."""
        with self._lock:
            self._schedulers.add(scheduler)
            if self._thread is None:
                self._stop.clear()
                self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="sms-mock-events")
                self._thread = threading.Thread(
                    target=self._loop, name="sms-mock-ticker", daemon=True
                )
                self._thread.start()

    def remove(self, scheduler: Runnable) -> None:
        """Stop running ``scheduler``'s events; returns once none of them is running."""
        with self._lock:
            self._schedulers.discard(scheduler)
            busy = self._busy.get(scheduler)
        if busy is not None and threading.current_thread().name.startswith("sms-mock-events"):
            return  # an event of this world stops its own world: it is finishing already
        if busy is not None:
            busy.wait(5)

    def runs(self, scheduler: Runnable) -> bool:
        with self._lock:
            return scheduler in self._schedulers

    def close(self) -> None:
        """Stop the thread and the workers (events running now finish first)."""
        with self._lock:
            self._schedulers.clear()
            thread, pool = self._thread, self._pool
            self._thread = self._pool = None
        self._stop.set()
        if thread is not None:
            thread.join(timeout=5)
        if pool is not None:
            pool.shutdown(wait=True)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            with self._lock:
                due = [s for s in self._schedulers if s not in self._busy and s.is_due()]
                for scheduler in due:
                    self._busy[scheduler] = threading.Event()
                pool = self._pool
            for scheduler in due:
                try:
                    if pool is None:
                        raise RuntimeError("closed")
                    pool.submit(self._run, scheduler)
                except RuntimeError:  # closed meanwhile: nothing more runs
                    with self._lock:
                        self._busy.pop(scheduler).set()

    def _run(self, scheduler: Runnable) -> None:
        try:
            scheduler.run_due()
        except Exception:  # a world's failure must not stop the others' time
            log.exception("timed events failed")
        finally:
            with self._lock:
                done = self._busy.pop(scheduler, None)
            if done is not None:
                done.set()
