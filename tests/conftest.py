"""Shared fixtures: an app on the virtual clock in strict mode, and the same app served for real."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mock_server.app import create_app, simulation_of
from mock_server.engine.simulation import Simulation
from mock_server.testing.server import serving
from tests.contract.fuzzing import FUZZ_EXAMPLES, FUZZ_SEED
from tests.support import Faulty


def pytest_report_header() -> str:
    return f"sms-mock fuzzing seed: {FUZZ_SEED} ({FUZZ_EXAMPLES} examples per operation)"


@pytest.fixture
def app() -> Flask:
    """A fresh simulator on the `virtual` scenario, checking every response it sends."""
    return create_app("virtual", strict=True)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def sim(app: Flask) -> Simulation:
    return simulation_of(app)


@pytest.fixture(scope="session")
def served_app() -> Flask:
    return create_app("virtual", strict=True)


@pytest.fixture(scope="session")
def live_url(served_app: Flask) -> Iterator[str]:
    """The strict simulator served on a free port, for tests over real HTTP."""
    with serving(served_app) as url:
        yield url


@pytest.fixture
def live(live_url: str, served_app: Flask) -> str:
    """The live server's base URL, reset to a clean state of its own scenario before the test
    (whatever scenario the previous test switched it to)."""
    simulation_of(served_app).reset("virtual")
    return live_url


# A served simulator on the virtual clock (`manual` scenario), armed with fault rules per test.
@pytest.fixture(scope="session")
def fault_app() -> Flask:
    return create_app("manual", clock="virtual", strict=True)


@pytest.fixture(scope="session")
def fault_url(fault_app: Flask) -> Iterator[str]:
    with serving(fault_app) as url:
        yield url


@pytest.fixture
def faulty(fault_url: str, fault_app: Flask) -> Faulty:
    sim = simulation_of(fault_app)
    sim.reset("manual")
    return Faulty(fault_url, sim)
