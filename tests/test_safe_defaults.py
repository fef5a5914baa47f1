"""Safe defaults for a simulator shared by a team: loopback unless a token guards the control
API, callbacks only to hosts named on purpose, keys masked, bodies capped."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
import requests
from flask.testing import FlaskClient

from mock_server.app import create_app, simulation_of
from mock_server.cli import main
from mock_server.engine.scenarios import ScenarioLibrary
from mock_server.spec.pipeline import mask_secret
from mock_server.testing import ControlClient, ControlError
from mock_server.testing.server import serving
from tests.support import BEARER, SERVE, SMS4SATS_KEY, served_process


def test_serving_off_loopback_needs_a_token_or_a_clear_choice(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["serve", "--host", "0.0.0.0", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert (
        "exposes the control API" in err
        and "--control-token" in err
        and "--insecure-control" in err
        and "SMS_MOCK_CONTROL_TOKEN" in err
    )


def test_in_the_container_the_refusal_says_docker_s_way(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SMS_MOCK_CONTAINER", "1")
    monkeypatch.delenv("SMS_MOCK_CONTROL_TOKEN", raising=False)
    assert main(["serve", "--host", "0.0.0.0", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "docker run -e SMS_MOCK_CONTROL_TOKEN=<token>" in err
    assert "add --insecure-control after the image name" in err


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


class _Redirecting(BaseHTTPRequestHandler):
    """Answers every POST with a redirect to ``target``; records what it was sent."""

    target = ""
    seen: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        _Redirecting.seen.append(f"POST {self.path}")
        self.send_response(int(self.path.strip("/")))
        self.send_header("Location", _Redirecting.target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:  # the redirect target: a follower would land here
        _Redirecting.seen.append(f"GET {self.path}")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_callback_redirect_is_an_answer_not_a_new_target(status: int) -> None:
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Redirecting)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    port = receiver.server_address[1]
    _Redirecting.seen = []
    _Redirecting.target = f"http://127.0.0.1:{port}/landed"  # followed, it would 200
    try:
        app = create_app("manual", strict=True)
        client = app.test_client()
        _send_order(client, f"http://127.0.0.1:{port}/{status}")
        simulation_of(app).scheduler.advance(0)
        callback = client.get("/_mock/callbacks").get_json()["callbacks"][0]
    finally:
        receiver.shutdown()
        receiver.server_close()
    assert _Redirecting.seen == [f"POST /{status}"]  # nobody went where the Location pointed
    assert callback["state"] == "pending"  # a 3xx is retried like any answer other than 2xx
    assert [a["status"] for a in callback["attempts"]] == [status]
    assert callback["next_attempt_at"] is not None


def test_x_mock_scenario_names_only_scenarios_the_server_knows(tmp_path: Path) -> None:
    planted = tmp_path / "planted.yaml"
    planted.write_text(
        "name: manual\nclock: {mode: virtual}\ncallbacks: {allow_hosts: [evil.example]}\n"
        "faults:\n  - {match: {api: sms4sats}, respond: {status: 503, body: {x: 1}}}\n"
    )
    app = create_app("manual", strict=True)
    sim = simulation_of(app)
    with serving(app) as url:
        for name in (str(planted), "../scenarios/default", "not-a-scenario"):
            refused = requests.get(f"{url}/price", headers={"X-Mock-Scenario": name}, timeout=5)
            assert refused.status_code == 400, name
            reason = refused.json()["reason"]
            assert "unknown scenario" in reason and "known scenarios: " in reason
            assert "default" in reason and "no-numbers" in reason
        assert requests.get(f"{url}/price", timeout=5).status_code == 200  # nothing replaced
        assert not sim.callbacks.allow.permits("http://evil.example/hook")
        # The library's scenarios, and one loaded through the control API, may be named.
        named = requests.get(f"{url}/price", headers={"X-Mock-Scenario": "no-numbers"}, timeout=5)
        assert named.status_code == 200
        inline = (
            "name: my-rules\nfaults:\n  - {match: {operation: getPrice}, respond: {status: 502}}\n"
        )
        assert requests.put(f"{url}/_mock/scenario", json={"yaml": inline}, timeout=5).ok
        assert requests.put(f"{url}/_mock/scenario", json={"name": "manual"}, timeout=5).ok
        assert requests.get(f"{url}/price", timeout=5).status_code == 200
        mine = requests.get(f"{url}/price", headers={"X-Mock-Scenario": "my-rules"}, timeout=5)
        assert mine.status_code == 502


def test_a_library_scenario_named_per_request_changes_no_server_wide_setting(
    tmp_path: Path,
) -> None:
    (tmp_path / "open-hooks.yaml").write_text(
        "name: open-hooks\ncallbacks: {allow_hosts: [evil.example], fail_for: 600}\n"
    )
    library = ScenarioLibrary(tmp_path)
    (tmp_path / "base.yaml").write_text("name: base\nclock: {mode: virtual}\n")
    app = create_app("base", library=library)
    client = app.test_client()
    assert client.get("/price", headers={"X-Mock-Scenario": "open-hooks"}).status_code == 200
    sim = simulation_of(app)
    assert not sim.callbacks.allow.permits("http://evil.example/hook")
    assert sim.callbacks.outage_until is None


@pytest.mark.parametrize(
    "sent",
    [
        "tökén".encode(),  # the right token's bytes
        "tökén".encode("latin-1"),
        b"Bearer" + bytes(range(0x80, 0xC0)),
        "über".encode(),
        b"\xff\xfe",
        b"s3cret",
    ],
)
def test_any_control_token_gets_200_or_401_never_500(sent: bytes) -> None:
    app = create_app("manual", control_token="tökén")
    with serving(app) as url:
        response = requests.get(
            f"{url}/_mock/health", headers={"Authorization": b"Bearer " + sent}, timeout=5
        )
        plain = requests.get(  # and a non-ASCII key on the APIs' own auth
            f"{url}/api/v1/balance/", headers={"Authorization": b"Bearer " + sent}, timeout=5
        )
    assert response.status_code == (200 if sent == "tökén".encode() else 401)
    assert "error" in response.json() or response.json()["status"] == "ok"
    assert plain.status_code == 401 and "error" in plain.json()


@pytest.mark.parametrize("source", ["file", "environment"])
def test_the_control_token_can_stay_out_of_ps(tmp_path: Path, source: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SMS_MOCK_CONTROL_TOKEN"}
    args = ["--scenario", "manual"]
    if source == "file":
        (tmp_path / "token").write_text("from-a-file\n")
        args += ["--control-token-file", str(tmp_path / "token")]
        token = "from-a-file"
    else:
        env["SMS_MOCK_CONTROL_TOKEN"] = token = "from-the-environment"
    with served_process(*args, env=env) as (_, base):
        assert requests.get(f"{base}/_mock/health", timeout=5).status_code == 401
        headers = {"Authorization": f"Bearer {token}"}
        assert requests.get(f"{base}/_mock/health", headers=headers, timeout=5).status_code == 200
        assert ControlClient(base, token=token).clock()["mode"] == "virtual"


def test_a_non_ascii_token_works_from_the_client_and_the_shell(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("s3cret-ö\n", encoding="utf-8")
    args = ["--scenario", "manual", "--control-token-file", str(tmp_path / "token")]
    with served_process(*args) as (_, base):
        assert ControlClient(base, token="s3cret-ö").clock()["mode"] == "virtual"
        env = {**os.environ, "SMS_MOCK_CONTROL_TOKEN": "s3cret-ö", "SMS_MOCK_URL": base}
        env.pop("SMS_MOCK_TOKEN", None)
        shell = [sys.executable, "-m", "mock_server", "requests", "--json"]
        result = subprocess.run(shell, capture_output=True, text=True, env=env, timeout=30)
        assert result.returncode == 0, result.stderr
        with pytest.raises(ControlError) as refused:
            ControlClient(base, token="s3cret-o").clock()
        assert refused.value.status == 401


def test_an_empty_or_unreadable_token_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").write_text("\n")
    for path in (tmp_path / "empty", tmp_path / "missing"):
        result = subprocess.run(
            [*SERVE, "--control-token-file", str(path)], capture_output=True, text=True, timeout=30
        )
        assert result.returncode == 2, result.stderr
        assert "token" in result.stderr and "Traceback" not in result.stderr
