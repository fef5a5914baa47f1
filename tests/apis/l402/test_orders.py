"""L402 orders over HTTP, on the clock: paid, numbered, coded, completed; refunded, cancelled,
reactivated, rented. Money in sats, exact, on every path."""

from __future__ import annotations

import hashlib

import bolt11
import pytest
import requests

from tests.apis.l402.agent import Agent, payment_hash_of

WINDOW = 20 * 60


@pytest.fixture
def agent(live: str) -> Agent:
    return Agent(live)


def test_a_new_order_is_a_402_with_a_challenge_that_decodes(agent: Agent) -> None:
    response = agent.order()
    assert response.status_code == 402
    body = response.json()
    header = response.headers["WWW-Authenticate"]
    assert header == f'L402 macaroon="{body["macaroon"]}", invoice="{body["invoice"]}"'
    invoice = bolt11.decode(body["invoice"])  # a real, signed BOLT11 invoice
    assert invoice.amount_msat == body["priceSats"] * 1000 == 2_500_000
    assert invoice.payment_hash == body["paymentHash"]
    node = requests.get(f"{agent.base}/_mock/lightning/invoices/{body['paymentHash']}", timeout=5)
    assert (node.json()["state"], node.json()["hold"]) == ("OPEN", False)  # ordinary invoice
    assert (body["type"], body["service"], body["country"]) == ("receive-sms", "tg", "US")
    assert body["error"] == "payment_required"


def test_the_whole_agent_flow_on_the_clock(agent: Agent) -> None:
    challenge, token = agent.paid()
    order_id = challenge["orderId"]
    preimage = token.rsplit(":", 1)[1]
    assert hashlib.sha256(bytes.fromhex(preimage)).hexdigest() == challenge["paymentHash"]
    assert agent.status(order_id, token)["status"] == "paid"
    agent.advance(2)
    numbered = agent.status(order_id, token)
    assert numbered["status"] == "waiting_for_sms"
    assert numbered["phoneNumber"].startswith("+1") and len(numbered["phoneNumber"]) == 12
    assert "code" not in numbered
    agent.advance(13)
    coded = agent.status(order_id, token)
    assert coded["status"] == "code_received" and len(coded["code"]) == 6
    agent.advance(WINDOW)
    done = agent.status(order_id, token)
    assert (done["status"], done["code"]) == ("completed", coded["code"])
    money = agent.control(order_id)
    assert (money["paidSats"], money["refundedSats"], money["invoice_state"]) == (
        2500,
        0,
        "SETTLED",
    )
    assert "refund" not in done


def test_no_code_within_the_window_is_refunded_to_the_refund_invoice(agent: Agent) -> None:
    agent.scenario("{outcomes: [{outcome: no_code}]}")
    refund_to = agent.refund_invoice()
    challenge, token = agent.paid(refundInvoice=refund_to)
    agent.advance(WINDOW - 1)
    assert agent.status(challenge["orderId"], token)["status"] == "waiting_for_sms"
    agent.advance(1)
    ended = agent.status(challenge["orderId"], token)
    assert ended["status"] == "refunded"
    assert ended["refund"]["status"] == "paid"
    assert ended["refund"]["sats"] == challenge["priceSats"] == 2500
    seen = agent.control(challenge["orderId"])
    assert (seen["paidSats"], seen["refundedSats"]) == (2500, 2500)
    assert seen["refund_invoice"] == refund_to
    assert seen["pending_events"] == []


def test_no_code_and_no_refund_invoice_ends_expired_with_nothing_back(agent: Agent) -> None:
    agent.scenario("{outcomes: [{outcome: no_code}]}")
    challenge, token = agent.paid()
    agent.advance(WINDOW)
    ended = agent.status(challenge["orderId"], token)
    assert ended["status"] == "expired"
    assert ended["refund"]["status"] == "none" and ended["refund"]["sats"] == 0
    assert agent.control(challenge["orderId"])["refundedSats"] == 0


def test_no_number_fails_and_refunds(agent: Agent) -> None:
    agent.scenario("{outcomes: [{service: tg, outcome: no_number}]}")
    challenge, token = agent.paid(refundInvoice=agent.refund_invoice())
    agent.advance(2)
    ended = agent.status(challenge["orderId"], token)
    assert ended["status"] == "failed" and "phoneNumber" not in ended
    assert ended["refund"] == {
        "status": "paid",
        "sats": 2500,
        "reason": "no number was available",
        "paidAt": ended["refund"]["paidAt"],
    }


def test_a_delayed_refund_is_pending_then_paid(agent: Agent) -> None:
    agent.scenario("{outcomes: [{outcome: no_code}], refund: {after: 30}}")
    challenge, token = agent.paid(refundInvoice=agent.refund_invoice())
    agent.advance(WINDOW)
    assert agent.status(challenge["orderId"], token)["refund"]["status"] == "pending"
    assert agent.control(challenge["orderId"])["refundedSats"] == 0
    agent.advance(30)
    assert agent.status(challenge["orderId"], token)["refund"]["status"] == "paid"
    assert agent.control(challenge["orderId"])["refundedSats"] == 2500


