"""Every way an agent's credentials can be wrong, over HTTP: each is a 401 or a 402 that hands
the order's challenge back (header and body), and none of them shows the order."""

from __future__ import annotations

import base64

import pytest
import requests
from pymacaroons import Macaroon

from tests.apis.l402.agent import Agent


@pytest.fixture
def agent(live: str) -> Agent:
    return Agent(live)


def _refused(response: requests.Response, status: int, error: str, challenge: dict) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error
    assert "phoneNumber" not in body and "code" not in body  # nothing of the order leaks
    assert (body["orderId"], body["macaroon"], body["invoice"]) == (
        challenge["orderId"],
        challenge["macaroon"],
        challenge["invoice"],
    )
    assert response.headers["WWW-Authenticate"] == (
        f'L402 macaroon="{challenge["macaroon"]}", invoice="{challenge["invoice"]}"'
    )
    return dict(body)


def test_no_credentials_is_a_402_with_the_orders_challenge(agent: Agent) -> None:
    challenge, _ = agent.paid()
    _refused(agent.get(challenge["orderId"]), 402, "payment_required", challenge)
    _refused(agent.get(challenge["orderId"], "Bearer abc"), 402, "payment_required", challenge)
    _refused(agent.cancel(challenge["orderId"], None), 402, "payment_required", challenge)


def test_a_wrong_preimage_is_a_402(agent: Agent) -> None:
    challenge, _ = agent.paid()
    wrong = f"L402 {challenge['macaroon']}:{'ab' * 32}"
    _refused(agent.get(challenge["orderId"], wrong), 402, "wrong_preimage", challenge)


def test_an_unpaid_order_with_a_guessed_preimage_is_a_402(agent: Agent) -> None:
    challenge = agent.challenge()
    guess = f"L402 {challenge['macaroon']}:{'00' * 32}"
    _refused(agent.get(challenge["orderId"], guess), 402, "wrong_preimage", challenge)


def test_a_tampered_macaroon_is_a_401(agent: Agent) -> None:
    challenge, token = agent.paid()
    preimage = token.rsplit(":", 1)[1]
    raw = bytearray(base64.b64decode(challenge["macaroon"]))
    raw[-1] ^= 0x01  # the signature's last byte
    flipped = base64.b64encode(bytes(raw)).decode()
    body = _refused(
        agent.get(challenge["orderId"], f"L402 {flipped}:{preimage}"),
        401,
        "invalid_token",
        challenge,
    )
    assert "signature" in body["message"]


def test_a_caveat_changed_without_the_key_is_a_401(agent: Agent) -> None:
    """The valid_until caveat pushed out by someone without the root key: the HMAC chain breaks."""
    challenge, token = agent.paid()
    preimage = token.rsplit(":", 1)[1]
    original = Macaroon.deserialize(challenge["macaroon"])
    forged = Macaroon(
        location=original.location,
        identifier=original.identifier_bytes,
        key=b"not the root key",
        version=original.version,
    )
    forged.add_first_party_caveat("services=sms4sats:0")
    forged.add_first_party_caveat("sms4sats_valid_until=9999999999")
    forged_text = forged.serialize()
    refused = agent.get(challenge["orderId"], f"L402 {forged_text}:{preimage}")
    _refused(refused, 401, "invalid_token", challenge)


def test_an_expired_token_is_a_401(agent: Agent) -> None:
    agent.scenario("{token: {valid_for: 600}, timing: {window: 3600}}")
    challenge, token = agent.paid()
    agent.advance(599)
    assert agent.get(challenge["orderId"], token).status_code == 200
    agent.advance(1)
    body = _refused(agent.get(challenge["orderId"], token), 401, "token_expired", challenge)
    assert "sms4sats_valid_until" in body["message"]


def test_an_attenuated_token_keeps_the_earlier_expiry(agent: Agent) -> None:
    """An agent may narrow its own token (a first-party caveat needs no key): that holds."""
    challenge, token = agent.paid()
    preimage = token.rsplit(":", 1)[1]
    narrowed = Macaroon.deserialize(challenge["macaroon"])
    narrowed.add_first_party_caveat(f"sms4sats_valid_until={int(agent.now()) + 60}")
    auth = f"L402 {narrowed.serialize()}:{preimage}"
    assert agent.get(challenge["orderId"], auth).status_code == 200
    agent.advance(60)
    _refused(agent.get(challenge["orderId"], auth), 401, "token_expired", challenge)
    assert agent.get(challenge["orderId"], token).status_code == 200  # the original still works


