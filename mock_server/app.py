"""The app factory: one Flask app serving both APIs and the control API on one port, in as many
isolated worlds as its users ask for."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask

from mock_server.control import DASHBOARD_API, control_api
from mock_server.engine.clock import Clock
from mock_server.engine.scenarios import Scenario, ScenarioLibrary
from mock_server.engine.simulation import Simulation
from mock_server.engine.worlds import WorldLimits, Worlds, WorldSpec
from mock_server.lightning import LightningNode
from mock_server.resources import openapi_dir
from mock_server.services import SERVICES
from mock_server.spec.api import ApiDefinition
from mock_server.spec.edge import Edge
from mock_server.spec.faults import ResetConnections
from mock_server.spec.pipeline import Pipeline
from mock_server.spec.scenario_check import FaultRuleCheck

if TYPE_CHECKING:
    from mock_server.engine.clock import ClockMode

MAX_BODY_BYTES = 1024 * 1024
SIMULATED: tuple[ApiDefinition, ...] = tuple(service.api() for service in SERVICES.values())
APIS: tuple[ApiDefinition, ...] = (*SIMULATED, control_api(SIMULATED), DASHBOARD_API)
EXTENSION = "sms_mock"
EDGE = "sms_mock.edge"


def create_app(
    scenario: Scenario | str = "default",
    clock: Clock | ClockMode | None = None,
    *,
    seed: int | None = None,
    strict: bool = False,
    library: ScenarioLibrary | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
    callback_hosts: set[str] | None = None,
    control_token: str | None = None,
    state: str | Path | None = None,
    worlds: WorldLimits | None = None,
) -> Flask:
    """Build the simulator.

    ``scenario`` is a name from the library, a path, or a loaded :class:`Scenario`. ``clock``
    is a :class:`Clock` to use (kept across resets) or a mode overriding the scenario's.
    ``strict`` checks every response against the descriptions and turns a mismatch into a 500
    that says what is wrong (for tests and CI). ``state`` is a SQLite file that keeps all state
    across restarts; when it holds state already, the simulator carries on from it. ``worlds``
    limits the worlds besides ``default`` (how many, how long idle, what each may buffer).
    Every world starts from ``scenario``, ``clock`` and ``seed`` unless it is created with its own.
    """
    library = library or ScenarioLibrary()
    server_scenario = scenario if isinstance(scenario, Scenario) else library.load(scenario)
    pipeline = Pipeline(openapi_dir(), strict=strict)
    for api in APIS:
        pipeline.add_api(api)
    fault_rules = FaultRuleCheck(pipeline.documents).problems

    def build_world(name: str, spec: WorldSpec, caps: WorldLimits | None) -> Simulation:
        """The one factory of worlds: ``default`` gets the server's clock object, if it was
        given one; every other world a clock of its own in the same mode."""
        world_clock = spec.clock or (
            clock.mode if isinstance(clock, Clock) and name != "default" else clock
        )
        sim = Simulation(
            spec.scenario or server_scenario,
            clock=world_clock,
            seed=spec.seed if spec.seed is not None else seed,
            library=library,
            callback_hosts=callback_hosts,
            caps=caps,
        )
        sim.control_token = control_token
        sim.add_backend("lightning", LightningNode)  # before the APIs whose orders it pays for
        for api in APIS:
            if api.backend is not None:
                sim.add_backend(api.name, api.backend)
        sim.add_scenario_check(fault_rules)
        return sim

    pipeline.worlds = Worlds(build_world, worlds)
    if state is not None:
        pipeline.worlds.keep_state(state)
    # Flask holds the app (its test client, its extensions); every request goes from WSGI
    # straight to the pipeline.
    app = Flask("mock_server")
    app.extensions[EXTENSION] = pipeline
    edge = app.extensions[EDGE] = Edge(pipeline, max_body_bytes)
    app.wsgi_app = ResetConnections(edge)  # type: ignore[method-assign]
    return app


def edge_of(app: Flask) -> Edge:
    """Where the HTTP server hands an app's requests to its pipeline."""
    return app.extensions[EDGE]


def worlds_of(app: Flask) -> Worlds:
    """Every world of an app made by :func:`create_app`."""
    worlds = app.extensions[EXTENSION].worlds
    assert worlds is not None
    return worlds


def simulation_of(app: Flask, world: str = "default") -> Simulation:
    """The :class:`Simulation` of one world (``default`` unless named) of an app."""
    return worlds_of(app).find(world)
