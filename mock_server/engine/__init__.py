"""The engine: clock, scheduler, store, scenarios, journal. It knows no API and no web framework."""

from mock_server.engine.clock import Clock, ClockError
from mock_server.engine.errors import SimulatorError
from mock_server.engine.journal import Journal, ServedRequest
from mock_server.engine.scenarios import Scenario, ScenarioError, ScenarioLibrary
from mock_server.engine.scheduler import Event, Scheduler
from mock_server.engine.simulation import Simulation
from mock_server.engine.store import Backend, Store

__all__ = [
    "Backend",
    "Clock",
    "ClockError",
    "Event",
    "Journal",
    "Scenario",
    "ScenarioError",
    "ScenarioLibrary",
    "Scheduler",
    "ServedRequest",
    "Simulation",
    "SimulatorError",
    "Store",
]