def test_an_unknown_caveat_is_a_401(agent: Agent) -> None:
    challenge, token = agent.paid()
    preimage = token.rsplit(":", 1)[1]
    odd = Macaroon.deserialize(challenge["macaroon"])
    odd.add_first_party_caveat("sms4sats_capabilities=admin")
    refused = agent.get(challenge["orderId"], f"L402 {odd.serialize()}:{preimage}")
    _refused(refused, 401, "invalid_token", challenge)


def test_a_token_for_another_order_is_a_401(agent: Agent) -> None:
    first, token = agent.paid()
    second, _ = agent.paid()
    body = _refused(agent.get(second["orderId"], token), 401, "wrong_order", second)
    assert first["orderId"] in body["message"]
    _refused(agent.cancel(second["orderId"], token), 401, "wrong_order", second)


def test_the_lsat_spelling_is_accepted_unless_the_scenario_refuses_it(agent: Agent) -> None:
    challenge, token = agent.paid()
    lsat = "LSAT " + token.split(" ", 1)[1]
    assert agent.get(challenge["orderId"], lsat).status_code == 200
    assert agent.get(challenge["orderId"], "l402 " + token.split(" ", 1)[1]).status_code == 200
    agent.scenario("{token: {accept_lsat: false}}")
    body = _refused(agent.get(challenge["orderId"], lsat), 401, "invalid_token", challenge)
    assert "LSAT" in body["message"]


@pytest.mark.parametrize(
    "header",
    [
        "L402 ",
        "L402 onlyamacaroon",
        "L402 abc:not-hex",
        "L402 abc:" + "00" * 31,
        "L402 !!!:" + "00" * 32,
        "L402 AgEIc21zNHNhdHM=:" + "00" * 32,  # the start of a macaroon, cut short
        "L402 " + "A" * 2000 + ":" + "00" * 32,
    ],
)
def test_unreadable_credentials_are_a_401(agent: Agent, header: str) -> None:
    challenge, _ = agent.paid()
    _refused(agent.get(challenge["orderId"], header), 401, "invalid_token", challenge)


def test_an_unknown_order_is_a_404_whatever_the_token(agent: Agent) -> None:
    _, token = agent.paid()
    for auth in (None, token):
        missing = agent.get("00000000-0000-4000-8000-000000000000", auth)
        assert (missing.status_code, missing.json()["error"]) == (404, "not_found")


def test_a_bad_token_on_the_order_post_gets_a_fresh_challenge(agent: Agent) -> None:
    """POST /order with credentials that name no order: a new order and its 402, as aperture
    answers any request whose token it cannot accept."""
    first = agent.challenge()
    response = requests.post(
        f"{agent.base}/v2/l402/order",
        json={"type": "receive-sms", "service": "tg"},
        headers={"Authorization": "L402 garbage:" + "00" * 32},
        timeout=5,
    )
    assert response.status_code == 402
    assert response.json()["orderId"] != first["orderId"]


def test_the_journal_masks_the_token(agent: Agent) -> None:
    challenge, token = agent.paid()
    agent.get(challenge["orderId"], token)
    journal = requests.get(
        f"{agent.base}/_mock/requests", params={"operation": "getL402Order"}, timeout=5
    ).json()["requests"]
    shown = journal[-1]["headers"]["Authorization"]
    assert token not in shown and challenge["macaroon"] not in shown


def test_the_control_api_says_why_a_token_is_refused(agent: Agent) -> None:
    challenge, token = agent.paid()
    check = f"{agent.base}/_mock/l402/tokens/check"
    ok = requests.post(check, json={"authorization": token}, timeout=5).json()
    assert ok == {"valid": True, "status": 200, "orderId": challenge["orderId"]}
    wrong = f"L402 {challenge['macaroon']}:{'ab' * 32}"
    verdict = requests.post(
        check, json={"authorization": wrong, "orderId": challenge["orderId"]}, timeout=5
    ).json()
    assert (verdict["valid"], verdict["status"], verdict["error"]) == (False, 402, "wrong_preimage")
    nothing = requests.post(check, json={"authorization": "L402 x:" + "00" * 32}, timeout=5)
    assert nothing.json()["error"] == "invalid_token"
