"""The pipeline's steps run in DESIGN's order, and an API's code needs no web framework."""

from __future__ import annotations

import subprocess
import sys

from flask.testing import FlaskClient

from mock_server.engine.simulation import Simulation
from tests.support import BEARER


def test_importing_the_apis_models_and_handlers_loads_no_web_framework() -> None:
    code = (
        "import sys\n"
        "import mock_server.apis.sms4sats.models, mock_server.apis.smsverify.models\n"
        "import mock_server.apis.sms4sats.handlers, mock_server.apis.smsverify.handlers\n"
        "import mock_server.spec.pipeline\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'flask'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_credentials_come_before_the_rate_limit_and_the_rate_limit_before_validation(
    client: FlaskClient, sim: Simulation
) -> None:
    sim.use_scenario(
        sim.library.load_text(
            "name: tight\nseed: 1\nclock: {mode: virtual}\n"
            "smsverify: {rate_limit: {limit: 2, window: 60}}\n"
        )
    )
    unknown = {"Authorization": "Bearer nobody-knows-me"}
    for _ in range(3):  # an unknown key is refused first, and never counted
        assert client.get("/api/v1/balance/", headers=unknown).status_code == 401
    bad = client.post("/api/v1/order/temporary/", json={"service_id": "x"}, headers=BEARER)
    assert bad.status_code == 400  # counted, then refused by validation
    assert client.get("/api/v1/balance/", headers=BEARER).status_code == 200
    over = client.post("/api/v1/order/temporary/", json={"service_id": "x"}, headers=BEARER)
    assert over.status_code == 429  # the limit answers before validation would
    entries = client.get("/_mock/requests").get_json()["requests"]
    assert [e["status"] for e in entries] == [401, 401, 401, 400, 200, 429]


def test_a_fault_comes_before_credentials_and_an_unknown_world_before_everything(
    client: FlaskClient, sim: Simulation
) -> None:
    sim.use_scenario(
        sim.library.load_text(
            "name: broken\nseed: 1\nclock: {mode: virtual}\n"
            "faults:\n  - {match: {api: smsverify}, respond: {status: 503, body: {error: down}}}\n"
        )
    )
    answer = client.get("/api/v1/balance/")  # no key at all: the fault answers first
    assert (answer.status_code, answer.get_json()) == (503, {"error": "down"})
    bad_world = client.get("/api/v1/balance/", headers={"X-Mock-World": "a b"})
    assert bad_world.status_code == 400
    assert [e["status"] for e in client.get("/_mock/requests").get_json()["requests"]] == [503]
