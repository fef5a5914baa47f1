"""The simulated world: one clock, one scheduler, one store, one journal, one scenario.

Everything an API package or the control API needs reaches it through a :class:`Simulation`;
there are no module globals. :meth:`Simulation.reset` is the one reset that ``/_mock/reset``, the
pytest plugin and the CLI all call.
"""

from __future__ import annotations

import base64
import logging
import random
import struct
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Protocol

from mock_server.engine.callbacks import CallbackDispatcher, CallbackLimits
from mock_server.engine.clock import Clock, ClockMode, iso_at
from mock_server.engine.errors import StateNotSaved
from mock_server.engine.faults import FaultInjector
from mock_server.engine.journal import Journal
from mock_server.engine.persistence import (
    Changes,
    Persistence,
    Rows,
    StateFile,
    StateFileError,
    StateWriteError,
)
from mock_server.engine.scenarios import (
    INLINE,
    Scenario,
    ScenarioError,
    ScenarioLibrary,
    ScenarioProblem,
    build_scenario,
)
from mock_server.engine.scheduler import Event, Scheduler
from mock_server.engine.store import Backend, Store
from mock_server.engine.worlds import DEFAULT_WORLD, WorldLimits

BackendFactory = Callable[["Simulation"], Backend]
# What the engine cannot judge alone (fault rules against the descriptions): the problems found.
ScenarioCheck = Callable[[Scenario], list[ScenarioProblem]]
# The scenario a request asked for with X-Mock-Scenario, while that request is served.
_REQUEST_SCENARIO: ContextVar[Scenario | None] = ContextVar(
    "sms_mock_request_scenario", default=None
)
# A fault's wait never outlasts this much wall time, even on a clock nobody advances.
MAX_WAIT_WALL_SECONDS = 600.0
log = logging.getLogger(__name__)


class Release(Protocol):
    """What lets a held request go: a thread's ``threading.Event``, or the server's future."""

    def set(self) -> None: ...


