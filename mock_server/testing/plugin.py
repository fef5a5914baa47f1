"""The pytest plugin: an sms-mock server for your tests, each test in a world of its own.

Installing sms-mock is enough (it registers through the ``pytest11`` entry point). Use the
``sms_mock`` fixture; pick a scenario per test with ``@pytest.mark.sms_mock(scenario="...")``::

    @pytest.mark.sms_mock(scenario="code-never-arrives")
    def test_refund(sms_mock):
        body = {"country": 187, "service": "tg"}
        order = requests.post(f"{sms_mock.url}/createorder", json=body).json()
        sms_mock.pay(order["payreq"])
        sms_mock.advance("21m")
        assert sms_mock.invoice(order["orderId"])["state"] == "CANCELED"

One server per test session, served as ``sms-mock serve`` serves, on a free port in a thread.
Each test gets a fresh world on it (its own accounts, orders, journal and clock;
``sms_mock.url`` points into it: ``http://127.0.0.1:PORT/worlds/NAME``), dropped when the test
ends. Worlds are on the **virtual clock**: simulated time moves only when a test advances it,
so freezegun in your test does not move it, and it does not move freezegun's. A world's answers
depend only on its scenario, seed and requests, so a test gets the same ids, numbers and
invoices on every run.

With pytest-xdist each worker starts its own server, unless ``SMS_MOCK_URL`` names one that is
running already (``sms-mock serve --port 8080`` in CI's first step): then every worker, and every
test in it, uses that server, each test in its own world.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from mock_server.heap import collection_paused
from mock_server.testing.client import ControlClient, ControlError
from mock_server.testing.server import serving

DEFAULT_SCENARIO = "default"
URL_VARIABLE = "SMS_MOCK_URL"  # a running server to share, instead of one per session


@dataclass
class SimulatorServer:
    """The session's server: its base URL and the app behind it (None: a server of its own,
    named by ``SMS_MOCK_URL``)."""

    url: str
    app: Any


class SmsMock(ControlClient):
    """What a test needs: the base URLs and the control API (see ControlClient)."""

    def __init__(self, url: str, scenario: str, world: str | None = None) -> None:
        super().__init__(url)
        self.url = url
        self.scenario_name = scenario
        self.world_name = world

    @property
    def sms4sats_url(self) -> str:
        """sms4sats' base URL (its paths start at the root: /createorder, /orderstatus)."""
        return self.url

    @property
    def smsverify_url(self) -> str:
        """smsVerificationService's API root: .../api/v1 (paths like /balance/)."""
        return f"{self.url}/api/v1"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sms_mock(scenario=NAME): the sms-mock scenario this test runs under (default: default)",
    )


@pytest.fixture(scope="session")
def sms_mock_server() -> Iterator[SimulatorServer]:
    """An sms-mock server for the whole session, on the virtual clock (or the one at
    ``$SMS_MOCK_URL``, shared with other sessions)."""
    shared = os.environ.get(URL_VARIABLE)
    if shared:
        yield SimulatorServer(shared.rstrip("/"), None)
        return
    from mock_server.app import create_app

    with collection_paused():  # pytest's heap is large: each collection would rescan it
        app = create_app(DEFAULT_SCENARIO, clock="virtual")
    with serving(app) as url:
        yield SimulatorServer(url, app)


@pytest.fixture
def sms_mock(request: pytest.FixtureRequest, sms_mock_server: SimulatorServer) -> Iterator[SmsMock]:
    """A world of the test's own on the session's server, in the test's scenario; dropped
    after the test."""
    marker = request.node.get_closest_marker("sms_mock")
    scenario = (marker.kwargs.get("scenario") if marker else None) or DEFAULT_SCENARIO
    name = f"test-{uuid.uuid4().hex[:20]}"
    server = ControlClient(sms_mock_server.url)
    server.create_world(name, scenario, clock="virtual")
    yield SmsMock(f"{sms_mock_server.url}/worlds/{name}", scenario, name)
    with contextlib.suppress(ControlError):  # the test dropped it itself
        server.drop_world(name)
