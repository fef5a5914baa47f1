"""Serving the faults the engine decides: delays on the clock, answers instead of the handler's,
bodies broken on purpose, and sockets closed without an answer.

The engine (:mod:`mock_server.engine.faults`) decides *whether* and *which*; this module knows
HTTP and WSGI and decides *how*.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mock_server.engine import jsonio
from mock_server.engine.errors import InvalidRequest, RateLimitExceeded
from mock_server.engine.faults import Fault, RequestFacts, apply_drift
from mock_server.engine.scenarios import Scenario, ScenarioError

if TYPE_CHECKING:
    from mock_server.engine.simulation import Simulation
    from mock_server.spec.api import ApiDefinition, Reply
    from mock_server.spec.document import Operation, SpecDocument

SCENARIO_HEADER = "X-Mock-Scenario"
RESET_KEY = "sms_mock.reset"  # set in the WSGI environ: close the socket instead of answering
CLOSED = 599  # the status of a reply that is a connection closed without an answer
INVALID_BODY = (
    "<html><head><title>502 Bad Gateway</title></head><body>502 Bad Gateway</body></html>"
)


def requested_scenario(sim: Simulation, headers: Any) -> Scenario | None:
    """The scenario named by X-Mock-Scenario, if any: one the server knows (its library, or
    one loaded through the control API); anything else, a path included, is a 400."""
    name = headers.get(SCENARIO_HEADER)
    if not name:
        return None
    try:
        return sim.scenario_named(name.strip())
    except ScenarioError:
        known = ", ".join(sim.known_scenarios())
        raise InvalidRequest(
            f"unknown scenario {name!r} in {SCENARIO_HEADER}; known scenarios: {known}"
        ) from None


def facts(api: str, op: Operation, path: str, headers: Any, raw_body: bytes) -> RequestFacts:
    try:
        body = jsonio.loads(raw_body) if raw_body else None
    except jsonio.JsonError:
        body = None
    return RequestFacts(api, op.method, path, op.path, op.operation_id, headers, body)


def before_handler(
    fault: Fault, api: ApiDefinition, op: Operation, doc: SpecDocument
) -> Reply | None:
    """Serve the part of a fault that comes before the handler; a Reply ends the request there
    (status 599: the connection is closed without an answer)."""
    from mock_server.spec.api import Reply

    action, params = fault.action, fault.params
    if action == "latency":  # it has waited (:class:`Hold`); the handler answers
        return None
    if action in ("reset", "timeout"):
        return Reply(None, CLOSED)
    if action == "respond":
        status = int(params["status"])
        headers = {str(k): str(v) for k, v in (params.get("headers") or {}).items()}
        return Reply(_documented_body(params, op, doc, status), status, headers)
    if action == "rate_limit":
        retry_after = str(params.get("retry_after", 60))
        return api.render_error(RateLimitExceeded(headers={"Retry-After": retry_after}), op)
    if action == "empty":
        return Reply(None, 200)
    return None  # malformed and drift change what the handler answers


HOLDING = ("latency", "timeout")  # the actions that hold a request on the clock


@dataclass(frozen=True)
class Hold:
    """A request waits until the world's clock has moved ``seconds`` on, listed as held.

    The pipeline yields it; whoever drives the pipeline waits: a thread blocks in :meth:`wait`,
    the server's event loop awaits the clock instead (and serves other requests meanwhile).
    """

    sim: Simulation
    seconds: float
    held: dict[str, Any]

    @classmethod
    def of(
        cls, fault: Fault, sim: Simulation, api: ApiDefinition, op: Operation, path: str
    ) -> Hold:
        held = {
            "api": api.name,
            "method": op.method,
            "path": path,
            "operation": op.operation_id,
            "fault": fault.rule,
            "action": fault.action,
        }  # what GET /_mock/clock says of the request while it waits
        return cls(sim, fault.delay, held)

    def wait(self) -> bool:
        """Block this thread until the clock gets there; True when it did."""
        return self.sim.wait(self.seconds, self.held)


def _documented_body(params: dict[str, Any], op: Operation, doc: SpecDocument, status: int) -> Any:
    documented = params.get("documented")
    if not documented:
        return params.get("body")
    try:
        if documented is True:
            return op.example(status)
        response = doc.raw["components"]["responses"][documented]
        return response["content"]["application/json"]["example"]
    except (KeyError, StopIteration):
        what = f"response {documented!r}" if documented is not True else f"example for {status}"
        raise InvalidRequest(
            f"fault rule: {doc.path.name} documents no {what} for {op.operation_id}"
        ) from None


def after_handler(fault: Fault, reply: Reply) -> Reply:
    """Serve the part of a fault that changes the handler's answer."""
    if fault.action == "drift":
        reply.body = apply_drift(reply.body, fault.params)
    elif fault.action == "malformed":
        if fault.params.get("mode", "truncated") == "invalid":
            reply.raw = INVALID_BODY
        else:
            text = jsonio.dumps(reply.body) if reply.body is not None else "{}"
            reply.raw = text[: max(1, len(text) // 2)]
    return reply


class ResetConnections:
    """WSGI wrapper: a response marked for reset raises ``ConnectionAbortedError``, the
    nearest a WSGI caller (Flask's test client, another WSGI server) gets to a reset.
    ``sms-mock serve`` sends a real RST instead (:mod:`mock_server.serving`)."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if environ.get(RESET_KEY):
                raise ConnectionAbortedError("sms-mock fault: connection reset")
            return start_response(status, headers, exc_info)

        return self.app(environ, start)
