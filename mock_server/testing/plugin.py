"""The pytest plugin: an sms-mock server for your tests, reset before each one.

Installing sms-mock is enough (it registers through the ``pytest11`` entry point). Use the
``sms_mock`` fixture; pick a scenario per test with ``@pytest.mark.sms_mock(scenario="...")``::

    @pytest.mark.sms_mock(scenario="code-never-arrives")
    def test_refund(sms_mock):
        body = {"country": 187, "service": "tg"}
        order = requests.post(f"{sms_mock.url}/createorder", json=body).json()
        sms_mock.pay(order["payreq"])
        sms_mock.advance("21m")
        assert sms_mock.invoice(order["orderId"])["state"] == "CANCELED"

One server per test session (per worker with pytest-xdist), served by waitress on a free port in
a thread, on the **virtual clock**: simulated time moves only when a test advances it, so
freezegun in your test does not move it, and it does not move freezegun's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from mock_server.testing.client import ControlClient
from mock_server.testing.server import serving

DEFAULT_SCENARIO = "default"


@dataclass
class SimulatorServer:
    """The session's server: its base URL and the app behind it."""

    url: str
    app: Any


class SmsMock(ControlClient):
    """What a test needs: the base URLs and the control API (see ControlClient)."""

    def __init__(self, url: str, scenario: str) -> None:
        super().__init__(url)
        self.url = url
        self.scenario_name = scenario

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
    """An sms-mock server for the whole session, on the virtual clock."""
    from mock_server.app import create_app

    app = create_app(DEFAULT_SCENARIO, clock="virtual")
    with serving(app) as url:
        yield SimulatorServer(url, app)


@pytest.fixture
def sms_mock(request: pytest.FixtureRequest, sms_mock_server: SimulatorServer) -> SmsMock:
    """The server, reset to the test's scenario before the test."""
    marker = request.node.get_closest_marker("sms_mock")
    scenario = (marker.kwargs.get("scenario") if marker else None) or DEFAULT_SCENARIO
    handle = SmsMock(sms_mock_server.url, scenario)
    handle.reset(scenario)
    return handle
