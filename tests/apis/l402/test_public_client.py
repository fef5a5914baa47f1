"""The one public client of the L402 API, replayed byte for byte: cvm-services/cvm-service-kit,
``services/cvm-sms4sats/src/upstream.ts`` (requestOrder, payAndPoll) and ``src/l402.ts``
(parseWwwAuthenticate, parseChallengeBody, fetchWithL402), on the simulator's clock.

The requests are written to the socket as that client's fetch sends them (``JSON.stringify``'s
compact body, the headers it sets); the answers are read with its own rules (the same regular
expressions, the same fallbacks between field names).
"""

from __future__ import annotations

import json
import re
import socket
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.apis.l402.agent import Agent, refund_invoice

TERMINAL = {"completed", "refunded", "failed", "expired", "cancelled"}


def fetch(base: str, method: str, path: str, body: Any = None, headers: dict | None = None):
    """One request as the client's ``callHttp`` makes it, on a socket of its own: the status,
    the headers (lower-cased names) and the body parsed as it parses it."""
    url = urlsplit(base)
    sent = {"Host": url.netloc, "Accept": "*/*", "User-Agent": "Bun/1.1.38"}
    sent.update(headers or {})
    data = b""
    if body is not None and method != "GET":
        data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        sent["Content-Type"] = "application/json"  # callHttp adds it when none is given
        sent["Content-Length"] = str(len(data))
    sent["Connection"] = "close"
    head = f"{method} {url.path}{path} HTTP/1.1\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in sent.items()
    )
    with socket.create_connection((url.hostname, url.port), timeout=5) as sock:
        sock.sendall(head.encode() + b"\r\n" + data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head_bytes, _, raw = answer.partition(b"\r\n\r\n")
    lines = head_bytes.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    got = {k.lower(): v for k, _, v in (line.partition(": ") for line in lines[1:])}
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode()
    return status, got, parsed


def parse_www_authenticate(header: str | None) -> dict | None:
    """l402.ts parseWwwAuthenticate, line for line."""
    if not header or not re.match(r"^L402", header.strip(), re.I):
        return None
    macaroon = re.search(r'macaroon="([^"]+)"', header)
    invoice = re.search(r'invoice="([^"]+)"', header)
    if not macaroon or not invoice:
        return None
    return {"macaroon": macaroon.group(1), "invoice": invoice.group(1)}


def parse_challenge_body(body: Any) -> dict | None:
    """l402.ts parseChallengeBody, line for line."""
    if not isinstance(body, dict):
        return None
    macaroon = body.get("macaroon", body.get("token"))
    invoice = body.get("invoice", body.get("payreq", body.get("payment_request")))
    if isinstance(macaroon, str) and isinstance(invoice, str):
        return {"macaroon": macaroon, "invoice": invoice}
    return None


def request_order(base: str, body: dict) -> dict:
    """upstream.ts requestOrder."""
    status, _, parsed = fetch(base, "POST", "/v2/l402/order", body)
    parsed = parsed if isinstance(parsed, dict) else {}
    return {
        "status": status,
        "orderId": parsed.get("orderId") or parsed.get("order_id") or parsed.get("id"),
        "costSats": float(
            parsed.get("priceSats", parsed.get("price_sats", parsed.get("amountSats", 0)))
        ),
        "challenge": parse_challenge_body(parsed),
    }


def pay_and_poll(agent: Agent, base: str, order_id: str, challenge: dict, attempts: int = 240):
    """upstream.ts payAndPoll: pay, then poll every 5 s (on the simulator's clock)."""
    preimage = agent.pay(challenge["invoice"])  # wallet.payInvoice -> receipt.preimage
    auth = f"L402 {challenge['macaroon']}:{preimage}"
    last = None
    polls = 0
    for _ in range(attempts):
        _, _, last = fetch(
            base, "GET", f"/v2/l402/order/{order_id}", headers={"Authorization": auth}
        )
        polls += 1
        if isinstance(last, dict) and (
            last.get("status") in TERMINAL or last.get("status") == "code_received"
        ):
            return last, polls, auth
        agent.advance(5)  # sleep(interval)
    return last, polls, auth


@pytest.fixture
def agent(live: str) -> Agent:
    return Agent(live)


def test_the_public_clients_order_flow_gets_its_code(agent: Agent, live: str) -> None:
    # buildSmsTools' create_sms_order: {type, country: args.country ?? "auto", service}
    quote = request_order(live, {"type": "receive-sms", "country": "auto", "service": "tg"})
    assert quote["status"] == 402 and quote["challenge"] and quote["orderId"]
    assert quote["costSats"] == 2500
    result, polls, _ = pay_and_poll(agent, live, quote["orderId"], quote["challenge"])
    assert result["status"] == "code_received"
    assert re.fullmatch(r"[0-9]{6}", result["code"])
    assert polls == 4  # paid at 0 s, the code at 15 s: polled at 0, 5, 10 and 15 s
    money = agent.control(quote["orderId"])
    assert (money["paidSats"], money["refundedSats"]) == (2500, 0)


def test_the_public_clients_refund_path(agent: Agent, live: str) -> None:
    agent.scenario("{outcomes: [{outcome: no_code}]}")
    body = {"type": "receive-sms", "country": "auto", "service": "tg"}
    body["refundInvoice"] = refund_invoice(agent.now())  # ...(args.refund_invoice ? {...} : {})
    quote = request_order(live, body)
    result, polls, auth = pay_and_poll(agent, live, quote["orderId"], quote["challenge"])
    # Its 240 polls 5 s apart end at 1,195 s: 5 s before the 20-minute window closes, so the
    # client gives up on an order that is about to be refunded (docs/assumptions.md).
    assert (result["status"], polls) == ("waiting_for_sms", 240)
    agent.advance(5)
    _, _, ended = fetch(
        live, "GET", f"/v2/l402/order/{quote['orderId']}", headers={"Authorization": auth}
    )
    assert ended["status"] == "refunded"
    assert ended["refund"]["sats"] == quote["costSats"] == 2500
    assert agent.control(quote["orderId"])["refundedSats"] == 2500


def test_fetch_with_l402_reads_the_header_and_replays_the_request(agent: Agent, live: str) -> None:
    """l402.ts fetchWithL402: the challenge from WWW-Authenticate, the same request again with
    the credentials."""
    body = {"type": "receive-sms", "country": "US", "service": "wa"}
    status, headers, first = fetch(live, "POST", "/v2/l402/order", body)
    assert status == 402
    challenge = parse_www_authenticate(headers.get("www-authenticate"))
    assert challenge == parse_challenge_body(first)  # header and body agree
    preimage = agent.pay(challenge["invoice"])
    auth = {"Authorization": f"L402 {challenge['macaroon']}:{preimage}"}
    status, _, second = fetch(live, "POST", "/v2/l402/order", body, auth)
    assert status == 200
    assert (second["orderId"], second["service"], second["country"]) == (
        first["orderId"],
        "wa",
        "US",
    )


def test_the_public_clients_free_calls(live: str) -> None:
    status, _, health = fetch(live, "GET", "/health")
    assert (status, health["status"]) == (200, "ok")
    _, _, services = fetch(live, "GET", "/v2/l402/services")
    assert services["services"][0]["code"] == "tg"  # upstream.test.ts reads services[0].code
    status, _, catalog = fetch(live, "GET", "/v2/l402/catalog?country=&service=")
    assert status == 200 and catalog["offers"]