class Simulation:
    """The state and time of one simulator instance.

    ``clock`` may be a :class:`Clock` (kept across resets: its time belongs to the caller) or a
    mode name that overrides the scenario's; ``seed`` overrides the scenario's seed.
    """

    def __init__(
        self,
        scenario: Scenario | str = "default",
        *,
        clock: Clock | ClockMode | None = None,
        seed: int | None = None,
        library: ScenarioLibrary | None = None,
        callback_hosts: set[str] | None = None,
        caps: WorldLimits | None = None,
    ) -> None:
        self.name = DEFAULT_WORLD  # the world it is (set by Worlds)
        self.caps = caps  # a world's byte caps on its journal and callbacks, under its scenario's
        self.library = library or ScenarioLibrary()
        self.callback_hosts = {h.lower() for h in callback_hosts or set()}
        self.control_token: str | None = None  # set by the app; the control API then demands it
        self.store = Store()
        self.lock: threading.RLock = self.store.lock
        self.changes = Changes()
        self.persistence: Persistence | None = None
        self.restored = False  # True when a state file's state was carried on
        self._owns_file = False  # the state file is this simulation's alone (not shared)
        self.serving = False  # between start() and stop(): a real clock then runs by itself
        self._held: dict[Release, dict[str, Any]] = {}  # requests a fault holds (hold())
        self._checks: list[ScenarioCheck] = []
        self._named: dict[str, Scenario] = {}
        self._clock_override = clock
        self._seed_override = seed
        # No backend or check is registered yet: they check this one as they are added.
        self.scenario = scenario if isinstance(scenario, Scenario) else self.library.load(scenario)
        self.clock = self._make_clock()
        self.scheduler = Scheduler(self.clock, self.lock)
        self.scheduler.changes = self.changes
        self.callbacks = CallbackDispatcher(self.scheduler, self.lock, changes=self.changes)
        self.faults = FaultInjector()
        self._afresh(self.scenario)

    def _afresh(self, scenario: Scenario) -> None:
        """Everything of a run, made anew for ``scenario``: the one place a new world, a reset
        and a restore from a state file start from (the restore then puts the file's clock and
        random state in). The scheduler, the dispatcher and the fault injector stay the same
        objects (the ticker and a state file know them), emptied."""
        self.scenario = scenario
        self.clock = self._make_clock()
        self.scheduler.clear()
        self.scheduler.clock = self.clock
        self.journal = new_journal(scenario, self.caps)
        self.callbacks.clear(_callback_limits(scenario, self.caps))
        self.callbacks.allow.hosts = set(self.callback_hosts)
        self.random = random.Random(self.seed)
        self.faults.clear()
        self._named.clear()
        self._arm(scenario)

    # -- wiring --------------------------------------------------------------------------
    def add_backend(self, name: str, factory: BackendFactory) -> Backend:
        """Create and register an API's backend, seeded from the current scenario."""
        backend = factory(self)
        backend.check_scenario(self.scenario)
        self.store.register(name, backend)
        backend.load_scenario(self.scenario)
        return backend

    def add_scenario_check(self, check: ScenarioCheck) -> None:
        """Refuse, from now on, every scenario ``check`` finds problems in: the current one at
        once, then each one loaded."""
        problems = check(self.scenario)
        if problems:
            raise self.scenario.error(problems)
        self._checks.append(check)

    def check_scenario(self, scenario: Scenario) -> None:
        """Refuse ``scenario`` (a ScenarioError naming every problem found) if any backend or
        check cannot use it."""
        problems: list[ScenarioProblem] = []
        for backend in self.store.backends().values():
            try:
                backend.check_scenario(scenario)
            except ScenarioError as exc:
                reason = str(exc).removeprefix(f"{scenario.source}: ")
                problems += exc.problems or [ScenarioProblem(scenario.source, None, "", reason)]
        problems += [problem for check in self._checks for problem in check(scenario)]
        if problems:
            raise scenario.error(problems)

    def backend(self, name: str) -> Backend:
        return self.store.get(name)

    def random_for(self, *key: object) -> random.Random:
        """A random source of its own for one thing (an order's number, its nth code), from the
        seed and ``key`` alone: what a timed event draws does not depend on when it runs, and
        does not shift what the requests after it draw from :attr:`random`."""
        return random.Random(f"{self.seed}:" + ":".join(map(str, key)))

    @property
    def seed(self) -> int:
        return self._seed_override if self._seed_override is not None else self.scenario.seed

    # -- lifecycle -----------------------------------------------------------------------
    def reset(self, scenario: Scenario | str | None = None) -> None:
        """Drop all state and load the scenario again (or another one)."""
        new = self._load(scenario) if scenario is not None else self.scenario
        self.scheduler.stop()  # outside the lock: its thread may be waiting for the lock
        with self.lock:
            self._afresh(new)
            self.store.reset()
            for backend in self.store.backends().values():
                backend.load_scenario(new)
        self._run_clock()
        persistence = self.persistence
        if persistence is not None:
            with self.lock, _saved("it is written whole once it can be"):
                persistence.rewrite()

    def use_scenario(self, scenario: Scenario | str) -> None:
        """Switch behaviour to another scenario, keeping state, clock time and journal.

        Seed accounts the new scenario names are added where missing. A scenario that names a
        clock mode (``default`` real, ``virtual`` virtual) sets it and its speed at once, from
        the current time, unless the server fixed the clock (``--clock``, the plugin); its start
        time waits for the next reset. Its name can then be given in X-Mock-Scenario.
        """
        new = self._load(scenario)
        with self.lock:
            self.scenario = new
            self._named[new.name] = new
            self._arm(new)
            if self._clock_override is None and "mode" in (new.data.get("clock") or {}):
                self.clock.set_mode(new.clock.mode, new.clock.speed)
            self.changes.mark("sim", "scenarios", new.name)
            self.changes.mark("sim", "scenario", "current")
            for backend in self.store.backends().values():
                backend.load_scenario(new)
        self._run_clock()

    def start(self) -> None:
        """Serving from now on: due events run in the background whenever the clock is real."""
        self.serving = True
        self._run_clock()

    def stop(self) -> None:
        self.serving = False
        self.scheduler.stop()

    def _run_clock(self) -> None:
        """While serving, the scheduler's thread runs exactly when the clock is real."""
        if self.serving and self.clock.mode == "real":
            self.scheduler.start()
        else:
            self.scheduler.stop()

    def describe(self) -> dict[str, Any]:
        return {
            "world": self.name,
            "scenario": self.scenario.summary(),
            "seed": self.seed,
            "clock": self.clock.describe(),
        }

    # -- scenarios per request -----------------------------------------------------------
    def scenario_named(self, name: str) -> Scenario:
        """A scenario this server knows by name: the one in force, one loaded through the
        control API, or one of the library (loaded once and kept). A path, or any other name,
        is refused: a public request may not make the server read a file."""
        if name == self.scenario.name:
            return self.scenario
        with self.lock:
            known = self._named.get(name)
            if known is None:
                known = self._load(self.library.load_named(name))
                self._named[name] = known
                self._arm(known)
                self.changes.mark("sim", "scenarios", name)
            return known

    def known_scenarios(self) -> list[str]:
        """Every name :meth:`scenario_named` accepts."""
        return sorted({*self.library.names(), *self._named, self.scenario.name})

    def stored_scenario(self, name: str) -> Scenario:
        """A scenario orders were made under, for rebuilding them from a state file: the one
        in force, one kept with the state, the library's; else the one in force (logged)."""
        if name == self.scenario.name or not name:
            return self.scenario
        if name in self._named:
            return self._named[name]
        try:
            return self.scenario_named(name)
        except ValueError:
            log.warning("scenario %r is gone; its orders follow %r", name, self.scenario.name)
            return self.scenario

    @staticmethod
    def requested(scenario: Scenario | None) -> _Requested:
        """Serve a request under another scenario's faults, outcomes and timing (a ``with``)."""
        return _Requested(scenario)

    def request_scenario(self) -> Scenario:
        """The scenario the current request is served under."""
        return _REQUEST_SCENARIO.get() or self.scenario

    def _arm(self, scenario: Scenario) -> None:
        """Arm a scenario's fault rules; the one in force also sets the server-wide callback
        allow-list and outage (a scenario named per request changes nothing server-wide)."""
        self.faults.load(scenario.name, list(scenario.data.get("faults") or []), self.seed)
        if scenario is not self.scenario:
            return
        callbacks = scenario.data.get("callbacks") or {}
        self.callbacks.allow.hosts.update(h.lower() for h in callbacks.get("allow_hosts") or [])
        fail_for = callbacks.get("fail_for")
        self.callbacks.outage_until = self.clock.timestamp() + float(fail_for) if fail_for else None

    # -- a state file --------------------------------------------------------------------
    def keep_state(
        self, path: str | Path | StateFile, prefix: str = "", *, owns_file: bool | None = None
    ) -> bool:
        """Keep all state in the SQLite file at ``path`` from now on (or in an open state file
        several worlds share, under ``prefix``). :meth:`close` closes the file when this
        simulation owns it: by default, when it opened it.

        When the file holds state already, the simulation is rebuilt from it (scenario, clock,
        accounts, orders, invoices, pending events, callbacks) and True is returned; otherwise
        the current state is written to it.
        """
        shared = isinstance(path, StateFile)
        state_file = path if isinstance(path, StateFile) else StateFile(path)
        persistence = Persistence(state_file, self.changes, prefix)
        persistence.add("sim", _SimulationRecords(self))
        for name, backend in self.store.backends().items():
            persistence.add(name, backend)
        persistence.add("callbacks", self.callbacks)
        persistence.add("scheduler", self.scheduler)
        with self.lock:
            try:
                restored = persistence.load()  # the simulation's part first: it clears the rest
            except Exception as exc:  # a damaged page, a foreign or mangled record: all refused
                if not shared:
                    persistence.file.close()
                where = f"{state_file.path} ({prefix.rstrip('/')})" if prefix else state_file.path
                raise StateFileError(
                    f"{where}: cannot rebuild the simulator from it ({type(exc).__name__}: {exc})"
                ) from None
            if not restored:
                persistence.rewrite()
            self.persistence = persistence
            self._owns_file = not shared if owns_file is None else owns_file
            self.changes.enabled = True
            self.scheduler.track()
            self.scheduler.after_events = self.commit
            self.restored = restored
        return restored

    def state_summary(self) -> dict[str, Any] | None:
        """Where state is kept (for the control API): None when in memory only."""
        if self.persistence is None:
            return None
        return {"path": str(self.persistence.file.path), "restored": self.restored}

    def commit(self) -> None:
        """Write what changed to the state file (before a response is sent); no-op without.

        Raises :class:`StateNotSaved` when the file cannot be written: what changed stays
        marked, and the next commit that succeeds writes it (the order with its money).
        """
        persistence = self.persistence
        if persistence is None:
            return
        with self.lock, _saved("what changed is kept in memory and written once it can be"):
            persistence.commit(_SimulationRecords(self).watched())

    def release_held(self) -> None:
        """Let every request held in :meth:`wait` go now: a server that is stopping does not
        wait out a 5 s latency fault."""
        for held in self._held.copy():
            held.set()

    def close(self) -> None:
        """Stop the scheduler, let held requests go, and close the state file, if any."""
        self.stop()
        self.release_held()
        if self.persistence is not None:
            with self.lock:
                self.commit()
                if self._owns_file:
                    self.persistence.file.close()
                self.persistence = None
                self.changes.enabled = False

    # -- waiting on the clock ------------------------------------------------------------
    def wait(self, seconds: float, held: dict[str, Any] | None = None) -> bool:
        """Block the calling thread until the clock has moved ``seconds`` on.

        On the virtual clock that happens when a test advances it; on the real clock the
        scheduler's thread gets there in real time. True when the clock got there. ``held``
        describes the request while it waits (:meth:`held_requests`).
        """
        if seconds <= 0:
            return True
        reached = threading.Event()
        event = self.hold(seconds, reached, held)
        try:
            return reached.wait(MAX_WAIT_WALL_SECONDS)
        finally:
            self.unhold(reached, event)

    def hold(self, seconds: float, release: Release, held: dict[str, Any] | None = None) -> Event:
        """Call ``release.set()`` once the clock has moved ``seconds`` on (or the server stops),
        listing the request as held meanwhile; undo with :meth:`unhold` whatever happened."""
        event = self.scheduler.after(seconds, "fault wait", release.set, locked=False)
        if self.clock.mode == "real" and not self.scheduler.running:
            self.scheduler.start()
        self._held[release] = {**(held or {}), "until": iso_at(event.due), "due": event.due}
        return event

    def unhold(self, release: Release, event: Event) -> None:
        self._held.pop(release, None)
        self.scheduler.cancel(event)  # through the scheduler: its count of pending stays exact

    def held_requests(self) -> list[dict[str, Any]]:
        """The requests a latency or timeout fault holds now, each with the clock time that
        lets it go (on a virtual clock: when someone advances it that far)."""
        now = self.clock.timestamp()
        return [
            {**{k: v for k, v in h.items() if k != "due"}, "in_seconds": round(h["due"] - now, 3)}
            for h in sorted(self._held.copy().values(), key=lambda h: h["due"])
        ]

    # -- helpers -------------------------------------------------------------------------
    def _load(self, scenario: Scenario | str) -> Scenario:
        """Load and check a scenario; every backend may refuse it before anything changes."""
        if isinstance(scenario, Scenario):
            loaded = scenario
        else:  # a name sent through PUT /_mock/scenario's YAML has no file to read again
            sent = [s for s in (self.scenario, *self._named.values()) if s.source == INLINE]
            loaded = next((s for s in sent if s.name == scenario), None) or self.library.load(
                scenario
            )
        self.check_scenario(loaded)
        return loaded

    def _make_clock(self) -> Clock:
        if isinstance(self._clock_override, Clock):
            return self._clock_override
        settings = self.scenario.clock
        mode = self._clock_override or settings.mode
        return Clock(mode, start=settings.start, speed=settings.speed if mode == "real" else 1.0)


