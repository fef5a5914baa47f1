"""A small driver for smsVerificationService tests."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from flask.testing import FlaskClient

from mock_server.apis.smsverify.models import SmsVerifyBackend
from mock_server.app import create_app, simulation_of
from mock_server.engine.scenarios import ScenarioLibrary
from mock_server.engine.simulation import Simulation

KEY = "key-a"
OTHER = "key-b"


def driver_for(
    yaml_text: str = "", balance: str = "10.00", callback_url: str | None = None
) -> Driver:
    callback = f", callback_url: '{callback_url}'" if callback_url else ""
    scenario = ScenarioLibrary().load_text(
        "name: t\nseed: 1\nclock: {mode: virtual, start: '2026-01-01T00:00:00Z'}\n"
        f"accounts:\n  smsverify:\n    - {{api_key: {KEY}, balance: '{balance}'{callback}}}\n"
        f"    - {{api_key: {OTHER}, balance: '5.00'}}\n" + yaml_text
    )
    return Driver(create_app(scenario, strict=True))


class Driver:
    def __init__(self, app: Any) -> None:
        self.client: FlaskClient = app.test_client()
        self.sim: Simulation = simulation_of(app)

    @property
    def backend(self) -> SmsVerifyBackend:
        backend = self.sim.backend("smsverify")
        assert isinstance(backend, SmsVerifyBackend)
        return backend

    def get(self, path: str, key: str = KEY, **query: Any) -> Any:
        return self.client.get(
            f"/api/v1/{path}", query_string=query, headers={"Authorization": f"Bearer {key}"}
        )

    def post(self, path: str, body: Any = None, key: str = KEY) -> Any:
        return self.client.post(
            f"/api/v1/{path}", json=body, headers={"Authorization": f"Bearer {key}"}
        )

    def order(self, kind: str = "temporary", key: str = KEY, **body: Any) -> dict[str, Any]:
        response = self.post(f"order/{kind}/", body or {"service_id": 1012}, key)
        assert response.status_code == 201, response.get_data(as_text=True)
        data = response.get_json()
        return data.get("data", data)

    def status(self, order_id: int, key: str = KEY) -> dict[str, Any]:
        response = self.get(f"order/{order_id}/status/", key)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["data"]

    def balance(self, key: str = KEY) -> Decimal:
        response = self.get("balance/", key)
        assert response.status_code == 200
        return json.loads(response.get_data(), parse_float=Decimal)["balance"]

    def advance(self, seconds: float) -> None:
        response = self.client.post("/_mock/clock/advance", json={"seconds": seconds})
        assert response.status_code == 200

    def deliver(self, order_id: int, **body: Any) -> Any:
        return self.client.post(f"/_mock/smsverify/orders/{order_id}/sms", json=body or None)
