"""smsVerificationService errors and their two envelopes.

Each operation names its style in the description (``x-error-style``), read off the document:
``envelope`` -> ``{"success": false, "error": "..."}``, ``legacy`` -> ``{"error": "..."}``.
The 429 of the rate limit is legacy on every endpoint, as documented.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mock_server.engine.errors import MissingCredentials, SimulatorError
from mock_server.spec.pipeline import Reply

if TYPE_CHECKING:
    from mock_server.spec.document import Operation

ENVELOPE = "envelope"
LEGACY = "legacy"
# The documents word the 401 differently in each envelope.
UNAUTHORIZED_TEXT = {LEGACY: "Invalid API key", ENVELOPE: "Invalid or missing API key"}


class SmsVerifyError(SimulatorError):
    """Base of the errors smsVerificationService answers with."""


class InvalidApiKey(MissingCredentials):
    """A Bearer key that no account has."""


def error_style(operation: Operation | None) -> str:
    """The envelope an operation documents; unknown paths get the envelope style."""
    if operation is None:
        return ENVELOPE
    return str(operation.extensions.get("x-error-style", ENVELOPE))


def render_error(error: SimulatorError, operation: Operation | None) -> Reply:
    style = error_style(operation)
    message = UNAUTHORIZED_TEXT[style] if error.kind == "unauthorized" else error.message
    body: dict[str, object] = (
        {"error": message} if style == LEGACY else {"success": False, "error": message}
    )
    return Reply(body, error.status, dict(error.headers))
