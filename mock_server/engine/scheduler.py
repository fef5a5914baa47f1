"""Timed behaviour as events on the clock, never as ``sleep``.

An invoice expiry, a code arriving after 90 s, an auto-cancel at 21 minutes, a callback retry:
each is an :class:`Event` at a simulated time. :meth:`Scheduler.advance` moves the clock forward
event by event, so each event runs with the clock at its own time and may schedule more events,
which run in the same advance if they fall due inside it. In real mode a background thread runs
events as wall time reaches them.

An event is either *named* (a registered ``kind`` and JSON-able ``args``: it can be written to a
state file and rebuilt after a restart) or a transient closure (a fault's wait).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mock_server.engine.clock import LATEST, Clock, ClockError
from mock_server.engine.persistence import Changes, Latest, Rows
from mock_server.engine.ticker import Ticker

log = logging.getLogger(__name__)

Action = Callable[[], None]
Handler = Callable[..., None]
Namer = Callable[..., str]


@dataclass(frozen=True, slots=True)
class EventKind:
    """What every event of one kind does; shared by all of them (100,000 orders' events
    carry a reference, not a copy of the handler, the flags or a name)."""

    kind: str
    handler: Handler
    # Events run holding the state lock, unless they do slow I/O (a callback's HTTP POST) and
    # take the lock themselves only around their state changes.
    locked: bool = True
    namer: Namer | None = None  # the event's name from its args, for people (control API)
    # An event of an owned kind belongs to its first argument (an order's id): it is listed
    # and cancelled with it.
    owned: bool = False
    group: str = ""  # owners are per group (an API): ``smsverify.expire`` is in ``smsverify``


PENDING, CANCELLED, DONE = 0, 1, 2


class Event:
    """One timed action. Ordered by time, then by the order it was scheduled in.

    A *named* event has a registered :class:`EventKind` and JSON-able ``args`` (it can be kept
    in a state file); a transient one has an ``action`` closure, and its label as its one arg.
    Slots are few on purpose: 100,000 orders keep 200,000 events.
    """

    __slots__ = ("_args", "_state", "action", "due", "kind_of", "seq", "sibling")

    def __init__(
        self,
        due: float,
        seq: int,
        *,
        kind_of: EventKind | None = None,
        args: tuple[Any, ...] = (),
        action: Action | None = None,
    ) -> None:
        self.due = due
        self.seq = seq
        self.kind_of = kind_of
        # One argument (an order's id, nearly always) is kept bare: a tuple per event would be
        # 56 bytes more for each of 200,000 events.
        self._args = args[0] if len(args) == 1 and not isinstance(args[0], tuple) else args
        self.action = action
        self._state = PENDING
        self.sibling: Event | None = None  # the next event of the same owner (a chain)

    def __lt__(self, other: Event) -> bool:
        return (self.due, self.seq) < (other.due, other.seq)

    def __repr__(self) -> str:
        return f"Event({self.name!r}, due={self.due}, seq={self.seq})"

    @property
    def args(self) -> tuple[Any, ...]:
        args = self._args
        return args if isinstance(args, tuple) else (args,)

    @property
    def first(self) -> Any:
        """The first argument (the owner, for an owned kind)."""
        args = self._args
        return args[0] if isinstance(args, tuple) else args

    @property
    def kind(self) -> str | None:
        return self.kind_of.kind if self.kind_of is not None else None

    @property
    def owner(self) -> Any:
        """The id of what the event belongs to (an order), in its kind's group; or None."""
        kind = self.kind_of
        return self.first if kind is not None and kind.owned else None

    @property
    def name(self) -> str:
        kind = self.kind_of
        if kind is None:
            return str(self.first) if self.args else "event"
        return kind.namer(*self.args) if kind.namer is not None else kind.kind

    @property
    def locked(self) -> bool:
        if self.kind_of is not None:
            return self.kind_of.locked
        return not isinstance(self.action, _Unlocked)

    @property
    def cancelled(self) -> bool:
        return self._state == CANCELLED

    @property
    def done(self) -> bool:
        """Taken from the queue to run (or run already)."""
        return self._state == DONE

    def cancel(self) -> None:
        """Keep the event from running; cancelling twice, or after it ran, does nothing."""
        if self._state == PENDING:
            self._state = CANCELLED

    def to_record(self) -> dict[str, Any]:
        return {"due": self.due, "kind": self.kind, "args": list(self.args)}


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
        self._same_due = Latest(0.0)  # events of one instant share one float (24 B an order)
        self.failures: deque[EventFailed] = deque(maxlen=100)  # the latest, for people
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        # When set, the one runner of every world's events; else this scheduler's own thread.
        self.ticker: Ticker | None = None
        self._kinds: dict[str, EventKind] = {}
        self._owned: dict[str, dict[Any, Event]] = {}  # group -> owner -> its latest event
        self._named: dict[int, Event] = {}  # pending named events by number (state file only)
        self._cancelled = 0  # cancelled events still in the queue (see cancel)
        self.changes = Changes()  # the simulation's, when a state file is kept
        # Called after events ran (the simulation commits their changes to its state file).
        self.after_events: Callable[[], None] | None = None

    # -- scheduling ----------------------------------------------------------------------
    def at(
        self, when: datetime | float, name: str, action: Action, *, locked: bool = True
    ) -> Event:
        """Run ``action`` when the clock reaches ``when`` (a transient event)."""
        if not locked:
            action = _Unlocked(action)
        event = Event(_due(when), next(self._seq), action=action, args=(name,))
        with self.lock:
            heapq.heappush(self._queue, event)
        return event

    def after(self, seconds: float, name: str, action: Action, *, locked: bool = True) -> Event:
        """Run ``action`` ``seconds`` from now (simulated)."""
        return self.at(self.clock.timestamp() + seconds, name, action, locked=locked)

    def handle(
        self,
        kind: str,
        handler: Handler,
        *,
        locked: bool = True,
        namer: Namer | None = None,
        owned: bool = False,
    ) -> None:
        """Register what a named event of ``kind`` does (called with the event's args).

        With ``owned``, an event belongs to its first argument: see :meth:`owned`.
        """
        self._kinds[kind] = EventKind(kind, handler, locked, namer, owned, kind.split(".", 1)[0])

    def schedule(self, when: datetime | float, kind: str, *args: Any) -> Event:
        """Run the handler of ``kind`` with ``args`` when the clock reaches ``when``."""
        kind_of = self._kinds.get(kind)
        if kind_of is None:
            raise KeyError(f"no handler registered for events of kind {kind!r}")
        return self._push(self._same_due(_due(when)), next(self._seq), kind_of, args)

    def schedule_after(self, seconds: float, kind: str, *args: Any) -> Event:
        """Run the handler of ``kind`` with ``args`` ``seconds`` from now (simulated)."""
        return self.schedule(self.clock.timestamp() + seconds, kind, *args)

    def _push(self, due: float, seq: int, kind_of: EventKind, args: tuple[Any, ...]) -> Event:
        event = Event(due, seq, kind_of=kind_of, args=args)
        with self.lock:
            heapq.heappush(self._queue, event)
            if kind_of.owned:
                owners = self._owned.setdefault(kind_of.group, {})
                event.sibling = owners.get(args[0])
                owners[args[0]] = event
            if self.changes.enabled:
                self._named[seq] = event
                self.changes.mark("scheduler", "events", seq)
        return event

    def _chain(self, group: str, owner: Any) -> list[Event]:
        events = []
        event = self._owned.get(group, {}).get(owner)
        while event is not None:
            events.append(event)
            event = event.sibling
        return events

    def owned(self, group: str, owner: Any) -> list[Event]:
        """The pending events of ``owner`` in ``group``, in the order they will run."""
        with self.lock:
            return sorted(e for e in self._chain(group, owner) if not e.cancelled and not e.done)

    def cancel(self, event: Event) -> None:
        """Cancel one event and forget it at once.

        A cancelled event leaves the heap when it reaches the top; when they come to be half of
        it the heap is rebuilt without them, so cancelling many never holds their memory.
        """
        with self.lock:
            if not event.cancelled and not event.done:
                event.cancel()
                self._forget(event)
                self._cancelled += 1
                if self._cancelled > 1024 and self._cancelled * 2 > len(self._queue):
                    self._queue = [e for e in self._queue if not e.cancelled]
                    heapq.heapify(self._queue)
                    self._cancelled = 0

    def cancel_owned(self, group: str, owner: Any, *, kind: str | None = None) -> None:
        """Cancel the pending events of ``owner`` (only those of ``kind``, if given)."""
        with self.lock:
            for event in self._chain(group, owner):
                if kind is None or event.kind == kind:
                    self.cancel(event)

    def pending_count(self) -> int:
        """How many events are still to run: the queue less its cancelled events, which every
        cancel (through :meth:`cancel`) counts; the dashboard asks every second."""
        with self.lock:
            return len(self._queue) - self._cancelled

    def pending(self) -> list[Event]:
        """Events still to run, in the order they will run."""
        with self.lock:
            return sorted(e for e in self._queue if not e.cancelled)

    def next_events(self, count: int) -> list[Event]:
        """The next ``count`` events to run, in order: read off the heap's top, in
        O(count log count) however many events are queued (the dashboard asks every second)."""
        with self.lock:
            queue, found = self._queue, []
            frontier = [(queue[0], 0)] if queue else []
            while frontier and len(found) < count:
                event, at = heapq.heappop(frontier)
                if not event.cancelled:
                    found.append(event)
                for child in (2 * at + 1, 2 * at + 2):  # a heap: children are never earlier
                    if child < len(queue):
                        heapq.heappush(frontier, (queue[child], child))
            return found

    def clear(self) -> None:
        """Forget every pending event (used by reset)."""
        with self.lock:
            self._queue.clear()
            self._owned.clear()
            self._named.clear()
            self.failures.clear()
            self._cancelled = 0

    # -- state files: the pending named events ------------------------------------------
    def track(self) -> None:
        """Index the pending named events by number (a state file is kept from now on)."""
        with self.lock:
            self._named = {e.seq: e for e in self._queue if e.kind_of and not e.cancelled}

    def dump_records(self) -> Iterable[tuple[str, str, Any]]:
        with self.lock:
            return [
                ("events", str(e.seq), e.to_record())
                for e in self._queue
                if e.kind_of is not None and not e.cancelled
            ]

    def record(self, table: str, key: str) -> Any | None:
        event = self._named.get(int(key))
        return event.to_record() if event is not None else None

    def restore_records(self, tables: Rows) -> None:
        """Put back the named events a state file kept (of a kind nobody handles: dropped)."""
        last = -1
        for key, record in tables.get("events", []):
            seq = int(key)
            last = max(last, seq)
            kind_of = self._kinds.get(record["kind"])
            if kind_of is None:
                log.warning("dropping a stored event of unknown kind %r", record["kind"])
                continue
            self._push(float(record["due"]), seq, kind_of, tuple(record["args"]))
        with self.lock:
            self._seq = itertools.count(max(next(self._seq), last + 1))

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
                    self._ran(ran)
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
                self._ran(ran)
                return ran
            self._run(event)
            ran += 1

    def _next_due(self, limit: float) -> Event | None:
        while self._queue and self._queue[0].cancelled:
            self._forget(heapq.heappop(self._queue))
            self._cancelled -= 1
        if self._queue and self._queue[0].due <= limit:
            event = heapq.heappop(self._queue)
            event._state = DONE
            self._forget(event)
            return event
        return None

    def _ran(self, count: int) -> None:
        if count and self.after_events is not None:
            try:
                self.after_events()
            except Exception:  # a full disk must not stop time
                log.exception("could not record what the scheduled events did")

    def _forget(self, event: Event) -> None:
        """A named event left the queue (ran or was cancelled): drop it from the indexes."""
        kind_of = event.kind_of
        if kind_of is None:
            return
        if kind_of.owned:
            self._unchain(kind_of.group, event)
        if self.changes.enabled:
            self._named.pop(event.seq, None)
            self.changes.mark("scheduler", "events", event.seq)

    def _unchain(self, group: str, event: Event) -> None:
        owners = self._owned.get(group, {})
        owner = event.first
        current = owners.get(owner)
        if current is event:
            if event.sibling is None:
                del owners[owner]
            else:
                owners[owner] = event.sibling
            return
        while current is not None and current.sibling is not event:
            current = current.sibling
        if current is not None:
            current.sibling = event.sibling

    def _action(self, event: Event) -> Action:
        if event.action is not None:
            return event.action
        assert event.kind_of is not None
        handler, args = event.kind_of.handler, event.args
        return lambda: handler(*args)

    def _run(self, event: Event) -> None:
        try:
            action = self._action(event)
            if event.locked:
                with self.lock:
                    action()
            else:
                action()
        except Exception as exc:  # an event must never take the scheduler down
            log.exception("scheduled event %s failed", event.name)
            self.failures.append(EventFailed(event.name, event.due, f"{type(exc).__name__}: {exc}"))

    # -- real mode -----------------------------------------------------------------------
    def is_due(self) -> bool:
        """Whether an event is due now (a cancelled one counts: running drops it)."""
        queue = self._queue
        return bool(queue) and queue[0].due <= self.clock.timestamp()

    def start(self, interval: float = 0.05) -> None:
        """Run due events in the background, checking every ``interval`` wall seconds: on the
        ticker when there is one, else on a thread of this scheduler's own."""
        if self.ticker is not None:
            self.ticker.add(self)
            return
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._loop, args=(interval,), name="sms-mock-scheduler", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop running in the background; returns once no event of this scheduler runs."""
        if self.ticker is not None:
            self.ticker.remove(self)
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def running(self) -> bool:
        if self.ticker is not None and self.ticker.runs(self):
            return True
        return self._thread is not None

    def _loop(self, interval: float) -> None:
        while not self._stop.wait(interval):
            self.run_due()


class _Unlocked:
    """A transient action that runs outside the state lock (it waits or does I/O)."""

    __slots__ = ("action",)

    def __init__(self, action: Action) -> None:
        self.action = action

    def __call__(self) -> None:
        self.action()


def _due(when: datetime | float) -> float:
    return float(when if isinstance(when, int | float) else when.timestamp())
