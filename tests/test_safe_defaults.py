"""Safe defaults for a simulator shared by a team: loopback unless a token guards the control
API, callbacks only to hosts named on purpose, keys masked, bodies capped."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from mock_server.app import create_app, simulation_of
from mock_server.cli import main
from mock_server.engine.scenarios import ScenarioLibrary
from mock_server.spec.pipeline import mask_secret
from mock_server.testing import ControlClient, ControlError
from mock_server.testing.server import serving
from tests.support import BEARER, SMS4SATS_KEY


def test_serving_off_loopback_needs_a_token_or_a_clear_choice(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["serve", "--host", "0.0.0.0", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert (
        "exposes the control API" in err
        and "--control-token" in err
        and "--insecure-control" in err
    )


def test_a_control_token_guards_every_control_call_but_not_the_apis() -> None:
    client = create_app("manual", control_token="s3cret", strict=True).test_client()
    refused = client.post("/_mock/reset")
    assert refused.status_code == 401
    assert "needs its token" in refused.get_json()["error"]
    assert client.post("/_mock/reset", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert (
        client.post("/_mock/reset", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    )
    assert client.get("/price").status_code == 200
    assert client.get("/api/v1/balance/", headers=BEARER).status_code == 200


def test_the_control_client_carries_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app("manual", control_token="s3cret")
    with serving(app) as url:
        with pytest.raises(ControlError) as refused:
            ControlClient(url).health()
        assert refused.value.status == 401
        assert ControlClient(url, token="s3cret").health()["status"] == "ok"
        monkeypatch.setenv("SMS_MOCK_TOKEN", "s3cret")
        assert ControlClient(url).clock()["mode"] == "virtual"


def _send_order(client: FlaskClient, webhook: str) -> str:
    body = {"message": "hi", "phone": "+19871234567", "webhookUrl": webhook}
    order = client.post("/createsendorder", json=body).get_json()
    client.post("/_mock/lightning/pay", json={"payreq": order["payreq"]})
    return order["orderId"]


def test_a_webhook_into_a_private_network_is_refused_and_visible() -> None:
    app = create_app("manual", strict=True)
    client = app.test_client()
    _send_order(client, "http://10.0.0.7/admin/delete")
    _send_order(client, "http://169.254.169.254/latest/meta-data/")
    simulation_of(app).scheduler.advance(3600)
    callbacks = client.get("/_mock/callbacks").get_json()["callbacks"]
    assert {c["state"] for c in callbacks} == {"refused"}
    assert all(c["attempts"] == [] for c in callbacks)
    assert client.get("/_mock/callbacks?state=refused").get_json()["count"] == len(callbacks) > 0


def test_hosts_named_on_purpose_are_allowed() -> None:
    yaml = (
        "name: allowed\nclock: {mode: virtual}\ncallbacks:\n  allow_hosts: [hooks.qa.example]\n"
        "accounts:\n  smsverify:\n"
        "    - {api_key: k, balance: '1.00', callback_url: 'http://app.internal/api/callback'}\n"
    )
    app = create_app(ScenarioLibrary().load_text(yaml), callback_hosts={"ci-receiver"})
    allow = simulation_of(app).callbacks.allow
    for url in (
        "http://hooks.qa.example/x",
        "http://app.internal/api/callback",
        "http://ci-receiver:9000/h",
    ):
        assert allow.permits(url), url
    assert not allow.permits("http://elsewhere.example/h")
    client = app.test_client()
    client.post(
        "/_mock/smsverify/accounts", json={"api_key": "k", "callback_url": "http://late.example/cb"}
    )
    assert allow.permits("http://late.example/cb")  # named through the control API
    client.post("/_mock/reset")
    assert allow.permits("http://app.internal/api/callback") and allow.permits(
        "http://ci-receiver/h"
    )
    assert not allow.permits("http://late.example/cb")  # a reset forgets what was added since


def test_keys_are_masked_in_the_journal() -> None:
    client = create_app("manual", strict=True).test_client()
    client.get("/balance", headers={"X-API-Key": SMS4SATS_KEY})
    client.get("/api/v1/balance/", headers=BEARER)
    headers = [e["headers"] for e in client.get("/_mock/requests").get_json()["requests"]]
    assert headers[0]["X-Api-Key"] == "****-key"
    assert headers[1]["Authorization"] == "Bearer ****-key"
    assert SMS4SATS_KEY not in str(headers) and "test-smsverify-key" not in str(headers)


@pytest.mark.parametrize(
    ("secret", "masked"),
    [
        ("Bearer test-smsverify-key", "Bearer ****-key"),
        ("short", "****"),
        ("Bearer k", "Bearer ****"),
    ],
)
def test_mask_secret(secret: str, masked: str) -> None:
    assert mask_secret(secret) == masked


def test_bodies_are_capped() -> None:
    client = create_app("manual").test_client()
    response = client.post(
        "/createorder",
        data=b"{" + b" " * (1024 * 1024 + 10) + b"}",
        content_type="application/json",
    )
    assert response.status_code == 413
