from __future__ import annotations

from datetime import UTC, datetime

from mock_server.engine.clock import Clock
from mock_server.engine.simulation import Simulation
from mock_server.engine.store import Backend


class Counter(Backend):
    def __init__(self, sim: Simulation) -> None:
        super().__init__(sim)
        self.orders: dict[str, int] = {}
        self.seeded: list[str] = []

    def load_scenario(self, scenario: object) -> None:
        self.seeded.append(getattr(scenario, "name", "?"))


def test_reset_drops_state_events_and_rewinds_to_the_scenario_start() -> None:
    sim = Simulation("virtual")
    backend = sim.add_backend("counter", Counter)
    assert isinstance(backend, Counter)
    backend.orders["a"] = 1
    sim.scheduler.after(60, "later", lambda: None)
    sim.scheduler.advance(30)
    sim.reset()
    fresh = sim.backend("counter")
    assert isinstance(fresh, Counter)
    assert fresh.orders == {}
    assert fresh.seeded == ["virtual"]
    assert sim.scheduler.pending() == []
    assert sim.clock.now() == datetime(2026, 1, 1, tzinfo=UTC)


def test_reset_into_another_scenario() -> None:
    sim = Simulation("virtual")
    sim.reset("default")
    assert sim.scenario.name == "default"
    assert sim.clock.mode == "real"


def test_the_seed_drives_the_random_source_and_reset_replays_it() -> None:
    sim = Simulation("virtual")
    first = [sim.random.random() for _ in range(3)]
    sim.reset()
    assert [sim.random.random() for _ in range(3)] == first
    assert Simulation("virtual", seed=99).seed == 99


def test_a_clock_mode_override_survives_reset() -> None:
    sim = Simulation("default", clock="virtual")
    sim.reset()
    assert sim.clock.mode == "virtual"


def test_an_injected_clock_is_kept_across_resets() -> None:
    clock = Clock("virtual", start=datetime(2030, 1, 1, tzinfo=UTC))
    sim = Simulation("virtual", clock=clock)
    clock.advance(100)
    sim.reset()
    assert sim.clock is clock
    assert sim.scheduler.clock is clock


def test_use_scenario_keeps_state_and_clock() -> None:
    sim = Simulation("virtual")
    backend = sim.add_backend("counter", Counter)
    backend.orders["a"] = 1  # type: ignore[attr-defined]
    sim.scheduler.advance(100)
    sim.use_scenario("default")
    assert sim.scenario.name == "default"
    assert sim.backend("counter").orders == {"a": 1}  # type: ignore[attr-defined]
    assert sim.clock.mode == "virtual"
    assert sim.clock.now() == datetime(2026, 1, 1, 0, 1, 40, tzinfo=UTC)
