"""The image as a Node or any other test suite uses it: started with `docker run`, driven over
HTTP, stopped, started again on its state volume; and refusing to open its control API to the
network without a token."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import bolt11
import requests

from tests.container.conftest import AUTH, TOKEN, docker
from tests.support import WebhookReceiver

ORDER = {"country": 187, "service": "tg"}
SMSVERIFY = {"Authorization": "Bearer qa-key"}


def advance(url: str, seconds: float) -> dict[str, Any]:
    answer = requests.post(
        f"{url}/_mock/clock/advance", json={"seconds": seconds}, headers=AUTH, timeout=10
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_whole_flow_of_both_apis_through_the_container(run: Any) -> None:
    container = run("--scenario", "virtual")
    health = container.wait_until_answering()
    assert (health["scenario"]["name"], health["clock"]["mode"]) == ("virtual", "virtual")

    # sms4sats: a real hold invoice, paid, the code on the advanced clock, the invoice settled
    order = requests.post(f"{container.url}/createorder", json=ORDER, timeout=10).json()
    invoice = bolt11.decode(order["payreq"])
    assert (invoice.payment_hash, invoice.amount_msat) == (order["orderId"], 3_000_000)
    paid = requests.post(
        f"{container.url}/_mock/lightning/pay",
        json={"payreq": order["payreq"]},
        headers=AUTH,
        timeout=10,
    ).json()
    assert paid["state"] == "ACCEPTED"
    advance(container.url, 18)
    status = requests.get(
        f"{container.url}/orderstatus", params={"orderId": order["orderId"]}, timeout=10
    ).json()
    assert status["paid"] is True and str(status["code"]).isdigit() and status["number"]
    settled = requests.get(
        f"{container.url}/_mock/lightning/invoices/{order['orderId']}", headers=AUTH, timeout=10
    ).json()
    assert settled["state"] == "SETTLED" and settled["preimage"]

    # smsVerificationService: a wallet debited to the cent, the SMS POSTed to a receiver here
    with WebhookReceiver().running() as hook:
        account = {"api_key": "qa-key", "balance": "5.00", "callback_url": f"{hook.url}/sms"}
        added = requests.post(
            f"{container.url}/_mock/smsverify/accounts", json=account, headers=AUTH, timeout=10
        )
        assert added.status_code == 200, added.text
        placed = requests.post(
            f"{container.url}/api/v1/order/temporary/",
            json={"service_id": 1012},
            headers=SMSVERIFY,
            timeout=10,
        )
        assert placed.status_code == 201, placed.text
        order_id = placed.json()["data"]["order_id"]
        balance = requests.get(f"{container.url}/api/v1/balance/", headers=SMSVERIFY, timeout=10)
        assert json.loads(balance.text, parse_float=Decimal)["balance"] == Decimal("4.60")
        advance(container.url, 20)
        deposit, sms = hook.received
    assert deposit == (
        "/api/wallet/callback",
        {"event": "wallet_deposit", "amount": 5.0, "balance": 5.0, "currency": "USD"},
    )
    assert sms[0] == "/sms" and sms[1]["event"] == "incoming_message"
    assert sms[1]["message"]["order_id"] == order_id and sms[1]["message"]["sms"]
    status = requests.get(
        f"{container.url}/api/v1/order/{order_id}/status/", headers=SMSVERIFY, timeout=10
    ).json()
    assert status["data"]["status"] == "completed", status


def test_the_state_volume_keeps_orders_across_a_restart(run: Any) -> None:
    volume = f"sms-mock-test-state-{Path(__file__).stem}"
    docker("volume", "rm", "-f", volume, check=False)
    container = run(
        "--scenario",
        "virtual",
        "--state",
        "/data/state.sqlite",
        docker_args=("-v", f"{volume}:/data"),
    )
    try:
        container.wait_until_answering()
        order = requests.post(f"{container.url}/createorder", json=ORDER, timeout=10).json()
        requests.post(
            f"{container.url}/_mock/lightning/pay",
            json={"payreq": order["payreq"]},
            headers=AUTH,
            timeout=10,
        )
        advance(container.url, 60)
        before = requests.get(
            f"{container.url}/orderstatus", params={"orderId": order["orderId"]}, timeout=10
        ).json()
        docker("stop", "--time", "1", container.id)
        assert container.inspect()["State"]["ExitCode"] == 0  # SIGTERM, not a kill after 1 s
        docker("start", container.id)
        health = container.wait_until_answering()
        assert health["state"] is not None and health["clock"]["offset_seconds"] == 60
        after = requests.get(
            f"{container.url}/orderstatus", params={"orderId": order["orderId"]}, timeout=10
        ).json()
        assert after == before and after["code"]
        assert "carried on from it" in container.logs()
    finally:  # the container first: a volume in use is not removed
        docker("rm", "-f", container.id, check=False)
        docker("volume", "rm", "-f", volume, check=False)


def test_a_mounted_scenario_is_served_by_its_path(run: Any, tmp_path: Path) -> None:
    scenario = tmp_path / "my.yaml"
    scenario.write_text(
        "name: my-team\nseed: 3\nclock: {mode: virtual}\nsms4sats:\n  prices: {receive: 4321}\n",
        encoding="utf-8",
    )
    scenario.chmod(0o644)
    container = run(
        "--scenario",
        "/scenarios/my.yaml",
        docker_args=("-v", f"{scenario}:/scenarios/my.yaml:ro"),
    )
    assert container.wait_until_answering()["scenario"]["name"] == "my-team"
    price = requests.get(f"{container.url}/price", params={"country": 187}, timeout=10).json()
    assert price["receive"] == "4321"


def test_published_port_health_check_and_a_quick_stop(run: Any) -> None:
    container = run(network_host=False)  # -p 127.0.0.1:PORT:8080, as users publish it
    container.wait_until_answering()
    unauthorized = requests.get(f"{container.url}/_mock/clock", timeout=10)
    assert unauthorized.status_code == 401  # the token guards the control API from the host
    assert requests.get(f"{container.url}/price", timeout=10).status_code == 200
    states = container.wait_for_health()
    assert states[-1] == "healthy", states
    user = container.inspect()["Config"]["User"]
    assert user == "sms-mock"
    docker("stop", "--time", "1", container.id)
    assert container.inspect()["State"]["ExitCode"] == 0


def test_without_a_token_it_refuses_to_open_the_control_api(run: Any) -> None:
    container = run(token=False, network_host=False)
    state = container.wait_for_exit()
    assert state["ExitCode"] == 2
    logs = container.logs()
    assert "docker run -e SMS_MOCK_CONTROL_TOKEN=<token>" in logs
    assert "--insecure-control" in logs and TOKEN not in logs
