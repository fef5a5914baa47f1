"""The L402 agent against sms-mock: paid, polled, refunded, all on the simulated clock."""

from __future__ import annotations

import hashlib

import bolt11
import pytest
from coincurve import PrivateKey

from examples.l402_agent.agent import AgentError, SmsAgent

AGENT_KEY = PrivateKey(hashlib.sha256(b"the agent's own wallet").digest())


def refund_invoice(now: float) -> str:
    """An invoice of the agent's own wallet, without an amount, made ``now``: where refunds go."""
    invoice = bolt11.Bolt11(
        currency="bc",
        date=int(now),
        tags=bolt11.Tags.from_dict(
            {
                "payment_hash": hashlib.sha256(b"refund").hexdigest(),
                "payment_secret": hashlib.sha256(b"secret").hexdigest(),
                "description": "refund",
                "expire_time": 86_400,
            }
        ),
    )
    return bolt11.encode(invoice, AGENT_KEY.to_hex())


def agent_for(sms_mock, **kwargs) -> SmsAgent:  # type: ignore[no-untyped-def]
    """The agent on the simulator's clock, paying from the simulated wallet."""
    clock = {"t": 0.0}

    def sleep(seconds: float) -> None:
        clock["t"] += seconds
        sms_mock.advance(seconds)

    def pay(invoice: str) -> str:
        return str(sms_mock.pay(invoice)["preimage"])  # an ordinary invoice: paid, settled

    return SmsAgent(sms_mock.url, pay, sleep=sleep, now=lambda: clock["t"], **kwargs)


def test_the_agent_pays_and_gets_its_code(sms_mock) -> None:  # type: ignore[no-untyped-def]
    outcome = agent_for(sms_mock).get_code("tg")
    assert outcome.status == "code_received"
    assert outcome.code is not None and len(outcome.code) == 6
    assert outcome.phone_number is not None and outcome.phone_number.startswith("+1")
    order = sms_mock.order("l402", outcome.order_id)
    assert (order["paidSats"], order["refundedSats"], order["invoice_state"]) == (
        2500,
        0,
        "SETTLED",
    )


def test_no_code_in_the_window_is_refunded_to_the_agent(sms_mock) -> None:  # type: ignore[no-untyped-def]
    sms_mock.load_scenario("name: quiet\nseed: 1\nl402: {outcomes: [{outcome: no_code}]}\n")
    made = sms_mock.clock()["timestamp"]  # the agent's wallet and the service share a clock
    agent = agent_for(sms_mock, refund_invoice=lambda: refund_invoice(made))
    outcome = agent.get_code("tg", poll_every=60)
    assert (outcome.status, outcome.code) == ("refunded", None)
    assert outcome.refund["status"] == "paid" and outcome.refund["sats"] == outcome.paid_sats
    assert sms_mock.order("l402", outcome.order_id)["refundedSats"] == 2500
    assert sms_mock.clock()["offset_seconds"] >= 20 * 60  # the window, in simulated time


def test_without_a_refund_invoice_nothing_comes_back(sms_mock) -> None:  # type: ignore[no-untyped-def]
    sms_mock.load_scenario("name: quiet\nseed: 1\nl402: {outcomes: [{outcome: no_code}]}\n")
    outcome = agent_for(sms_mock).get_code("tg", poll_every=60)
    assert outcome.status == "expired"
    assert outcome.refund["status"] == "none"
    assert sms_mock.order("l402", outcome.order_id)["refundedSats"] == 0


def test_an_agent_keeps_to_its_budget(sms_mock) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AgentError, match="budget"):
        agent_for(sms_mock, max_price_sats=1000).get_code("tg")


def test_an_unknown_service_is_refused_in_the_envelope(sms_mock) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AgentError, match="unknown_service"):
        agent_for(sms_mock).get_code("nope")


def test_an_agent_that_cancels_before_the_code_is_refunded(sms_mock) -> None:  # type: ignore[no-untyped-def]
    made = sms_mock.clock()["timestamp"]
    agent = agent_for(sms_mock, refund_invoice=lambda: refund_invoice(made))
    challenge = agent.order("wa", "GB")
    token = agent.pay_for(challenge)
    cancelled = agent.cancel(challenge.order_id, token)
    assert cancelled["status"] == "cancelled"
    assert cancelled["refund"]["sats"] == challenge.price_sats == 2500
    assert sms_mock.order("l402", challenge.order_id)["refundedSats"] == 2500
    with pytest.raises(AgentError, match="402"):  # a token is no good without its preimage
        agent.cancel(challenge.order_id, token.rsplit(":", 1)[0] + ":" + "0" * 64)
