"""An sms4sats integration: get an activation code for a service, paying by Lightning.

A real app shows the invoice to its user (or pays it from its own node); here ``pay`` is that
step. Time comes from ``sleep`` and ``now`` so the polling can be driven by a test clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

CANCEL_AFTER = 120  # the service lets a receive order be canceled 2 minutes after it was made


@dataclass
class Result:
    order_id: str
    code: str | None = None
    error: str | None = None
    canceled: bool = False


class Sms4satsError(Exception):
    """The service refused a request outright (an error envelope)."""


class Sms4satsApp:
    def __init__(
        self,
        base_url: str,
        *,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], float] = time.monotonic,
        retries: int = 5,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.sleep = sleep
        self.now = now
        self.retries = retries

    def get_code(
        self,
        country: int | str,
        service: str,
        pay: Callable[[str], None],
        *,
        timeout: float = 25 * 60,
        poll_every: float = 5,
    ) -> Result:
        """Order a number, pay, poll until the code or an error comes; cancel on timeout."""
        order = self._call("POST", "/createorder", json={"country": country, "service": service})
        result = Result(order["orderId"])
        pay(order["payreq"])
        started = self.now()
        while self.now() - started < timeout:
            status = self._call("GET", "/orderstatus", params={"orderId": result.order_id})
            if status.get("code") is not None:
                result.code = str(status["code"])
                return result
            if status.get("error"):  # "status OK + error": the order failed and was refunded
                result.error = status["error"]
                return result
            self.sleep(poll_every)
        if self.now() - started >= CANCEL_AFTER:
            self._call("GET", "/cancelorder", params={"orderId": result.order_id})
            result.canceled = True
        result.error = "timed out waiting for the code"
        return result

    def _call(self, method: str, path: str, **kwargs: object) -> dict:
        """One request, retried on 5xx, resets and broken JSON (with a short pause)."""
        for attempt in range(self.retries):
            try:
                response = requests.request(method, self.base_url + path, timeout=10, **kwargs)  # type: ignore[arg-type]
                if response.status_code >= 500:
                    raise ConnectionError(f"{response.status_code} from sms4sats")
                body = response.json()
            except (requests.ConnectionError, ConnectionError, ValueError):
                if attempt == self.retries - 1:
                    raise
                self.sleep(1)
                continue
            if body.get("status") == "error":
                raise Sms4satsError(body.get("reason", "unknown error"))
            return body
        raise AssertionError("unreachable")
