"""The request pipeline: the descriptions become Flask routes, each bound to a handler.

For every request: route (from the description) -> parse and validate -> credentials -> handler
-> response (checked against the description in strict mode) -> journal. Every error, planned or
not, leaves in the envelope of the API the path belongs to; nothing leaves as a stack trace.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, Request, Response, g, request
from flask import g as flask_g
from flask import request as flask_request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.exceptions import MethodNotAllowed as WerkzeugMethodNotAllowed
from werkzeug.exceptions import NotFound as WerkzeugNotFound

from mock_server.engine import jsonio
from mock_server.engine.clock import iso_utc
from mock_server.engine.errors import (
    InvalidRequest,
    MethodNotAllowed,
    MissingCredentials,
    NotFound,
    PayloadTooLarge,
    SimulatorError,
    StateNotSaved,
)
from mock_server.engine.journal import (
    ENTRY_OVERHEAD,
    ServedRequest,
    clip,
    clip_values,
    values_size,
)
from mock_server.spec.document import Operation, SpecDocument
from mock_server.spec.faults import after_handler, before_handler, requested_scenario
from mock_server.spec.faults import facts as fault_facts
from mock_server.spec.validation import (
    RequestValidator,
    ResponseValidator,
    registry_for,
)
from mock_server.spec.worlds import world_name

if TYPE_CHECKING:
    from mock_server.engine.simulation import Simulation
    from mock_server.engine.store import Backend
    from mock_server.engine.worlds import Worlds

log = logging.getLogger(__name__)


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


Handler = Callable[[ApiRequest], Reply]
ErrorRenderer = Callable[[SimulatorError, Operation | None], Reply]
# Checks the credentials a request carries (and its client address, for limits) against the
# API's state; raises to refuse them.
Authenticator = Callable[["Simulation", "Backend | None", dict[str, str], str], None]


@dataclass(frozen=True)
class ApiDefinition:
    """One API the simulator serves: its description, handlers, state and error envelope.

    ``handlers`` is the route table, ``{operationId: handler}``; ``prefix`` claims the paths
    whose unknown routes and wrong methods this API's envelope answers.
    """

    name: str
    spec_file: str
    handlers: Mapping[str, Handler]
    render_error: ErrorRenderer
    prefix: str = "/"
    backend: Callable[[Simulation], Backend] | None = None
    authenticate: Authenticator | None = None
    # A simulated API: journaled, open to faults and to X-Mock-Scenario. The control API is not.
    simulated: bool = True


class BindingError(RuntimeError):
    """The description and the handlers do not match: the simulator refuses to start."""


@dataclass
class _Bound:
    api: ApiDefinition
    op: Operation
    handler: Handler
    validator: RequestValidator
    responses: ResponseValidator
    doc: SpecDocument


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


class Pipeline:
    """Binds APIs to a Flask app and runs every request through the same steps."""

    def __init__(self, app: Flask, spec_dir: Path, *, strict: bool = False) -> None:
        self.app = app
        self.worlds: Worlds | None = None  # set by the app once its factory can build worlds
        self.spec_dir = spec_dir
        self.strict = strict
        self.apis: list[ApiDefinition] = []
        self.documents: list[SpecDocument] = []  # of the simulated APIs: what faults can match
        self._bound: dict[tuple[str, str], _Bound] = {}  # (rule, METHOD) -> bound op
        app.register_error_handler(HTTPException, self._http_error)
        app.register_error_handler(SimulatorError, self._simulator_error)
        app.register_error_handler(Exception, self._unexpected_error)
        app.before_request(self._started)
        app.after_request(self._journal)

    def add_api(self, api: ApiDefinition) -> None:
        doc = SpecDocument(self.spec_dir / api.spec_file, api.name)
        check_binding(doc, api.handlers)
        if api.simulated:
            self.documents.append(doc)
        registry = registry_for(doc)
        rules: dict[str, list[str]] = {}
        for op in doc.operations:
            key = (op.flask_rule, op.method)
            if key in self._bound:
                raise BindingError(f"{op.method} {op.path} is served by two APIs")
            self._bound[key] = _Bound(
                api,
                op,
                api.handlers[op.operation_id],
                RequestValidator(op, doc, registry),
                ResponseValidator(op, doc, registry),
                doc,
            )
            rules.setdefault(op.flask_rule, []).append(op.method)
        for rule, methods in rules.items():
            self.app.add_url_rule(
                rule,
                endpoint=f"{api.name}:{rule}",
                view_func=self._view(rule),
                methods=methods,
                # A missing trailing slash reaches the view, which answers as Django does.
                strict_slashes=not rule.endswith("/"),
            )
        self.apis.append(api)
        self.apis.sort(key=lambda a: len(a.prefix), reverse=True)

    # -- serving -------------------------------------------------------------------------
    def _view(self, rule: str) -> Callable[..., Response]:
        def view(**path_args: str) -> Response:
            method = "GET" if request.method == "HEAD" else request.method
            bound = self._bound[(rule, method)]
            g.sms_mock_api = bound.api
            g.sms_mock_bound = bound
            if rule.endswith("/") and not request.path.endswith("/"):
                return self._redirect_slash()
            return self._serve(bound, path_args)

        view.__name__ = f"serve_{rule}"
        return view

    def _serve(self, bound: _Bound, path_args: dict[str, str]) -> Response:
        """Faults first (under the request's scenario), then credentials (as the real servers'
        auth layers do), then the request's shape, then the handler."""
        sim: Simulation = g.sms_mock_world
        if not bound.api.simulated:  # the control API: no scenarios, no faults
            return self._respond(self._handle(sim, bound, path_args), bound)
        try:
            scenario = requested_scenario(sim, request.headers)
        except SimulatorError as error:  # about the simulator, not the API: no strict check
            return self._respond(bound.api.render_error(error, bound.op), None)
        with sim.requested(scenario):
            fault = None
            name = sim.request_scenario().name
            if sim.faults.armed(name):  # most scenarios have no rules: skip the work
                raw = request.get_data(cache=True)
                facts = fault_facts(bound.api.name, bound.op, request.path, request.headers, raw)
                fault = sim.faults.decide(name, facts)
            g.sms_mock_fault = fault
            if fault is not None:
                try:
                    early = before_handler(
                        fault, sim, bound.api, bound.op, bound.doc, request.environ
                    )
                except SimulatorError as error:  # a rule that cannot be served, said plainly
                    early = bound.api.render_error(error, bound.op)
                if early is not None:
                    return self._respond(early, None)
            reply = self._handle(sim, bound, path_args)
            if fault is not None:
                return self._respond(after_handler(fault, reply), None)
            return self._respond(reply, bound)

    def _handle(self, sim: Simulation, bound: _Bound, path_args: dict[str, str]) -> Reply:
        # The proxies resolve a context variable on every attribute: resolve them once here.
        request: Request = flask_request._get_current_object()  # type: ignore[attr-defined]
        try:
            credentials = _credentials(bound, request.headers)
            backend = sim.backend(bound.api.name) if bound.api.backend else None
            if bound.api.authenticate is not None:
                client = request.remote_addr or "unknown"
                bound.api.authenticate(sim, backend, credentials, client)
            parsed = bound.validator.parse(
                path=path_args,
                query={k: request.args.getlist(k) for k in request.args},
                headers=request.headers,
                content_type=request.content_type,
                raw_body=request.get_data(cache=True),
            )
            if parsed.body is not None:  # the journal keeps it without parsing it again
                flask_g.sms_mock_body = parsed.body
            reply = bound.handler(
                ApiRequest(
                    operation=bound.op,
                    path=parsed.path,
                    query=parsed.query,
                    headers=request.headers,
                    body=parsed.body,
                    credentials=credentials,
                    sim=sim,
                    backend=backend,
                    worlds=self.worlds,
                )
            )
        except SimulatorError as error:
            reply = bound.api.render_error(error, bound.op)
            flask_g.sms_mock_deliberate = error.deliberate
        try:
            sim.commit()  # with a state file: what this request changed is kept first
        except StateNotSaved as error:  # a 5xx, never an answer that claims it was kept
            reply = bound.api.render_error(error, bound.op)
            flask_g.sms_mock_deliberate = True
        return reply

    @staticmethod
    def _redirect_slash() -> Response:
        """A path documented with a trailing slash, asked without it: a 301 to the slashed
        path with an empty body, as Django's APPEND_SLASH answers (a POST's body is lost)."""
        query = request.query_string.decode("latin-1")
        location = request.script_root + request.path + "/" + (f"?{query}" if query else "")
        g.sms_mock_reply = Reply(None, 301)
        return Response("", status=301, headers={"Location": location})

    def _respond(self, reply: Reply, bound: _Bound | None) -> Response:
        if self.strict and bound is not None and not getattr(g, "sms_mock_deliberate", False):
            problems = bound.responses.problems(reply.status, reply.body, reply.headers)
            if problems:
                log.error("response of %s does not conform: %s", bound.op.operation_id, problems)
                reply = bound.api.render_error(
                    SimulatorError(
                        f"strict mode: the response of {bound.op.operation_id} does not conform "
                        f"to {bound.doc.path.name}: " + "; ".join(problems)
                    ),
                    bound.op,
                )
        g.sms_mock_reply = reply
        if reply.raw is not None:
            text = reply.raw
        else:
            text = "" if reply.body is None else jsonio.dumps(reply.body)
        response = Response(text, status=reply.status, mimetype="application/json")
        for name, value in reply.headers.items():
            response.headers[name] = value
        return response

    # -- errors --------------------------------------------------------------------------
    def api_for_path(self, path: str) -> ApiDefinition:
        for api in self.apis:  # longest prefix first
            if path.startswith(api.prefix):
                return api
        return self.apis[-1]

    def _http_error(self, exc: HTTPException) -> Response:
        api = getattr(g, "sms_mock_api", None) or self.api_for_path(request.path)
        g.sms_mock_api = api
        bound = self._current_bound()
        error: SimulatorError
        if isinstance(exc, WerkzeugNotFound):
            error = NotFound(f"no such endpoint: {request.method} {request.path}")
        elif isinstance(exc, WerkzeugMethodNotAllowed):
            error = MethodNotAllowed(sorted(exc.valid_methods or []))
        elif isinstance(exc, RequestEntityTooLarge):
            limit = self.app.config.get("MAX_CONTENT_LENGTH")
            error = PayloadTooLarge(f"request body too large (the limit is {limit} bytes)")
        elif exc.code is not None and 400 <= exc.code < 500:
            error = InvalidRequest(exc.description or exc.name, status=exc.code)
        else:
            error = SimulatorError(exc.description or exc.name, status=exc.code or 500)
        return self._respond(api.render_error(error, bound.op if bound else None), None)

    def _simulator_error(self, error: SimulatorError) -> Response:
        """An error before any route is served (the request names a world that cannot be)."""
        api = getattr(g, "sms_mock_api", None) or self.api_for_path(request.path)
        g.sms_mock_api = api
        bound = self._current_bound()
        return self._respond(api.render_error(error, bound.op if bound else None), None)

    def _unexpected_error(self, exc: Exception) -> Response:
        log.exception("unexpected error serving %s %s", request.method, request.path)
        api = getattr(g, "sms_mock_api", None) or self.api_for_path(request.path)
        bound = self._current_bound()
        error = SimulatorError(
            f"internal simulator error ({type(exc).__name__}); see the server log"
        )
        return self._respond(api.render_error(error, bound.op if bound else None), None)

    @staticmethod
    def _current_bound() -> _Bound | None:
        return getattr(g, "sms_mock_bound", None)

    # -- journal -------------------------------------------------------------------------
    def _started(self) -> None:
        """The request's world first: everything after it reads and changes that world."""
        g.sms_mock_started = time.perf_counter()
        assert self.worlds is not None, "the app sets the worlds before it serves"
        g.sms_mock_world = self.worlds.get(world_name(request.environ, request.headers))

    def _journal(self, response: Response) -> Response:
        g = flask_g._get_current_object()  # type: ignore[attr-defined]
        request: Request = flask_request._get_current_object()  # type: ignore[attr-defined]
        api = getattr(g, "sms_mock_api", None) or self.api_for_path(request.path)
        sim: Simulation | None = g.get("sms_mock_world")
        if not api.simulated or sim is None:  # no world: the request named one that cannot be
            return response
        started = getattr(g, "sms_mock_started", None)
        reply = getattr(g, "sms_mock_reply", None)
        journal = sim.journal
        fault = getattr(g, "sms_mock_fault", None)
        limit = journal.entry_bytes
        headers = clip_values(_journal_headers(request.headers))
        query = clip_values({k: request.args.getlist(k) for k in request.args})
        body, body_size = _journal_body(request, g.get("sms_mock_body"), limit)
        answer_size = response.content_length or 0
        if answer_size <= limit:
            answer = reply.body if reply is not None else None
        else:
            answer = clip(
                response.get_data()[:limit].decode("utf-8", "replace"), limit, answer_size
            )
        path = clip(request.path, limit)
        size = (
            ENTRY_OVERHEAD
            + len(path)
            + values_size(headers)
            + values_size(query)
            + min(body_size, limit)
            + min(answer_size, limit)
        )
        journal.record(
            ServedRequest(
                id=journal.next_id(),
                time=iso_utc(sim.clock.now()),
                api=api.name,
                method=request.method,
                path=path,
                query=query,
                headers=headers,
                body=body,
                status=0
                if fault and fault.action in ("reset", "timeout")
                else response.status_code,
                response=answer,
                fault=fault.describe() if fault else None,
                operation=bound.op.operation_id if (bound := g.get("sms_mock_bound")) else None,
                duration_ms=round((time.perf_counter() - started) * 1000, 3) if started else 0.0,
                size=size,
            )
        )
        return response