def test_a_refund_that_cannot_be_paid_ends_failed(agent: Agent) -> None:
    agent.scenario("{outcomes: [{outcome: no_code}], refund: {outcome: failed}}")
    challenge, token = agent.paid(refundInvoice=agent.refund_invoice())
    agent.advance(WINDOW)
    ended = agent.status(challenge["orderId"], token)
    assert (ended["status"], ended["refund"]["status"]) == ("failed", "failed")
    assert agent.control(challenge["orderId"])["refundedSats"] == 0


def test_a_refund_invoice_that_expires_first_gets_nothing(agent: Agent) -> None:
    agent.scenario("{outcomes: [{outcome: no_code}], timing: {window: 7200}}")
    challenge, token = agent.paid(refundInvoice=agent.refund_invoice())  # expires in 1 h
    agent.advance(7200)
    ended = agent.status(challenge["orderId"], token)
    assert (ended["status"], ended["refund"]["status"]) == ("failed", "failed")
    assert "expired" in ended["refund"]["reason"]


def test_cancel_before_the_code_refunds_once(agent: Agent) -> None:
    challenge, token = agent.paid(refundInvoice=agent.refund_invoice())
    agent.advance(5)
    first = agent.cancel(challenge["orderId"], token)
    assert first.status_code == 200, first.text
    assert (first.json()["status"], first.json()["refund"]["sats"]) == ("cancelled", 2500)
    again = agent.cancel(challenge["orderId"], token)
    assert again.status_code == 200 and again.json() == first.json()
    agent.advance(WINDOW)  # no code comes to a cancelled order
    seen = agent.control(challenge["orderId"])
    assert (seen["status"], seen["refundedSats"], seen["pending_events"]) == ("cancelled", 2500, [])


def test_cancel_after_the_code_is_a_conflict(agent: Agent) -> None:
    challenge, token = agent.paid(refundInvoice=agent.refund_invoice())
    agent.advance(15)
    refused = agent.cancel(challenge["orderId"], token)
    assert refused.status_code == 409
    assert refused.json()["error"] == "conflict"
    assert agent.control(challenge["orderId"])["refundedSats"] == 0


def test_reactivation_reuses_the_number_for_a_new_code(agent: Agent) -> None:
    first, token = agent.paid()
    agent.advance(15)
    earlier = agent.status(first["orderId"], token)
    again = agent.challenge(type="receive-sms-reactivate", orderId=first["orderId"], service=None)
    assert (again["type"], again["priceSats"], again["service"]) == (
        "receive-sms-reactivate",
        1500,
        "tg",
    )
    token2 = f"L402 {again['macaroon']}:{agent.pay(again['invoice'])}"
    agent.advance(15)
    reactivated = agent.status(again["orderId"], token2)
    assert reactivated["phoneNumber"] == earlier["phoneNumber"]
    assert reactivated["status"] == "code_received" and reactivated["code"] != earlier["code"]
    assert reactivated["reactivates"] == first["orderId"]


def test_reactivation_is_refused_for_unknown_uncoded_or_stale_orders(agent: Agent) -> None:
    unknown = agent.order(type="receive-sms-reactivate", orderId="no-such-order", service=None)
    assert (unknown.status_code, unknown.json()["error"]) == (404, "not_found")
    paid, _ = agent.paid()
    uncoded = agent.order(type="receive-sms-reactivate", orderId=paid["orderId"])
    assert (uncoded.status_code, uncoded.json()["error"]) == (409, "conflict")
    agent.advance(15 + 4 * 3600 + 1)  # its code came, then the reactivation window passed
    stale = agent.order(type="receive-sms-reactivate", orderId=paid["orderId"])
    assert stale.status_code == 409 and "over" in stale.json()["message"]
    missing = agent.order(type="receive-sms-reactivate")
    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_order")


def test_a_rented_number_takes_many_sms_until_the_rental_ends(agent: Agent) -> None:
    challenge, token = agent.paid(type="rent-number", days=3, service="wa", country="DE")
    assert challenge["priceSats"] == 3 * 20000
    agent.advance(15)
    active = agent.status(challenge["orderId"], token)
    assert active["status"] == "active" and active["phoneNumber"].startswith("+49")
    assert agent.deliver(challenge["orderId"], "111222").status_code == 200
    assert agent.deliver(challenge["orderId"], "333444").status_code == 200
    seen = agent.status(challenge["orderId"], token)
    assert [m["code"] for m in seen["messages"]] == [active["code"], "111222", "333444"]
    assert seen["code"] == "333444"
    assert agent.cancel(challenge["orderId"], token).status_code == 409  # it received SMS
    agent.advance(3 * 86400)
    assert agent.status(challenge["orderId"], token)["status"] == "completed"
    assert agent.deliver(challenge["orderId"]).status_code == 409
    assert agent.control(challenge["orderId"])["paidSats"] == 60000


