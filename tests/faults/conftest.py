"""A served simulator on the virtual clock for fault tests, with rules set per test."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import requests
from flask import Flask
from waitress import create_server

from mock_server.app import create_app, simulation_of
from mock_server.engine.simulation import Simulation


class Faulty:
    """The base URL of a served simulator, and how to arm it with fault rules."""

    def __init__(self, base: str, sim: Simulation) -> None:
        self.base = base
        self.sim = sim

    def rules(self, yaml_faults: str, extra: str = "") -> None:
        text = f"name: rules\nseed: 1\n{extra}faults:\n{yaml_faults}"
        response = requests.put(f"{self.base}/_mock/scenario", json={"yaml": text}, timeout=5)
        assert response.status_code == 200, response.text

    def journal(self) -> list[dict]:
        return requests.get(f"{self.base}/_mock/requests", timeout=5).json()["requests"]

    def advance(self, seconds: float) -> None:
        assert requests.post(
            f"{self.base}/_mock/clock/advance", json={"seconds": seconds}, timeout=5
        ).ok

    def parked(self) -> int:
        """Requests held by a fault, waiting for the clock."""
        return sum(1 for e in self.sim.scheduler.pending() if e.name == "fault wait")


@pytest.fixture(scope="session")
def fault_app() -> Flask:
    return create_app("manual", clock="virtual", strict=True)


@pytest.fixture(scope="session")
def fault_url(fault_app: Flask) -> Iterator[str]:
    server = create_server(fault_app, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=5)


@pytest.fixture
def faulty(fault_url: str, fault_app: Flask) -> Faulty:
    sim = simulation_of(fault_app)
    sim.reset("manual")
    return Faulty(fault_url, sim)
