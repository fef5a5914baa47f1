"""Timed behaviour as events on the clock, never as ``sleep``.

An invoice expiry, a code arriving after 90 s, an auto-cancel at 21 minutes, a callback retry:
each is an :class:`Event` at a simulated time. :meth:`Scheduler.advance` moves the clock forward
event by event, so each event runs with the clock at its own time and may schedule more events,
which run in the same advance if they fall due inside it. In real mode a background thread runs
events as wall time reaches them.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from mock_server.engine.clock import LATEST, Clock, ClockError

log = logging.getLogger(__name__)

Action = Callable[[], None]


@dataclass(order=True, slots=True)
class Event:
    """One timed action. Ordered by time, then by the order it was scheduled in."""

    due: float
    seq: int
    name: str = field(compare=False)
    action: Action = field(compare=False, repr=False)
    cancelled: bool = field(default=False, compare=False)
    # Events run holding the state lock, unless they do slow I/O (a callback's HTTP POST) and
    # take the lock themselves only around their state changes.
    locked: bool = field(default=True, compare=False)

    def cancel(self) -> None:
        """Keep the event from running; cancelling twice, or after it ran, does nothing."""
        self.cancelled = True


@dataclass
class EventFailed:
    """An event's action raised: recorded, never allowed to stop the other events."""

    name: str
    due: float
    error: str


class Scheduler:
    """A time-ordered queue of events driven by one :class:`Clock`.

    ``lock`` is the simulator's state lock: events run under it, as request handlers' updates
    do, so an event never sees half of a request's update.
    """

    def __init__(self, clock: Clock, lock: threading.RLock | None = None) -> None:
        self.clock = clock
        self.lock = lock or threading.RLock()
        self._queue: list[Event] = []
        self._seq = itertools.count()
        self.failures: list[EventFailed] = []
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    # -- scheduling ----------------------------------------------------------------------
    def at(
        self, when: datetime | float, name: str, action: Action, *, locked: bool = True
    ) -> Event:
        """Run ``action`` when the clock reaches ``when``."""
        due = when if isinstance(when, int | float) else when.timestamp()
        event = Event(float(due), next(self._seq), name, action, locked=locked)
        with self.lock:
            heapq.heappush(self._queue, event)
        return event

    def after(self, seconds: float, name: str, action: Action, *, locked: bool = True) -> Event:
        """Run ``action`` ``seconds`` from now (simulated)."""
        return self.at(self.clock.timestamp() + seconds, name, action, locked=locked)

    def pending(self) -> list[Event]:
        """Events still to run, in the order they will run."""
        with self.lock:
            return sorted(e for e in self._queue if not e.cancelled)

    def clear(self) -> None:
        """Forget every pending event (used by reset)."""
        with self.lock:
            self._queue.clear()
            self.failures.clear()

    # -- running -------------------------------------------------------------------------
    def advance(self, seconds: float) -> int:
        """Move the clock ``seconds`` forward, running due events in time order.

        Returns the number of events run.
        """
        if seconds < 0:
            raise ClockError("the clock cannot move backwards; reset the simulator instead")
        target = self.clock.timestamp() + seconds
        if target >= LATEST:
            raise ClockError("the clock cannot go past the year 9999; reset the simulator instead")
        return self.run_until(target)

    def advance_to(self, target: float) -> int:
        """Move the clock forward to ``target`` (a timestamp), running due events; never back."""
        if target < self.clock.timestamp() - 1e-6:
            self.clock.move_to(target)  # raises ClockError with both times in the message
        return self.run_until(target)

    def run_until(self, target: float) -> int:
        """Run every event due at or before ``target``, each at its own time, then stop there."""
        ran = 0
        while True:
            with self.lock:
                event = self._next_due(target)
                if event is None:
                    if target > self.clock.timestamp():
                        self.clock.move_to(target)
                    return ran
                if event.due > self.clock.timestamp():
                    self.clock.move_to(event.due)
            self._run(event)
            ran += 1

    def run_due(self) -> int:
        """Run what is due at the clock's current time (real mode's background step)."""
        ran = 0
        while True:
            with self.lock:
                event = self._next_due(self.clock.timestamp())
            if event is None:
                return ran
            self._run(event)
            ran += 1

    def _next_due(self, limit: float) -> Event | None:
        while self._queue and self._queue[0].cancelled:
            heapq.heappop(self._queue)
        if self._queue and self._queue[0].due <= limit:
            return heapq.heappop(self._queue)
        return None

    def _run(self, event: Event) -> None:
        try:
            if event.locked:
                with self.lock:
                    event.action()
            else:
                event.action()
        except Exception as exc:  # an event must never take the scheduler down
            log.exception("scheduled event %s failed", event.name)
            self.failures.append(EventFailed(event.name, event.due, f"{type(exc).__name__}: {exc}"))

    # -- real mode -----------------------------------------------------------------------
    def start(self, interval: float = 0.05) -> None:
        """Run due events in a background thread, checking every ``interval`` wall seconds."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._loop, args=(interval,), name="sms-mock-scheduler", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop the background thread, if any."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def _loop(self, interval: float) -> None:
        while not self._stop.wait(interval):
            self.run_due()