def test_an_unpaid_order_whose_invoice_expires_is_gone(agent: Agent) -> None:
    challenge = agent.challenge()
    agent.advance(3600)
    gone = agent.get(challenge["orderId"])
    assert (gone.status_code, gone.json()["error"]) == (410, "order_expired")
    assert agent.control(challenge["orderId"])["invoice_state"] == "CANCELED"
    late = requests.post(
        f"{agent.base}/_mock/lightning/pay", json={"payreq": challenge["invoice"]}, timeout=5
    )
    assert late.status_code == 409


def test_the_paid_retry_of_the_order_answers_the_order(agent: Agent) -> None:
    challenge, token = agent.paid()
    retry = requests.post(
        f"{agent.base}/v2/l402/order",
        json={"type": "receive-sms", "country": "auto", "service": "tg"},
        headers={"Authorization": token},
        timeout=5,
    )
    assert retry.status_code == 200
    assert (retry.json()["orderId"], retry.json()["status"]) == (challenge["orderId"], "paid")


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"service": "nope"}, 400, "unknown_service"),
        ({"country": "ZZ"}, 400, "unknown_country"),
        ({"service": None}, 400, "invalid_order"),
        ({"days": 2}, 400, "invalid_order"),
        ({"type": "buy-sms"}, 400, "invalid_request"),
        ({"refundInvoice": "lnbc1notaninvoice"}, 400, "invalid_refund_invoice"),
    ],
)
def test_bad_orders_are_refused_in_the_envelope(
    agent: Agent, body: dict, status: int, error: str
) -> None:
    response = agent.order(**body)
    assert response.status_code == status, response.text
    assert set(response.json()) == {"error", "message"}
    assert response.json()["error"] == error


def test_a_refund_invoice_must_be_payable(agent: Agent) -> None:
    wrong_amount = agent.order(refundInvoice=agent.refund_invoice(amount_sat=1000))
    assert wrong_amount.status_code == 400 and "2500 sats" in wrong_amount.json()["message"]
    for_the_price = agent.order(refundInvoice=agent.refund_invoice(amount_sat=2500))
    assert for_the_price.status_code == 402
    testnet = agent.order(refundInvoice=agent.refund_invoice(network="tb"))
    assert testnet.status_code == 400 and "network" in testnet.json()["message"]


def test_no_stock_is_refused_before_anything_is_paid(agent: Agent) -> None:
    agent.scenario("{stock: [{service: tg, count: 0}]}")
    refused = agent.order()
    assert (refused.status_code, refused.json()["error"]) == (400, "no_numbers")
    assert agent.order(service="wa").status_code == 402


def test_prices_and_the_catalog_come_from_the_scenario(agent: Agent) -> None:
    agent.scenario(
        "{prices: {receive-sms: 3100,"
        " overrides: [{type: receive-sms, service: wa, country: GB, price: 4200}]}}"
    )
    assert agent.challenge()["priceSats"] == 3100
    assert agent.challenge(service="wa", country="gb")["priceSats"] == 4200
    offers = requests.get(
        f"{agent.base}/v2/l402/catalog", params={"country": "GB", "service": "wa"}, timeout=5
    ).json()["offers"]
    assert {(o["type"], o["priceSats"]) for o in offers} == {
        ("receive-sms", 4200),
        ("rent-number", 20000),
    }


def test_every_world_has_its_own_orders(live: str) -> None:
    one, two = Agent(f"{live}/worlds/agent-a"), Agent(f"{live}/worlds/agent-b")
    challenge, token = one.paid()
    assert one.status(challenge["orderId"], token)["status"] == "paid"
    assert two.get(challenge["orderId"], token).status_code == 404
    assert payment_hash_of(challenge["invoice"]) == challenge["paymentHash"]


def test_the_free_endpoints(agent: Agent) -> None:
    assert requests.get(f"{agent.base}/health", timeout=5).json()["status"] == "ok"
    index = requests.get(f"{agent.base}/v2/l402", timeout=5).json()
    assert index["orderTypes"] == ["receive-sms", "receive-sms-reactivate", "rent-number"]
    directory = requests.get(f"{agent.base}/.well-known/l402-services", timeout=5).json()
    assert directory["services"][0]["pricing"]["receive-sms"] == 2500
    services = requests.get(f"{agent.base}/v2/l402/services", timeout=5).json()["services"]
    assert services[0] == {"code": "tg", "name": "Telegram"}
    everything = requests.get(
        f"{agent.base}/v2/l402/catalog", params={"country": "", "service": ""}, timeout=5
    ).json()["offers"]
    assert len(everything) == 10 * 10 * 2
    unknown = requests.get(f"{agent.base}/v2/l402/nothing", timeout=5)
    assert (unknown.status_code, unknown.json()["error"]) == (404, "not_found")
