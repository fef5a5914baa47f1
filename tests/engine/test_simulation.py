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
    sim.use_scenario("no-numbers")  # names no clock mode
    assert sim.scenario.name == "no-numbers"
    assert sim.backend("counter").orders == {"a": 1}  # type: ignore[attr-defined]
    assert sim.clock.mode == "virtual"
    assert sim.clock.now() == datetime(2026, 1, 1, 0, 1, 40, tzinfo=UTC)


def test_the_background_clock_runs_exactly_when_the_clock_in_force_is_real() -> None:
    sim = Simulation("default")
    sim.start()  # as `serve` does
    try:
        assert sim.scheduler.running
        sim.reset("virtual")
        assert not sim.scheduler.running
        sim.reset("default")  # was left stopped: the default wallet never paid again
        assert sim.scheduler.running and sim.clock.mode == "real"
        sim.use_scenario("virtual")  # names clock mode virtual: time stands still from now
        assert not sim.scheduler.running and sim.clock.mode == "virtual"
        frozen = sim.clock.timestamp()
        assert sim.clock.timestamp() == frozen
        sim.use_scenario("no-numbers")  # names no mode: the clock stays as it is
        assert not sim.scheduler.running
        sim.use_scenario("default")
        assert sim.scheduler.running and sim.clock.timestamp() >= frozen
    finally:
        sim.stop()
    assert not sim.scheduler.running


def test_the_callback_log_keeps_as_many_as_the_scenario_says() -> None:
    from mock_server.app import create_app, simulation_of
    from mock_server.engine.scenarios import ScenarioLibrary

    hook = "http://127.0.0.1:9/hook"  # nothing listens on the discard port: every attempt fails
    scenario = ScenarioLibrary().load_text(
        "name: small-log\nclock: {mode: virtual}\ncallbacks: {capacity: 2}\n"
        f"accounts:\n  smsverify: [{{api_key: k, balance: '9.00', callback_url: '{hook}'}}]\n"
        "smsverify: {timing: {sms_after: null}}\n"
    )
    app = create_app(scenario)
    client = app.test_client()
    for _ in range(3):
        order = client.post(
            "/api/v1/order/temporary/",
            json={"service_id": 1012},
            headers={"Authorization": "Bearer k"},
        ).get_json()["data"]
        assert client.post(f"/_mock/smsverify/orders/{order['order_id']}/sms").status_code == 200
    shown = client.get("/_mock/callbacks").get_json()["callbacks"]
    assert [c["id"] for c in shown] == [2, 3]  # the oldest dropped
    sim = simulation_of(app)
    sim.reset("virtual")  # the default scenario's capacity again
    assert sim.callbacks._log.maxlen == 1000
