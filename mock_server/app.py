"""The app factory: one Flask app serving both APIs and the control API on one port."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask

from mock_server.apis.sms4sats import SMS4SATS_API
from mock_server.apis.smsverify import SMSVERIFY_API
from mock_server.control import CONTROL_API
from mock_server.engine.simulation import Simulation
from mock_server.lightning import LightningNode
from mock_server.resources import openapi_dir
from mock_server.spec.faults import ResetConnections
from mock_server.spec.pipeline import ApiDefinition, Pipeline
from mock_server.spec.scenario_check import FaultRuleCheck

if TYPE_CHECKING:
    from mock_server.engine.clock import Clock, ClockMode
    from mock_server.engine.scenarios import Scenario, ScenarioLibrary

MAX_BODY_BYTES = 1024 * 1024
APIS: tuple[ApiDefinition, ...] = (SMS4SATS_API, SMSVERIFY_API, CONTROL_API)
EXTENSION = "sms_mock"


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
) -> Flask:
    """Build the simulator.

    ``scenario`` is a name from the library, a path, or a loaded :class:`Scenario`. ``clock``
    is a :class:`Clock` to use (kept across resets) or a mode overriding the scenario's.
    ``strict`` checks every response against the descriptions and turns a mismatch into a 500
    that says what is wrong (for tests and CI). ``state`` is a SQLite file that keeps all state
    across restarts; when it holds state already, the simulator carries on from it.
    """
    sim = Simulation(
        scenario, clock=clock, seed=seed, library=library, callback_hosts=callback_hosts
    )
    app = Flask("mock_server")
    app.config["MAX_CONTENT_LENGTH"] = max_body_bytes
    sim.control_token = control_token
    sim.add_backend("lightning", LightningNode)  # before the APIs whose orders it pays for
    pipeline = Pipeline(app, sim, openapi_dir(), strict=strict)
    for api in APIS:
        pipeline.add_api(api)
    sim.add_scenario_check(FaultRuleCheck(pipeline.documents).problems)
    if state is not None:
        sim.keep_state(state)
    app.extensions[EXTENSION] = pipeline
    app.wsgi_app = ResetConnections(app.wsgi_app)  # type: ignore[method-assign]
    return app


def simulation_of(app: Flask) -> Simulation:
    """The :class:`Simulation` behind an app made by :func:`create_app`."""
    return app.extensions[EXTENSION].sim
