"""A driver for L402 tests over real HTTP: the agent's calls and the control calls, by name."""

from __future__ import annotations

import hashlib
from typing import Any

import bolt11
import requests
from coincurve import PrivateKey

ORDER = {"type": "receive-sms", "country": "auto", "service": "tg"}
WALLET_KEY = PrivateKey(hashlib.sha256(b"an agent's wallet").digest())


class Agent:
    """One agent on a served simulator (a world's base URL)."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")

    # the L402 API
    def order(self, **body: Any) -> requests.Response:
        """POST an order: the usual one, with ``body``'s fields changed (None: left out)."""
        fields = {k: v for k, v in {**ORDER, **body}.items() if v is not None}
        return requests.post(f"{self.base}/v2/l402/order", json=fields, timeout=5)

    def challenge(self, **body: Any) -> dict[str, Any]:
        response = self.order(**body)
        assert response.status_code == 402, response.text
        return dict(response.json())

    def get(self, order_id: str, authorization: str | None = None) -> requests.Response:
        headers = {"Authorization": authorization} if authorization is not None else {}
        return requests.get(f"{self.base}/v2/l402/order/{order_id}", headers=headers, timeout=5)

    def status(self, order_id: str, authorization: str) -> dict[str, Any]:
        response = self.get(order_id, authorization)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def cancel(self, order_id: str, authorization: str | None) -> requests.Response:
        headers = {"Authorization": authorization} if authorization is not None else {}
        return requests.post(
            f"{self.base}/v2/l402/order/{order_id}/cancel", headers=headers, timeout=5
        )

    # the simulated wallet and the control API
    def pay(self, invoice: str) -> str:
        """Pay an invoice; the preimage the payment revealed."""
        response = requests.post(
            f"{self.base}/_mock/lightning/pay", json={"payreq": invoice}, timeout=5
        )
        assert response.status_code == 200, response.text
        assert response.json()["state"] == "SETTLED"
        return str(response.json()["preimage"])

    def paid(self, **body: Any) -> tuple[dict[str, Any], str]:
        """An order paid for: its challenge and the Authorization that reads it."""
        challenge = self.challenge(**body)
        preimage = self.pay(challenge["invoice"])
        return challenge, f"L402 {challenge['macaroon']}:{preimage}"

    def advance(self, seconds: float) -> None:
        response = requests.post(
            f"{self.base}/_mock/clock/advance", json={"seconds": seconds}, timeout=5
        )
        assert response.status_code == 200, response.text

    def now(self) -> float:
        return float(requests.get(f"{self.base}/_mock/clock", timeout=5).json()["timestamp"])

    def control(self, order_id: str) -> dict[str, Any]:
        response = requests.get(f"{self.base}/_mock/l402/orders/{order_id}", timeout=5)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def deliver(self, order_id: str, code: str | None = None) -> requests.Response:
        body = {"code": code} if code is not None else None
        return requests.post(f"{self.base}/_mock/l402/orders/{order_id}/sms", json=body, timeout=5)

    def scenario(self, l402: str) -> None:
        """Switch to a scenario whose ``l402:`` section is ``l402`` (YAML flow text)."""
        text = f"name: l402-test\nseed: 1\nclock: {{mode: virtual}}\nl402: {l402}\n"
        response = requests.put(f"{self.base}/_mock/scenario", json={"yaml": text}, timeout=5)
        assert response.status_code == 200, response.text

    def refund_invoice(self, amount_sat: int | None = None, network: str = "bc") -> str:
        """An invoice of the agent's own wallet (no amount unless given), made now."""
        return refund_invoice(self.now(), amount_sat, network)


def refund_invoice(
    now: float, amount_sat: int | None = None, network: str = "bc", expiry: int = 3600
) -> str:
    """A BOLT11 invoice of the agent's own wallet (not the simulator's node), made ``now``."""
    invoice = bolt11.Bolt11(
        currency=network,
        date=int(now),
        amount_msat=bolt11.MilliSatoshi(amount_sat * 1000) if amount_sat else None,
        tags=bolt11.Tags.from_dict(
            {
                "payment_hash": hashlib.sha256(f"refund {now} {amount_sat}".encode()).hexdigest(),
                "payment_secret": hashlib.sha256(b"secret").hexdigest(),
                "description": "refund",
                "expire_time": expiry,
            }
        ),
    )
    return bolt11.encode(invoice, WALLET_KEY.to_hex())


def payment_hash_of(payreq: str) -> str:
    return str(bolt11.decode(payreq).payment_hash)
