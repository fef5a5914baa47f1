"""L402 API errors and their envelope: ``{"error": "<code>", "message": "<text>"}``.

A refusal of credentials (401) or a demand for payment (402) also carries the order's
challenge, in ``WWW-Authenticate`` and in the body, so an agent can always pay or retry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mock_server.engine.errors import SimulatorError
from mock_server.spec.api import Reply

if TYPE_CHECKING:
    from mock_server.spec.document import Operation


class L402Error(SimulatorError):
    """Base of the errors the L402 API answers with; 400 unless said otherwise."""

    status = 400
    code = "bad_request"


class UnknownService(L402Error):
    code = "unknown_service"
    message = "unknown service"


class UnknownCountry(L402Error):
    code = "unknown_country"
    message = "unknown country"


class NoNumbers(L402Error):
    code = "no_numbers"
    message = "no number available"


class InvalidOrder(L402Error):
    code = "invalid_order"
    message = "the order cannot be made as asked"


class InvalidRefundInvoice(L402Error):
    code = "invalid_refund_invoice"
    message = "refundInvoice is not a BOLT11 invoice refunds can be paid to"


class OrderNotFound(L402Error):
    status = 404
    code = "not_found"
    message = "order not found"
    kind = "not_found"


class OrderConflict(L402Error):
    status = 409
    code = "conflict"
    message = "the order's state does not allow it"


class OrderExpired(L402Error):
    status = 410
    code = "order_expired"
    message = "the order's invoice expired before it was paid"


class InvalidToken(L402Error):
    """Credentials that name no order (the control API's check; the API answers them with a
    fresh challenge)."""

    status = 401
    code = "invalid_token"
    message = "these are not the credentials of any order"


class Challenged(L402Error):
    """A 401 or 402 that hands the order's challenge back (see :func:`render_error`)."""

    def __init__(self, status: int, code: str, message: str, challenge: dict[str, Any]) -> None:
        header = f'L402 macaroon="{challenge["macaroon"]}", invoice="{challenge["invoice"]}"'
        super().__init__(message, status=status, headers={"WWW-Authenticate": header})
        self.code = code
        self.challenge = challenge


def render_error(error: SimulatorError, operation: Operation | None) -> Reply:
    """Every L402 API error in one envelope; the generic request errors by their kind."""
    code = getattr(error, "code", None) or error.kind
    body: dict[str, Any] = {"error": code, "message": error.message}
    if isinstance(error, Challenged):
        body.update(error.challenge)
    return Reply(body, error.status, dict(error.headers))
