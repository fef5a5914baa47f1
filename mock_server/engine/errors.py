"""Errors the simulator answers with, declared once and rendered in one place per API.

An error carries its HTTP shape (``status``, default ``message``, ``headers``) as class
attributes, as Werkzeug's exceptions do. Models raise them; each API's renderer puts the message
into that API's own envelope. ``kind`` lets a renderer recognise the generic request errors below
without importing this module's classes one by one.
"""

from __future__ import annotations


class SimulatorError(Exception):
    """Base of every error the simulator answers with on purpose."""

    status: int = 500
    message: str = "internal error"
    kind: str = "error"
    # Asked for by a scenario (a limit it sets): like a fault, exempt from strict checking.
    deliberate: bool = False

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        if message is not None:
            self.message = message
        if status is not None:
            self.status = status
        self.headers: dict[str, str] = dict(headers or {})
        super().__init__(self.message)


class InvalidRequest(SimulatorError):
    """The request does not match the operation's description (a parameter, the body)."""

    status = 400
    message = "invalid request"
    kind = "invalid_request"


class MissingCredentials(SimulatorError):
    """The operation needs credentials the request does not carry (or carries unknown ones)."""

    status = 401
    message = "missing credentials"
    kind = "unauthorized"


class NotFound(SimulatorError):
    status = 404
    message = "not found"
    kind = "not_found"


class MethodNotAllowed(SimulatorError):
    status = 405
    message = "method not allowed"
    kind = "method_not_allowed"

    def __init__(self, allowed: list[str]) -> None:
        super().__init__(
            f"method not allowed; allowed: {', '.join(allowed)}",
            headers={"Allow": ", ".join(allowed)},
        )


class PayloadTooLarge(SimulatorError):
    status = 413
    message = "request body too large"
    kind = "payload_too_large"
    deliberate = True  # the simulator's own limit, not an answer the descriptions document


class RateLimitExceeded(SimulatorError):
    """A 429; each API words it in its own envelope."""

    status = 429
    message = "Too many requests, please try again later."
    kind = "rate_limited"


class StateNotSaved(SimulatorError):
    """The state file could not be written (a full disk): the request's changes stay marked and
    are written by the next commit that succeeds, with everything else marked since."""

    status = 503
    message = "the simulator could not write its state file"
    kind = "state_not_saved"
    deliberate = True  # the simulator's own failure, not an answer the descriptions document
