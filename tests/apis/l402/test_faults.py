"""The fault machinery works on the L402 API as on the others: by rule and by one header."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import requests

from tests.apis.l402.agent import Agent
from tests.support import Faulty


def test_a_rule_makes_the_order_status_fail_and_leaves_the_order_alone(faulty: Faulty) -> None:
    agent = Agent(faulty.base)
    challenge, token = agent.paid()
    faulty.rules(
        "  - match: {api: l402, operation: getL402Order}\n"
        "    respond: {status: 503, body: {error: unavailable, message: try later}}\n"
        "    times: 1\n"
    )
    first = agent.get(challenge["orderId"], token)
    assert (first.status_code, first.json()["error"]) == (503, "unavailable")
    assert agent.get(challenge["orderId"], token).status_code == 200  # once, as the rule says
    [entry, _] = [e for e in faulty.journal() if e["operation"] == "getL402Order"]
    assert entry["fault"]["action"] == "respond"


def test_a_reset_connection_on_the_order_post(faulty: Faulty) -> None:
    faulty.rules("  - match: {api: l402, operation: createL402Order}\n    reset: true\n")
    url = urlsplit(faulty.base)
    body = b'{"type":"receive-sms","service":"tg"}'
    with socket.create_connection((url.hostname, url.port), timeout=5) as sock:
        sock.sendall(
            b"POST /v2/l402/order HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        try:
            answer = sock.recv(100)
        except ConnectionResetError:
            answer = b""
    assert answer == b""


def test_the_scenario_header_picks_the_outcome_of_one_order(faulty: Faulty) -> None:
    """X-Mock-Scenario: an order made under no-numbers follows that scenario's timeline."""
    agent = Agent(faulty.base)
    response = requests.post(
        f"{faulty.base}/v2/l402/order",
        json={"type": "receive-sms", "service": "tg", "refundInvoice": agent.refund_invoice()},
        headers={"X-Mock-Scenario": "no-numbers"},
        timeout=5,
    )
    assert response.status_code == 402
    challenge = response.json()
    token = f"L402 {challenge['macaroon']}:{agent.pay(challenge['invoice'])}"
    agent.advance(2)
    failed = agent.status(challenge["orderId"], token)
    assert (failed["status"], failed["refund"]["sats"]) == ("failed", 2500)
    plain, plain_token = agent.paid()  # the world's own scenario (manual) for the next order
    agent.advance(2)
    assert agent.status(plain["orderId"], plain_token)["status"] == "waiting_for_sms"