def _credentials(bound: _Bound, headers: Mapping[str, str]) -> dict[str, str]:
    """The credentials of the first security requirement the request meets.

    An empty requirement (``{}``) makes credentials optional; without one, a request that
    meets no requirement raises :class:`MissingCredentials`.
    """
    optional = False
    for requirement in bound.op.security:
        if not requirement:
            optional = True
            continue
        values: dict[str, str] = {}
        for scheme_name in requirement:
            scheme = bound.doc.security_schemes[scheme_name]
            value = _credential(scheme.type, scheme.key_name, scheme.scheme, headers)
            if value is None:
                break
            values[scheme_name] = value
        else:
            return values
    if optional or not bound.op.security:
        return {}
    raise MissingCredentials()


def _credential(kind: str, key_name: str, scheme: str, headers: Mapping[str, str]) -> str | None:
    if kind == "apiKey":
        value = headers.get(key_name, "").strip()
        return value or None
    if kind == "http" and scheme == "bearer":
        auth = headers.get("Authorization", "")
        prefix, _, token = auth.partition(" ")
        if prefix.lower() == "bearer" and token.strip():
            return token.strip()
    return None


_SECRETS = {"authorization", "x-api-key"}


def _journal_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Request headers as the journal keeps them, keys masked (their last 4 characters tell
    keys apart)."""
    return {
        k: mask_secret(v) if k.lower() in _SECRETS else v
        for k, v in headers.items()
        if k.lower() not in {"content-length", "host"}
    }


def mask_secret(value: str) -> str:
    """``Bearer test-smsverify-key`` -> ``Bearer ****-key``; short secrets -> ``****``."""
    scheme, space, secret = value.partition(" ")
    if not space:
        scheme, secret = "", value
    masked = "****" + secret[-4:] if len(secret) > 8 else "****"
    return f"{scheme} {masked}" if scheme else masked


def _journal_body(request: Request, parsed: Any, limit: int) -> tuple[Any, int]:
    """The request body as the journal keeps it, and its size in bytes: the parsed JSON when
    the body is within ``limit``, else its first ``limit`` bytes as text and a marker."""
    try:
        data = request.get_data(cache=True)
    except RequestEntityTooLarge:
        return "<too large>", 0
    if not data:
        return None, 0
    if len(data) <= limit:
        if parsed is not None:
            return parsed, len(data)
        if request.is_json:
            try:
                return jsonio.loads(data), len(data)
            except jsonio.JsonError:
                pass
    return clip(data[:limit].decode("utf-8", "replace"), limit, len(data)), len(data)
