"""What an API package gives the simulator, and what its handlers see: no web framework here.

An API is an :class:`ApiDefinition`: its description, its handlers by ``operationId``, its error
envelope, its state, and the hooks the pipeline calls in order (credentials, rate limit). A
handler takes an :class:`ApiRequest` (validated) and answers a :class:`Reply`, or a
:class:`Later` one when part of it is being made elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from mock_server.spec.document import Operation, SpecDocument

if TYPE_CHECKING:
    import asyncio

    from mock_server.engine.errors import SimulatorError
    from mock_server.engine.simulation import Simulation
    from mock_server.engine.store import Backend
    from mock_server.engine.worlds import Worlds


@dataclass
class Reply:
    """What a handler answers: a status, a JSON-able body, and headers."""

    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    raw: str | None = None  # text sent instead of the JSON of ``body`` (a malformed fault)


@dataclass
class ApiRequest:
    """A validated request as a handler sees it."""

    operation: Operation
    path: dict[str, Any]
    query: dict[str, Any]
    headers: Mapping[str, str]
    body: Any
    credentials: dict[str, str]
    sim: Simulation
    backend: Backend | None
    worlds: Worlds | None = None  # every world of the server (the control API's /_mock/worlds)

    def example(self, status: int = 200, name: str | None = None) -> Reply:
        """The documented example answer for ``status`` (used until a handler simulates)."""
        return Reply(self.operation.example(status, name), status)


class Later(NamedTuple):
    """An answer waiting on work done elsewhere (an invoice's signature, by a worker process):
    the event loop answers other requests until ``work`` is done, then ``finish`` makes the
    reply. ``finish`` makes it whether or not the work is there (it does that work itself when
    not), so a thread that serves the request blocking need not wait for it. (A tuple, made
    for every order: a frozen dataclass costs a microsecond more to make.)"""

    work: asyncio.Future[Any]
    finish: Callable[[], Reply]

    def wait(self) -> bool:
        return True


Handler = Callable[[ApiRequest], "Reply | Later"]
ErrorRenderer = Callable[["SimulatorError", Operation | None], Reply]
# What the dashboard shows of an API in one world: {"orders": [...], "order_count", "accounts"},
# the newest orders first, at most the given number (see mock_server/control/overview.py).
Overview = Callable[["Backend", int], dict[str, Any]]
# A step of the pipeline on the request's credentials (and its client address, for limits),
# against the API's state: raises to refuse the request.
CredentialCheck = Callable[["Simulation", "Backend | None", dict[str, str], str], None]


@dataclass(frozen=True)
class ApiDefinition:
    """One API the simulator serves: its description, handlers, state and error envelope.

    ``handlers`` is the route table, ``{operationId: handler}``; ``prefix`` claims the paths
    whose unknown routes and wrong methods this API's envelope answers. ``authenticate`` checks
    the credentials (a known key, a token); ``rate_limit`` counts the request against the
    scenario's limit; both run in that order, before the request's shape is validated.
    """

    name: str
    spec_file: str
    handlers: Mapping[str, Handler]
    render_error: ErrorRenderer
    prefix: str = "/"
    backend: Callable[[Simulation], Backend] | None = None
    authenticate: CredentialCheck | None = None
    rate_limit: CredentialCheck | None = None
    # A simulated API: journaled, open to faults and to X-Mock-Scenario. The control API is not.
    simulated: bool = True
    # Its routes in the control API, {operationId in openapi/control.yaml: handler}.
    control: Mapping[str, Handler] = field(default_factory=dict)
    # What GET /_mock/overview (and so the dashboard) shows of it.
    overview: Overview | None = None


class BindingError(RuntimeError):
    """The description and the handlers do not match: the simulator refuses to start."""


def check_binding(doc: SpecDocument, handlers: Mapping[str, Handler]) -> None:
    """Every operation has a handler named after it and every handler an operation."""
    problems: list[str] = []
    ids = [op.operation_id for op in doc.operations]
    problems += [
        f"{op.method} {op.path} has no operationId" for op in doc.operations if not op.operation_id
    ]
    problems += [
        f"operationId {i} is used twice" for i in sorted({i for i in ids if ids.count(i) > 1})
    ]
    for op in doc.operations:
        handler = handlers.get(op.operation_id)
        if handler is None:
            problems.append(f"operation {op.operation_id} ({op.method} {op.path}) has no handler")
        elif (name := getattr(handler, "__name__", repr(handler))) != op.handler_name:
            problems.append(
                f"operation {op.operation_id} is bound to {name!r};"
                f" its handler must be named {op.handler_name}"
            )
    problems += [
        f"handler for {name} has no operation in {doc.path.name}"
        for name in handlers
        if name not in ids
    ]
    if problems:
        raise BindingError(
            f"{doc.path.name} and the {doc.api} handlers disagree:\n  " + "\n  ".join(problems)
        )
