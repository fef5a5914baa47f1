"""An agent that buys an SMS verification code over L402, as an autonomous agent does.

It orders (the service answers 402 with a challenge), pays the challenge's invoice from its
wallet (``pay`` returns the preimage, the payment's receipt), then polls the order with
``Authorization: L402 <macaroon>:<preimage>`` until the code comes or the order ends. It hands
the service a ``refundInvoice`` of its own, so a failed order pays it back.

Time comes from ``sleep`` and ``now`` so a test can drive the polling on a simulated clock.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

FINAL = {"completed", "refunded", "failed", "expired", "cancelled"}
_CHALLENGE = re.compile(r'^L402 macaroon="([^"]+)", invoice="([^"]+)"$')


@dataclass
class Challenge:
    order_id: str
    price_sats: int
    macaroon: str
    invoice: str


@dataclass
class Outcome:
    order_id: str
    status: str
    code: str | None = None
    phone_number: str | None = None
    paid_sats: int = 0
    refund: dict[str, Any] = field(default_factory=dict)


class AgentError(Exception):
    """The service refused outright (its error envelope), or broke the protocol."""


class SmsAgent:
    def __init__(
        self,
        base_url: str,
        pay: Callable[[str], str],
        *,
        refund_invoice: Callable[[], str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], float] = time.monotonic,
        max_price_sats: int = 10_000,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.pay = pay  # the wallet: pays a BOLT11 invoice, returns the hex preimage
        self.refund_invoice = refund_invoice
        self.sleep, self.now = sleep, now
        self.max_price_sats = max_price_sats

    def order(self, service: str, country: str = "auto", **extra: Any) -> Challenge:
        """Ask for a number; the answer is a 402 with the challenge that pays for it."""
        body: dict[str, Any] = {"type": "receive-sms", "country": country, "service": service}
        body.update(extra)
        if self.refund_invoice is not None:
            body["refundInvoice"] = self.refund_invoice()
        response = requests.post(f"{self.base_url}/v2/l402/order", json=body, timeout=10)
        if response.status_code != 402:
            raise AgentError(
                f"expected a 402 challenge, got {response.status_code}: {response.text}"
            )
        found = _CHALLENGE.match(response.headers.get("WWW-Authenticate", ""))
        if found is None:
            raise AgentError("the 402 carries no L402 challenge")
        data = response.json()
        return Challenge(data["orderId"], data["priceSats"], found.group(1), found.group(2))

    def get_code(
        self,
        service: str,
        country: str = "auto",
        *,
        poll_every: float = 5,
        timeout: float = 25 * 60,
    ) -> Outcome:
        """Order, pay, poll: the code, or how the order ended (refunded, expired...)."""
        challenge = self.order(service, country)
        if challenge.price_sats > self.max_price_sats:
            raise AgentError(f"{challenge.price_sats} sats is above this agent's budget")
        token = self.pay_for(challenge)
        started = self.now()
        while True:
            status = self._poll(challenge.order_id, token)
            if status["status"] in FINAL or status.get("code") or self.now() - started > timeout:
                return Outcome(
                    challenge.order_id,
                    status["status"],
                    status.get("code"),
                    status.get("phoneNumber"),
                    challenge.price_sats,
                    status.get("refund") or {},
                )
            self.sleep(poll_every)

    def pay_for(self, challenge: Challenge) -> str:
        """Pay the challenge: the Authorization its macaroon and the payment's preimage make."""
        return f"L402 {challenge.macaroon}:{self.pay(challenge.invoice)}"

    def cancel(self, order_id: str, token: str) -> dict[str, Any]:
        response = requests.post(
            f"{self.base_url}/v2/l402/order/{order_id}/cancel",
            headers={"Authorization": token},
            timeout=10,
        )
        if response.status_code != 200:
            raise AgentError(f"cancel refused ({response.status_code}): {response.text}")
        return dict(response.json())

    def _poll(self, order_id: str, token: str) -> dict[str, Any]:
        response = requests.get(
            f"{self.base_url}/v2/l402/order/{order_id}",
            headers={"Authorization": token},
            timeout=10,
        )
        if response.status_code != 200:
            raise AgentError(f"poll refused ({response.status_code}): {response.text}")
        return dict(response.json())
