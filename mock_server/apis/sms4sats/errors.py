"""sms4sats errors and their envelope: ``{"status": "error", "reason": "..."}``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mock_server.engine.errors import SimulatorError
from mock_server.spec.pipeline import Reply

if TYPE_CHECKING:
    from mock_server.spec.document import Operation

MISSING_API_KEY = "X-API-Key header is missing."


class Sms4satsError(SimulatorError):
    """Base of the errors sms4sats answers with."""


def render_error(error: SimulatorError, operation: Operation | None) -> Reply:
    """Every sms4sats error in the documented envelope.

    A missing ``X-API-Key`` is answered 400, as the documents show for /balance and /history.
    """
    if error.kind == "unauthorized":
        return Reply({"status": "error", "reason": MISSING_API_KEY}, 400, dict(error.headers))
    return Reply({"status": "error", "reason": error.message}, error.status, dict(error.headers))
