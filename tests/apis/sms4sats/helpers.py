"""A small driver for sms4sats tests: the documented calls and the control calls, by name."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from mock_server.app import create_app, simulation_of
from mock_server.engine.scenarios import ScenarioLibrary
from mock_server.engine.simulation import Simulation

KEY = "test-sms4sats-key"


def app_for(yaml_text: str) -> Flask:
    """A strict simulator on a virtual clock with an inline scenario."""
    scenario = ScenarioLibrary().load_text(
        "name: t\nseed: 1\nclock: {mode: virtual, start: '2026-01-01T00:00:00Z'}\n"
        f"accounts:\n  sms4sats: [{{api_key: {KEY}, balance: 10000}}]\n" + yaml_text
    )
    return create_app(scenario, strict=True)


class Driver:
    def __init__(self, app: Flask) -> None:
        self.client: FlaskClient = app.test_client()
        self.sim: Simulation = simulation_of(app)

    # the documented API
    def create(self, key: str | None = None, **body: Any) -> dict[str, Any]:
        body = {"country": 187, "service": "tg", **body}
        return self._ok(self.client.post("/createorder", json=body, headers=self._key(key)))

    def send(self, key: str | None = None, **body: Any) -> dict[str, Any]:
        body = {"message": "hello", "phone": "+19871234567", **body}
        return self._ok(self.client.post("/createsendorder", json=body, headers=self._key(key)))

    def email(self, key: str | None = None, **body: Any) -> dict[str, Any]:
        body = {"message": "hello", "address": "someone@example.org", **body}
        return self._ok(
            self.client.post("/createemailsendorder", json=body, headers=self._key(key))
        )

    def fund(self, amount: int, key: str = KEY) -> dict[str, Any]:
        return self._ok(self.client.post("/fund", json={"amount": amount}, headers=self._key(key)))

    def status(self, order_id: str) -> dict[str, Any]:
        return self._ok(self.client.get("/orderstatus", query_string={"orderId": order_id}))

    def cancel(self, order_id: str) -> Any:
        return self.client.get("/cancelorder", query_string={"orderId": order_id})

    def balance(self, key: str = KEY) -> int:
        return self._ok(self.client.get("/balance", headers={"X-API-Key": key}))["balance"]

    def history(self, key: str = KEY) -> dict[str, Any]:
        return self._ok(self.client.get("/history", headers={"X-API-Key": key}))

    # the control API
    def pay(self, payreq: str) -> Any:
        return self.client.post("/_mock/lightning/pay", json={"payreq": payreq})

    def invoice(self, payment_hash: str) -> dict[str, Any]:
        return self._ok(self.client.get(f"/_mock/lightning/invoices/{payment_hash}"))

    def state(self, order_id: str) -> str:
        return self.invoice(order_id)["state"]

    def deliver(self, order_id: str, code: str | None = None) -> Any:
        return self.client.post(
            f"/_mock/sms4sats/orders/{order_id}/sms", json={"code": code} if code else None
        )

    def advance(self, seconds: float) -> None:
        self._ok(self.client.post("/_mock/clock/advance", json={"seconds": seconds}))

    @staticmethod
    def _key(key: str | None) -> dict[str, str]:
        return {"X-API-Key": key} if key else {}

    @staticmethod
    def _ok(response: Any) -> Any:
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()
