"""The request pipeline: every request through the same steps, in one function that reads top to
bottom (:meth:`Pipeline.handle`), with no web framework in it.

world -> journal entry opened -> scenario -> faults -> credentials -> rate limit -> validation
-> handler -> commit -> response check -> journal entry closed.

Routes come from the descriptions (a route exists because an operation does). Every error,
planned or not, leaves in the envelope of the API the path belongs to; nothing leaves as a
stack trace. The HTTP edge (:mod:`mock_server.spec.edge`) reads the request and writes the reply.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import MethodNotAllowed as RouteMethodNotAllowed
from werkzeug.exceptions import NotFound as RouteNotFound
from werkzeug.routing import Map, MapAdapter, Rule

from mock_server.engine import jsonio
from mock_server.engine.errors import (
    InvalidRequest,
    MethodNotAllowed,
    MissingCredentials,
    NotFound,
    PayloadTooLarge,
    SimulatorError,
    StateNotSaved,
)
from mock_server.engine.faults import Fault
from mock_server.engine.journal import (
    ENTRY_OVERHEAD,
    JsonBody,
    ServedRequest,
    clip,
    clip_values,
)
from mock_server.engine.worlds import WORLD_HEADER, BadWorldName, check_name
from mock_server.spec.api import (
    ApiDefinition,
    ApiRequest,
    BindingError,
    CredentialCheck,
    Handler,
    Later,
    Reply,
    check_binding,
)
from mock_server.spec.document import Operation, SpecDocument
from mock_server.spec.faults import (
    CLOSED,
    HOLDING,
    Hold,
    after_handler,
    before_handler,
    requested_scenario,
)
from mock_server.spec.faults import facts as fault_facts
from mock_server.spec.request import HttpRequest
from mock_server.spec.validation import RequestValidator, ResponseValidator, registry_for

if TYPE_CHECKING:
    from mock_server.engine.journal import Journal
    from mock_server.engine.simulation import Simulation
    from mock_server.engine.worlds import Worlds

log = logging.getLogger(__name__)


@dataclass
class _Bound:
    """An operation bound to its API, handler and validators."""

    api: ApiDefinition
    op: Operation
    handler: Handler
    validator: RequestValidator
    responses: ResponseValidator
    doc: SpecDocument


@dataclass
class Served:
    """What the edge sends: a reply, or (``reset``) a connection closed without one."""

    reply: Reply
    reset: bool = False


@dataclass
class _Route:
    """Where a request goes: an operation and its path arguments; or, when no operation runs,
    the error (404, 405) or the answer (OPTIONS, a redirect to the slashed path) instead."""

    bound: _Bound | None
    args: dict[str, str]
    error: SimulatorError | None = None
    reply: Reply | None = None


class Pipeline:
    """The APIs the simulator serves and the one path every request takes through them."""

    def __init__(self, spec_dir: Path, *, strict: bool = False) -> None:
        self.spec_dir = spec_dir
        self.strict = strict
        self.worlds: Worlds | None = None  # set by the app once its factory can build worlds
        self.apis: list[ApiDefinition] = []
        self.documents: list[SpecDocument] = []  # of the simulated APIs: what faults can match
        self._bound: dict[tuple[str, str], _Bound] = {}  # (rule, METHOD) -> bound op
        # (path, METHOD) -> bound op, for paths without parameters: most requests are
        # routed by one dict lookup; the rest (and every 404, 405, redirect) by the Map
        self._static: dict[tuple[str, str], _Bound] = {}
        self._map = Map(merge_slashes=False)  # //createorder is no endpoint, not a redirect
        self.secret_headers = {"authorization"}  # masked in the journal; and every API key's
        self._routes: MapAdapter | None = None

    def add_api(self, api: ApiDefinition) -> None:
        doc = SpecDocument(self.spec_dir / api.spec_file, api.name)
        check_binding(doc, api.handlers)
        self.secret_headers |= {
            s.key_name.lower() for s in doc.security_schemes.values() if s.type == "apiKey"
        }
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
            if "<" not in op.flask_rule:
                self._static[key] = self._bound[key]
        for rule, methods in rules.items():
            # A missing trailing slash reaches the route, which answers as Django does.
            self._map.add(
                Rule(rule, endpoint=rule, methods=methods, strict_slashes=not rule.endswith("/"))
            )
        self._routes = self._map.bind("sms-mock")
        self.apis.append(api)
        self.apis.sort(key=lambda a: len(a.prefix), reverse=True)

    # -- the path of every request ---------------------------------------------------------
    def handle(self, request: HttpRequest) -> Served:
        """Serve one request to its end, this thread waiting wherever a fault holds it."""
        steps = self.steps(request)
        released: bool | None = None
        try:
            while True:
                released = steps.send(released).wait()
        except StopIteration as done:
            return done.value

    def steps(
        self, request: HttpRequest, api: ApiDefinition | None = None
    ) -> Generator[Hold | Later, bool, Served]:
        """Serve one request, in DESIGN's order; each step is one method below.

        Where a fault holds the request on the clock, this yields a :class:`Hold` and goes on
        once its driver sends whether the clock got there: :meth:`handle` blocks a thread,
        the server's event loop awaits (:mod:`mock_server.serving`). Where the handler's answer
        waits on work done elsewhere, this yields the :class:`Later` the same way. ``api``:
        :meth:`api_for_path` of the request's path, when the caller has it already.
        """
        started = time.perf_counter()
        if api is None:  # whose envelope answers, whatever happens
            api = self.api_for_path(request.path)
        try:
            sim = self.find_world(request)  # 1. world
        except SimulatorError as error:  # no world to journal it in
            return Served(api.render_error(error, None))
        route = self.route(request)
        api = route.bound.api if route.bound is not None else api
        journal = sim.journal  # the request's, even if a reset starts a new one meanwhile
        entry = self.open_entry(journal, sim, api, route, request)  # 2. journal entry opened
        bound = route.bound
        if bound is None or route.reply is not None:  # no operation runs: 404, 405, OPTIONS...
            reply = route.reply or api.render_error(route.error or NotFound(), None)
            self.close_entry(journal, entry, reply, None, started)
            return Served(reply)
        fault: Fault | None = None
        checked = False  # the strict check applies to the API's own answers only
        try:
            with sim.requested(self.scenario_of(sim, bound, request)):  # 3. scenario
                fault = self.decide_fault(sim, bound, request, entry)  # 4. faults
                if fault is not None and fault.action in HOLDING:  # waits, listed as held
                    yield Hold.of(fault, sim, bound.api, bound.op, request.path)
                reply = self.fault_before_handler(bound, fault)
                if reply is None:
                    checked = fault is None
                    credentials = self.credentials(bound, request)  # 5. credentials
                    backend = sim.backend(api.name) if api.backend is not None else None
                    self.check_credentials(api.authenticate, sim, backend, credentials, request)
                    self.check_credentials(  # 6. rate limit
                        api.rate_limit, sim, backend, credentials, request
                    )
                    parsed = self.validate(bound, route.args, request)  # 7. validation
                    answer = bound.handler(  # 8. handler
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
                    if isinstance(answer, Later):  # the loop serves others meanwhile
                        yield answer
                        answer = answer.finish()
                    reply = self.fault_after_handler(fault, answer)
        except SimulatorError as error:
            reply = api.render_error(error, bound.op)
            checked = checked and not error.deliberate
        except Exception as exc:  # a bug: said plainly, in the API's envelope, and logged
            log.exception("unexpected error serving %s %s", request.method, request.path)
            error = SimulatorError(
                f"internal simulator error ({type(exc).__name__}); see the server log"
            )
            reply, checked = api.render_error(error, bound.op), False
        reply = self.commit(sim, bound, reply)  # 9. commit
        if checked:
            reply = self.check_response(bound, reply)  # 10. response check
        self.close_entry(journal, entry, reply, fault, started)  # 11. journal entry closed
        return Served(reply, reset=reply.status == CLOSED)

    # -- the steps, in order ---------------------------------------------------------------
    def find_world(self, request: HttpRequest) -> Simulation:
        """The world the request names by path or by header (``default`` when neither)."""
        assert self.worlds is not None, "the app sets the worlds before it serves"
        from_header = (request.headers.get(WORLD_HEADER) or "").strip() or None
        named = request.world
        if named is not None and from_header is not None and from_header != named:
            raise BadWorldName(
                f"the path names the world {named!r} and {WORLD_HEADER} names {from_header!r};"
                " name one world"
            )
        name = named if named is not None else from_header
        return self.worlds.get(None if name is None else check_name(name))

    def route(self, request: HttpRequest) -> _Route:
        """The operation the method and path name (HEAD is GET), or why there is none."""
        assert self._routes is not None, "no API is bound"
        method = "GET" if request.method == "HEAD" else request.method
        static = self._static.get((request.path, method))
        if static is not None:
            return _Route(static, {})
        try:
            rule, args = self._routes.match(request.path, request.method)
        except RouteMethodNotAllowed as exc:
            allowed = sorted({*(exc.valid_methods or []), "OPTIONS"})
            if request.method == "OPTIONS":  # what any method of this path may be asked
                return _Route(None, {}, reply=Reply(None, 200, {"Allow": ", ".join(allowed)}))
            return _Route(None, {}, MethodNotAllowed(allowed))
        except RouteNotFound:
            message = f"no such endpoint: {request.method} {request.path}"
            return _Route(None, {}, NotFound(message))
        bound = self._bound[(str(rule), method)]
        if rule.endswith("/") and not request.path.endswith("/"):  # as Django's APPEND_SLASH
            query = f"?{request.query_string}" if request.query_string else ""
            location = request.root + request.path + "/" + query
            headers = {"Location": location, "Content-Type": "text/html; charset=utf-8"}
            return _Route(bound, args, reply=Reply(None, 301, headers))
        return _Route(bound, args)

    def open_entry(
        self,
        journal: Journal,
        sim: Simulation,
        api: ApiDefinition,
        route: _Route,
        request: HttpRequest,
    ) -> ServedRequest | None:
        """The journal entry of a simulated API's request, kept at once: a request a fault
        holds is listed while it waits."""
        if not api.simulated:
            return None
        bound = route.bound
        limit = journal.entry_bytes
        headers, headers_size = clip_values(_journal_headers(request.headers, self.secret_headers))
        query, query_size = clip_values(request.query)
        body, body_size = _journal_body(request, journal)
        path = clip(request.path, limit)
        entry = ServedRequest(
            id=journal.next_id(),
            at=sim.clock.timestamp(),
            api=api.name,
            method=request.method,
            path=path,
            query=query,
            headers=headers,
            body=body,
            status=None,
            response=None,
            operation=bound.op.operation_id if bound is not None else None,
            size=ENTRY_OVERHEAD + len(path) + headers_size + query_size + min(body_size, limit),
        )
        journal.record(entry)
        return entry

    @staticmethod
    def scenario_of(sim: Simulation, bound: _Bound, request: HttpRequest) -> Any:
        """The scenario X-Mock-Scenario names for this request (None: the world's own)."""
        return requested_scenario(sim, request.headers) if bound.api.simulated else None

    @staticmethod
    def decide_fault(
        sim: Simulation, bound: _Bound, request: HttpRequest, entry: ServedRequest | None
    ) -> Fault | None:
        """The fault rule of the request's scenario that fires on it, if any."""
        name = sim.request_scenario().name
        if not bound.api.simulated or not sim.faults.armed(name):  # most scenarios have none
            return None
        facts = fault_facts(bound.api.name, bound.op, request.path, request.headers, request.body)
        fault = sim.faults.decide(name, facts)
        if fault is not None and entry is not None:
            entry.fault = fault.describe()
        return fault

    @staticmethod
    def fault_before_handler(bound: _Bound, fault: Fault | None) -> Reply | None:
        """A fault's answer instead of the handler's (a reply ends the request); its wait,
        if it has one, came first (:class:`Hold`)."""
        if fault is None:
            return None
        try:
            return before_handler(fault, bound.api, bound.op, bound.doc)
        except SimulatorError as error:  # a rule that cannot be served, said plainly
            return bound.api.render_error(error, bound.op)

    @staticmethod
    def fault_after_handler(fault: Fault | None, reply: Reply) -> Reply:
        """A fault's change to the handler's answer (a drifted field, a broken body)."""
        return after_handler(fault, reply) if fault is not None else reply

    @staticmethod
    def credentials(bound: _Bound, request: HttpRequest) -> dict[str, str]:
        """The credentials of the first security requirement the request meets."""
        return _credentials(bound, request.headers)

    @staticmethod
    def check_credentials(
        check: CredentialCheck | None,
        sim: Simulation,
        backend: Any,
        credentials: dict[str, str],
        request: HttpRequest,
    ) -> None:
        """One of the API's checks of the credentials: ``authenticate`` (a known key, the
        control token) or ``rate_limit`` (counted against the scenario's limit)."""
        if check is not None:
            check(sim, backend, credentials, request.client)

    @staticmethod
    def validate(bound: _Bound, args: dict[str, str], request: HttpRequest) -> Any:
        """The request's parameters and body against the operation's description."""
        if request.body_too_large:
            limit = request.body_problem.description if request.body_problem else ""
            raise PayloadTooLarge(f"request body too large ({limit})")
        if request.body_problem is not None:
            raise InvalidRequest(request.body_problem.description or "the body could not be read")
        return bound.validator.parse(
            path=args,
            query=request.query,
            headers=request.headers,
            content_type=request.content_type,
            raw_body=request.body,
        )

    @staticmethod
    def commit(sim: Simulation, bound: _Bound, reply: Reply) -> Reply:
        """With a state file, what the request changed is kept before it is answered; a 5xx
        when it cannot be, never an answer that claims it was kept."""
        try:
            sim.commit()
        except StateNotSaved as error:
            return bound.api.render_error(error, bound.op)
        return reply

    def check_response(self, bound: _Bound, reply: Reply) -> Reply:
        """In strict mode, an answer that does not fit the description is a 500 saying why."""
        if not self.strict:
            return reply
        problems = bound.responses.problems(reply.status, reply.body, reply.headers)
        if not problems:
            return reply
        log.error("response of %s does not conform: %s", bound.op.operation_id, problems)
        return bound.api.render_error(
            SimulatorError(
                f"strict mode: the response of {bound.op.operation_id} does not conform "
                f"to {bound.doc.path.name}: " + "; ".join(problems)
            ),
            bound.op,
        )

    @staticmethod
    def close_entry(
        journal: Journal,
        entry: ServedRequest | None,
        reply: Reply,
        fault: Fault | None,
        started: float,
    ) -> None:
        """What was answered, into the journal entry opened for the request."""
        if entry is None:
            return
        limit = journal.entry_bytes
        text = encode(reply)
        if reply.raw is None and reply.body is not None:
            reply.raw = text  # the last step: the edge sends this text, encoded once
        answer_size = len(text) if text.isascii() else len(text.encode("utf-8"))
        answer = reply.body if answer_size <= limit else clip(text[:limit], limit, answer_size)
        journal.close(
            entry,
            answer_bytes=min(answer_size, limit),
            status=0 if reply.status == CLOSED else reply.status,
            response=answer,
            fault=fault.describe() if fault else None,
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
        )

    # -- helpers ---------------------------------------------------------------------------
    def api_for_path(self, path: str) -> ApiDefinition:
        for api in self.apis:  # longest prefix first
            if path.startswith(api.prefix):
                return api
        return self.apis[-1]


def encode(reply: Reply) -> str:
    """The text a reply's body is sent as."""
    if reply.raw is not None:
        return reply.raw
    return "" if reply.body is None else jsonio.dumps(reply.body)


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


def _journal_headers(headers: Mapping[str, str], secrets: set[str]) -> dict[str, str]:
    """Request headers as the journal keeps them, keys masked (their last 4 characters tell
    keys apart)."""
    return {
        k: mask_secret(v) if k.lower() in secrets else v
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


def _journal_body(request: HttpRequest, journal: Journal) -> tuple[Any, int]:
    """The request body as the journal keeps it, and its size in bytes: its JSON when the body
    is within the journal's limit, else its first bytes as text and a marker."""
    limit = journal.entry_bytes
    if request.body_too_large:
        return "<too large>", 0
    data = request.body
    if not data:
        return None, 0
    if len(data) <= limit and request.is_json:
        return JsonBody(data), len(data)  # parsed when the journal is read
    return clip(data[:limit].decode("utf-8", "replace"), limit, len(data)), len(data)
