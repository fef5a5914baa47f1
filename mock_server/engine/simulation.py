"""The simulated world: one clock, one scheduler, one store, one journal, one scenario.

Everything an API package or the control API needs reaches it through a :class:`Simulation`;
there are no module globals. :meth:`Simulation.reset` is the one reset that ``/_mock/reset``, the
pytest plugin and the CLI all call.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from typing import Any

from mock_server.engine.callbacks import CallbackDispatcher
from mock_server.engine.clock import Clock, ClockMode
from mock_server.engine.journal import Journal
from mock_server.engine.scenarios import Scenario, ScenarioLibrary
from mock_server.engine.scheduler import Scheduler
from mock_server.engine.store import Backend, Store

BackendFactory = Callable[["Simulation"], Backend]


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
    ) -> None:
        self.library = library or ScenarioLibrary()
        self.store = Store()
        self.lock: threading.RLock = self.store.lock
        self._clock_override = clock
        self._seed_override = seed
        self.scenario = self._load(scenario)
        self.clock = self._make_clock()
        self.scheduler = Scheduler(self.clock, self.lock)
        self.journal = Journal(self.scenario.journal_capacity)
        self.callbacks = CallbackDispatcher(self.scheduler, self.lock)
        self.random = random.Random(self.seed)

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
            self.random = random.Random(self.seed)
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