class _SimulationRecords:
    """The simulation's own part of a state file: scenarios, clock, random state."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim

    def watched(self) -> list[tuple[str, str, str, Any]]:
        """Records compared at every commit: they change too often to mark."""
        sim = self.sim
        return [
            ("sim", "clock", "clock", sim.clock.state()),
            ("sim", "random", "random", _random_record(sim.random)),
            ("callbacks", "state", "dispatcher", sim.callbacks.state_record()),
        ]

    def dump_records(self) -> Iterable[tuple[str, str, Any]]:
        sim = self.sim
        yield "seed", "seed", sim.seed
        yield "scenario", "current", sim.scenario.name
        for scenario in [sim.scenario, *sim._named.values()]:
            yield "scenarios", scenario.name, _scenario_record(scenario)
        yield "clock", "clock", sim.clock.state()
        yield "random", "random", _random_record(sim.random)

    def record(self, table: str, key: str) -> Any | None:
        sim = self.sim
        if table == "seed":
            return sim.seed
        if table == "scenario":
            return sim.scenario.name
        if table == "scenarios":
            scenario = sim.scenario if key == sim.scenario.name else sim._named.get(key)
            return _scenario_record(scenario) if scenario is not None else None
        return None

    def restore_records(self, tables: Rows) -> None:
        """Restored first: scenario, seed, clock and random state, then every other part is
        emptied for its own records."""
        sim = self.sim
        scenarios = {
            name: build_scenario(record["data"], record["source"])
            for name, record in tables.get("scenarios", [])
        }
        current = dict(tables.get("scenario", [])).get("current")
        in_force = scenarios.pop(current) if current in scenarios else sim.scenario
        for _, seed in tables.get("seed", []):
            sim._seed_override = None if int(seed) == in_force.seed else int(seed)
        sim._afresh(in_force)
        for _, state in tables.get("clock", []):
            sim.clock.restore_state(state)
        for _, state in tables.get("random", []):
            _restore_random(sim.random, state)
        sim._arm(in_force)  # again, on the clock as it was: an outage runs from then
        for name, scenario in scenarios.items():
            sim._named[name] = scenario
            sim._arm(scenario)
        sim.store.reset()  # the backends rebuild themselves from their own records next


@contextmanager
def _saved(then: str) -> Iterator[None]:
    """A state file write that failed becomes a 503 saying why and what happens ``then``."""
    try:
        yield
    except StateWriteError as exc:
        log.error("state file not written: %s", exc)
        raise StateNotSaved(
            f"the simulator could not write its state file ({exc.__cause__}); {then}"
        ) from None


def new_journal(scenario: Scenario, caps: WorldLimits | None = None) -> Journal:
    """An empty journal with the scenario's bounds (and a world's byte cap under them)."""
    max_bytes = scenario.journal_max_bytes
    return Journal(
        scenario.journal_capacity,
        max_bytes=min(max_bytes, caps.journal_bytes) if caps else max_bytes,
        entry_bytes=scenario.journal_entry_bytes,
    )


def _callback_limits(scenario: Scenario, caps: WorldLimits | None = None) -> CallbackLimits:
    max_bytes = scenario.callback_max_bytes
    return CallbackLimits(
        capacity=scenario.callback_capacity,
        max_pending=scenario.callback_max_pending,
        max_bytes=min(max_bytes, caps.callback_bytes) if caps else max_bytes,
    )


def _scenario_record(scenario: Scenario) -> dict[str, Any]:
    return {"source": scenario.source, "data": scenario.data}


def _random_record(rng: random.Random) -> list[Any]:
    """The generator's state: its 625 words packed (2.5 kB of base64, cheap to compare)."""
    version, internal, gauss = rng.getstate()
    packed = base64.b64encode(struct.pack(f"<{len(internal)}I", *internal)).decode()
    return [version, packed, gauss]


def _restore_random(rng: random.Random, record: list[Any]) -> None:
    version, packed, gauss = record
    raw = base64.b64decode(packed)
    rng.setstate((version, struct.unpack(f"<{len(raw) // 4}I", raw), gauss))


class _Requested:
    """:meth:`Simulation.requested`'s context: a class, as every request enters one (a
    ``contextmanager`` generator costs twice as much)."""

    __slots__ = ("scenario", "token")

    def __init__(self, scenario: Scenario | None) -> None:
        self.scenario = scenario

    def __enter__(self) -> None:
        self.token = _REQUEST_SCENARIO.set(self.scenario)

    def __exit__(self, *exc: object) -> None:
        _REQUEST_SCENARIO.reset(self.token)
