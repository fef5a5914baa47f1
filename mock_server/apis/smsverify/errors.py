"""smsVerificationService errors and their two envelopes.

Each operation names its style in the description (``x-error-style``), read off the document:
``envelope`` -> ``{"success": false, "error": "..."}``, ``legacy`` -> ``{"error": "..."}``.
The 429 of the rate limit is legacy on every endpoint, as documented.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mock_server.engine.errors import MissingCredentials, SimulatorError
from mock_server.spec.api import Reply

if TYPE_CHECKING:
    from mock_server.spec.document import Operation

ENVELOPE = "envelope"
LEGACY = "legacy"
# The documents word the 401 differently in each envelope.
UNAUTHORIZED_TEXT = {LEGACY: "Invalid API key", ENVELOPE: "Invalid or missing API key"}
DOCUMENTED_429 = "Rate limit exceeded. Maximum 60 requests per minute."


class SmsVerifyError(SimulatorError):
    """Base of the errors smsVerificationService answers with."""

    status = 400


class InvalidApiKey(MissingCredentials):
    """A Bearer key that no account has."""


class NotFoundError(SmsVerifyError):
    status = 404
    message = "Not found"


class OrderNotFound(NotFoundError):
    message = "Order not found"


class ServiceNotAvailable(SmsVerifyError):
    message = "Service not available"


class InsufficientBalance(SmsVerifyError):
    status = 402
    message = "Insufficient balance"


class CannotCancel(SmsVerifyError):
    message = "Order cannot be cancelled"


class CannotRenew(SmsVerifyError):
    message = "Order cannot be renewed"


class ProviderFailure(SmsVerifyError):
    status = 500
    message = "Provider error: the order could not be placed. Your wallet was not charged."


class RateLimited(SmsVerifyError):
    status = 429
    kind = "rate_limited"

    def __init__(self, limit: int, window: float, retry_after: int) -> None:
        per = "minute" if window == 60 else f"{window:g} seconds"
        super().__init__(
            f"Rate limit exceeded. Maximum {limit} requests per {per}.",
            headers={"Retry-After": str(retry_after)},
        )


class OrderConflict(SmsVerifyError):
    """A simulated event the order's state does not allow (control API)."""

    status = 409


def error_style(operation: Operation | None) -> str:
    """The envelope an operation documents; unknown paths get the envelope style."""
    if operation is None:
        return ENVELOPE
    return str(operation.extensions.get("x-error-style", ENVELOPE))


def render_error(error: SimulatorError, operation: Operation | None) -> Reply:
    style = LEGACY if error.kind == "rate_limited" else error_style(operation)
    message = UNAUTHORIZED_TEXT[style] if error.kind == "unauthorized" else error.message
    if error.kind == "rate_limited" and not isinstance(error, RateLimited):
        message = DOCUMENTED_429  # a rate_limit fault speaks as the documented limit does
    body: dict[str, object] = (
        {"error": message} if style == LEGACY else {"success": False, "error": message}
    )
    return Reply(body, error.status, dict(error.headers))
