"""sms4sats errors and their envelope: ``{"status": "error", "reason": "..."}``.

Order-level failures after an order exists (no number, no code) are not errors: they answer
``status: "OK"`` with an ``error`` text, as documented. These are the requests refused outright.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mock_server.engine.errors import SimulatorError
from mock_server.spec.api import Reply

if TYPE_CHECKING:
    from mock_server.spec.document import Operation

MISSING_API_KEY = "X-API-Key header is missing."


class Sms4satsError(SimulatorError):
    """Base of the errors sms4sats answers with; 400 unless said otherwise."""

    status = 400


class UnknownCountry(Sms4satsError):
    message = "unknown country"


class UnknownService(Sms4satsError):
    message = "unknown service"


class NoNumbers(Sms4satsError):
    message = "No available number for this service and country."


class OrderNotFound(Sms4satsError):
    """400 on /orderstatus and /cancelorder (their documented statuses); 404 on /_mock."""

    message = "order not found"
    kind = "not_found"


class CancelRefused(Sms4satsError):
    message = "order cannot be canceled"


class InsufficientBalance(Sms4satsError):
    message = "Insufficient balance."


class BalanceTooLarge(Sms4satsError):
    message = "A balance holds at most 21,000,000 BTC (2,100,000,000,000,000 sats)."


class InvalidRef(Sms4satsError):
    """Only when a scenario says ``invalid_ref: refuse``; by default such a ref pays nobody."""

    message = "ref: not a Lightning address (user@domain) or an LNURL (lnurl1...)"


class TooManyRequests(Sms4satsError):
    """Only when a scenario sets an sms4sats rate limit (the documents show none)."""

    status = 429
    message = "Too many requests, please try again later."
    kind = "rate_limited"
    deliberate = True


class ApiKeyRequired(Sms4satsError):
    message = MISSING_API_KEY


def render_error(error: SimulatorError, operation: Operation | None) -> Reply:
    """Every sms4sats error in the documented envelope.

    A missing ``X-API-Key`` is answered 400, as the documents show for /balance and /history.
    """
    reason = MISSING_API_KEY if error.kind == "unauthorized" else error.message
    status = 400 if error.kind == "unauthorized" else error.status
    return Reply({"status": "error", "reason": reason}, status, dict(error.headers))
