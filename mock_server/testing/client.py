"""A client of the control API (``/_mock``) for a simulator running anywhere.

Standard library only, so it works wherever sms-mock is installed. Errors carry the server's
own message.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal
from typing import Any

DEFAULT_URL = "http://127.0.0.1:8080"
WORLD_HEADER = "X-Mock-World"
TOKEN_VARIABLE = "SMS_MOCK_TOKEN"  # the control token of `serve --control-token`
SERVE_TOKEN_VARIABLE = (
    "SMS_MOCK_CONTROL_TOKEN"  # the one `serve` reads, taken when the first is unset
)


class ControlError(Exception):
    """The simulator refused a control request; ``message`` is its own explanation."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class SimulatorUnavailable(ConnectionError):
    """Nothing answered at the URL: the simulator is not running there."""


class ControlClient:
    """The control API of one world: ``world`` (sent as X-Mock-World), or the world
    ``base_url`` points into (``http://host:8080/worlds/NAME``), else ``default``."""

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        timeout: float = 10.0,
        token: str | None = None,
        world: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.world = world
        if token is None:
            token = os.environ.get(TOKEN_VARIABLE) or os.environ.get(SERVE_TOKEN_VARIABLE)
        self.token = token

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

    def clock(self) -> dict[str, Any]:
        return self._call("GET", "/_mock/clock")

    def set_clock(self, now: str) -> dict[str, Any]:
        """Move the clock forward to an ISO 8601 time."""
        return self._call("POST", "/_mock/clock/set", {"now": now})

    def scenario(self) -> dict[str, Any]:
        return self._call("GET", "/_mock/scenario")

    def use_scenario(self, name: str) -> dict[str, Any]:
        """Switch behaviour to another scenario, keeping state and clock."""
        return self._call("PUT", "/_mock/scenario", {"name": name})

    def load_scenario(self, yaml_text: str) -> dict[str, Any]:
        """Send a scenario's YAML and switch to it, keeping state and clock; its name can then
        be given to :meth:`reset`, :meth:`use_scenario` and X-Mock-Scenario."""
        return self._call("PUT", "/_mock/scenario", {"yaml": yaml_text})

    def pay(self, payreq: str) -> dict[str, Any]:
        """A simulated wallet pays an invoice; answers the invoice: a hold invoice ACCEPTED, an
        ordinary one (an L402 challenge's) SETTLED, with the ``preimage`` that is its receipt."""
        return self._call("POST", "/_mock/lightning/pay", {"payreq": payreq})

    def invoice(self, payment_hash: str) -> dict[str, Any]:
        """A hold invoice: ``state`` (OPEN, ACCEPTED, SETTLED, CANCELED), amount, preimage."""
        return self._call("GET", f"/_mock/lightning/invoices/{urllib.parse.quote(payment_hash)}")

    def deliver_code(self, order_id: str, code: str | None = None) -> dict[str, Any]:
        """An activation code arrives for a paid sms4sats receive order."""
        return self.deliver("sms4sats", order_id, code=code)

    def deliver_sms(
        self,
        order_id: int | str,
        otp: str | None = None,
        message: str | None = None,
        sender: str | None = None,
    ) -> dict[str, Any]:
        """An inbound SMS arrives for a smsVerificationService order (and its callback goes out)."""
        return self.deliver("smsverify", order_id, otp=otp, message=message, sender=sender)

    def add_account(
        self,
        api: str,
        api_key: str,
        balance: int | str | None = None,
        callback_url: str | None = None,
    ) -> dict[str, Any]:
        """Add an account to ``api`` (its name, as in POST /_mock/NAME/accounts), or top it up.

        sms4sats: ``balance`` in sats, added to the account's. smsverify: the balance set, USD
        as a string ("25.00") or whole dollars, and the URL its callbacks go to.
        """
        given = {"api_key": api_key, "balance": balance, "callback_url": callback_url}
        body = {
            k: str(v) if isinstance(v, Decimal) else v for k, v in given.items() if v is not None
        }
        return self._call("POST", f"/_mock/{_q(api)}/accounts", body)

    def order(self, api: str, order_id: int | str) -> dict[str, Any]:
        """Everything about an order of ``api`` (GET /_mock/NAME/orders/{id}): its state, money,
        invoice and the events still to come."""
        return self._call("GET", f"/_mock/{api}/orders/{urllib.parse.quote(str(order_id))}")

    def deliver(self, api: str, order_id: int | str, **fields: Any) -> dict[str, Any]:
        """A code or an SMS arrives now for an order of ``api`` (``fields``: what that API's
        POST /_mock/NAME/orders/{id}/sms takes, e.g. ``code`` or ``otp``)."""
        body = {k: v for k, v in fields.items() if v is not None} or None
        return self._call("POST", f"/_mock/{_q(api)}/orders/{_q(order_id)}/sms", body)

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """The request journal, oldest first; filter: api, method, path (glob), operation, limit."""
        return self._call("GET", "/_mock/requests" + _query(filters))["requests"]

    def clear_requests(self) -> int:
        return self._call("DELETE", "/_mock/requests")["cleared"]

    def callbacks(self, **filters: Any) -> list[dict[str, Any]]:
        """Every callback and webhook sent: url, payload, attempts, state; filter by api, state."""
        return self._call("GET", "/_mock/callbacks" + _query(filters))["callbacks"]

    # -- the server's worlds (whichever world this client is in) ------------------------
    def worlds(self) -> dict[str, Any]:
        """Every world of the server (``worlds``, ``count``) and its ``limits``."""
        return self._call("GET", "/_mock/worlds", in_world=False)

    def create_world(
        self,
        name: str,
        scenario: str | None = None,
        *,
        seed: int | None = None,
        clock: str | None = None,
    ) -> dict[str, Any]:
        """A new world (from the server's scenario, seed and clock unless given)."""
        given = {"name": name, "scenario": scenario, "seed": seed, "clock": clock}
        body = {k: v for k, v in given.items() if v is not None}
        return self._call("POST", "/_mock/worlds", body, in_world=False)

    def get_world(self, name: str) -> dict[str, Any]:
        return self._call("GET", f"/_mock/worlds/{_q(name)}", in_world=False)

    def drop_world(self, name: str) -> dict[str, Any]:
        return self._call("DELETE", f"/_mock/worlds/{_q(name)}", in_world=False)

    # -- plumbing ------------------------------------------------------------------------
    def _call(self, method: str, path: str, body: Any = None, *, in_world: bool = True) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        headers: dict[str, Any] = {"Content-Type": "application/json"} if data else {}
        if self.world and in_world:
            headers[WORLD_HEADER] = self.world
        if self.token:  # as UTF-8 bytes: the server compares the token's UTF-8 (http.client
            # would send a str as Latin-1)
            headers["Authorization"] = b"Bearer " + self.token.encode("utf-8", "surrogateescape")
        request = urllib.request.Request(
            self.base_url + path, data=data, method=method, headers=headers
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


def _query(filters: dict[str, Any]) -> str:
    given = {k: v for k, v in filters.items() if v is not None}
    return "?" + urllib.parse.urlencode(given) if given else ""


def _q(value: object) -> str:
    return urllib.parse.quote(str(value), safe="")


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
