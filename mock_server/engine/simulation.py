"""The simulated world: one clock, one scheduler, one store, one journal, one scenario.

Everything an API package or the control API needs reaches it through a :class:`Simulation`;
there are no module globals. :meth:`Simulation.reset` is the one reset that ``/_mock/reset``, the
pytest plugin and the CLI all call.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from mock_server.engine.callbacks import CallbackDispatcher
from mock_server.engine.clock import Clock, ClockMode
from mock_server.engine.faults import FaultInjector
from mock_server.engine.journal import Journal
from mock_server.engine.scenarios import Scenario, ScenarioLibrary
from mock_server.engine.scheduler import Scheduler
from mock_server.engine.store import Backend, Store

BackendFactory = Callable[["Simulation"], Backend]
# The scenario a request asked for with X-Mock-Scenario, while that request is served.
_REQUEST_SCENARIO: ContextVar[Scenario | None] = ContextVar(
    "sms_mock_request_scenario", default=None
)
# A fault's wait never outlasts this much wall time, even on a clock nobody advances.
MAX_WAIT_WALL_SECONDS = 600.0


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
    ) -> None:
        self.library = library or ScenarioLibrary()
        self.callback_hosts = {h.lower() for h in callback_hosts or set()}
        self.control_token: str | None = None  # set by the app; the control API then demands it
        self.store = Store()
        self.lock: threading.RLock = self.store.lock
        self._clock_override = clock
        self._seed_override = seed
        self.scenario = self._load(scenario)
        self.clock = self._make_clock()
        self.scheduler = Scheduler(self.clock, self.lock)
        self.journal = Journal(self.scenario.journal_capacity)
        self.callbacks = CallbackDispatcher(self.scheduler, self.lock)
        self.callbacks.allow.hosts = set(self.callback_hosts)
        self.random = random.Random(self.seed)
        self.faults = FaultInjector()
        self._named: dict[str, Scenario] = {}
        self._arm(self.scenario)

    # -- wiring --------------------------------------------------------------------------
    def add_backend(self, name: str, factory: BackendFactory) -> Backend:
        """Create and register an API's backend, seeded from the current scenario."""
        backend = factory(self)
        backend.check_scenario(self.scenario)
        self.store.register(name, backend)
        backend.load_scenario(self.scenario)
        return backend

    def backend(self, name: str) -> Backend:
        return self.store.get(name)

    @property
    def seed(self) -> int:
        return self._seed_override if self._seed_override is not None else self.scenario.seed

    # -- lifecycle -----------------------------------------------------------------------
    def reset(self, scenario: Scenario | str | None = None) -> None:
        """Drop all state and load the scenario again (or another one)."""
        new = self._load(scenario) if scenario is not None else self.scenario
        with self.lock:
            was_running = self.scheduler.running
            self.scheduler.stop()
            self.scenario = new
            self.clock = self._make_clock()
            self.scheduler.clear()
            self.scheduler.clock = self.clock
            self.journal = Journal(new.journal_capacity)
            self.callbacks.clear()
            self.callbacks.allow.hosts = set(self.callback_hosts)
            self.random = random.Random(self.seed)
            self.faults.clear()
            self._named.clear()
            self._arm(new)
            self.store.reset()
            for backend in self.store.backends().values():
                backend.load_scenario(new)
            if was_running:
                self.start()

    def use_scenario(self, scenario: Scenario | str) -> None:
        """Switch behaviour to another scenario, keeping state, clock and journal.

        Seed accounts the new scenario names are added where missing; the new scenario's clock
        settings take effect at the next reset.
        """
        new = self._load(scenario)
        with self.lock:
            self.scenario = new
            self._arm(new)
            for backend in self.store.backends().values():
                backend.load_scenario(new)

    def start(self) -> None:
        """Start running due events in the background when the clock is real."""
        if self.clock.mode == "real":
            self.scheduler.start()

    def stop(self) -> None:
        self.scheduler.stop()

    def describe(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.summary(),
            "seed": self.seed,
            "clock": self.clock.describe(),
        }

    # -- scenarios per request -----------------------------------------------------------
    def scenario_named(self, name: str) -> Scenario:
        """A scenario of the library by name (the one in force, or loaded once and kept)."""
        if name == self.scenario.name:
            return self.scenario
        with self.lock:
            if name not in self._named:
                self._named[name] = self._load(name)
                self._arm(self._named[name])
            return self._named[name]

    @contextmanager
    def requested(self, scenario: Scenario | None) -> Iterator[None]:
        """Serve a request under another scenario's faults, outcomes and timing."""
        token = _REQUEST_SCENARIO.set(scenario)
        try:
            yield
        finally:
            _REQUEST_SCENARIO.reset(token)

    def request_scenario(self) -> Scenario:
        """The scenario the current request is served under."""
        return _REQUEST_SCENARIO.get() or self.scenario

    def _arm(self, scenario: Scenario) -> None:
        self.faults.load(scenario.name, list(scenario.data.get("faults") or []), self.seed)
        callbacks = scenario.data.get("callbacks") or {}
        self.callbacks.allow.hosts.update(h.lower() for h in callbacks.get("allow_hosts") or [])
        fail_for = callbacks.get("fail_for")
        if scenario is self.scenario:
            self.callbacks.outage_until = (
                self.clock.timestamp() + float(fail_for) if fail_for else None
            )

    # -- waiting on the clock ------------------------------------------------------------
    def wait(self, seconds: float) -> bool:
        """Block the calling request until the clock has moved ``seconds`` on.

        On the virtual clock that happens when a test advances it; on the real clock the
        scheduler's thread gets there in real time. True when the clock got there.
        """
        if seconds <= 0:
            return True
        reached = threading.Event()
        event = self.scheduler.after(seconds, "fault wait", reached.set, locked=False)
        if self.clock.mode == "real" and not self.scheduler.running:
            self.scheduler.start()
        done = reached.wait(MAX_WAIT_WALL_SECONDS)
        event.cancel()
        return done

    # -- helpers -------------------------------------------------------------------------
    def _load(self, scenario: Scenario | str) -> Scenario:
        """Load and check a scenario; every backend may refuse it before anything changes."""
        loaded = scenario if isinstance(scenario, Scenario) else self.library.load(scenario)
        for backend in self.store.backends().values():
            backend.check_scenario(loaded)
        return loaded

    def _make_clock(self) -> Clock:
        if isinstance(self._clock_override, Clock):
            return self._clock_override
        settings = self.scenario.clock
        mode = self._clock_override or settings.mode
        return Clock(mode, start=settings.start, speed=settings.speed if mode == "real" else 1.0)
