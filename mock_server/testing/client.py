"""A client of the control API (``/_mock``) for a simulator running anywhere.

Standard library only, so it works wherever sms-mock is installed. Errors carry the server's
own message.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

DEFAULT_URL = "http://127.0.0.1:8080"


class ControlError(Exception):
    """The simulator refused a control request; ``message`` is its own explanation."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class SimulatorUnavailable(ConnectionError):
    """Nothing answered at the URL: the simulator is not running there."""


class ControlClient:
    def __init__(self, base_url: str = DEFAULT_URL, *, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    # -- the control API -----------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        return self._call("GET", "/_mock/health")

    def reset(self, scenario: str | None = None) -> dict[str, Any]:
        return self._call("POST", "/_mock/reset", {"scenario": scenario} if scenario else None)

    def advance(self, duration: float | str) -> dict[str, Any]:
        """Move the clock: seconds (``90``) or a duration (``"21m"``)."""
        body = (
            {"seconds": duration} if isinstance(duration, int | float) else {"duration": duration}
        )
        return self._call("POST", "/_mock/clock/advance", body)

    def pay(self, payreq: str) -> dict[str, Any]:
        """A simulated wallet pays a hold invoice; answers the invoice (now ACCEPTED)."""
        return self._call("POST", "/_mock/lightning/pay", {"payreq": payreq})

    def invoice(self, payment_hash: str) -> dict[str, Any]:
        return self._call("GET", f"/_mock/lightning/invoices/{urllib.parse.quote(payment_hash)}")

    # -- plumbing ------------------------------------------------------------------------
    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"} if data is not None else {},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise ControlError(exc.code, _message(exc.read())) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            raise SimulatorUnavailable(
                f"no simulator answers at {self.base_url} ({reason})"
            ) from None


def _message(raw: bytes) -> str:
    try:
        body = json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace").strip() or "no message"
    if isinstance(body, dict):
        for key in ("error", "reason"):
            if isinstance(body.get(key), str):
                return body[key]
    return json.dumps(body)
