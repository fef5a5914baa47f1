"""The control API: one verb-noun function per route of openapi/control.yaml.

``reset`` here, the pytest plugin and the CLI all reach the same :meth:`Simulation.reset`.
"""

from __future__ import annotations

import hmac
from typing import Any

from mock_server import __version__
from mock_server.engine.clock import ClockError, parse_duration, parse_iso
from mock_server.engine.errors import InvalidRequest, MissingCredentials, SimulatorError
from mock_server.engine.scenarios import INLINE, ScenarioError
from mock_server.engine.simulation import Simulation
from mock_server.services import SERVICES
from mock_server.spec.api import ApiRequest, Reply

API_ROOTS = {**{name: s.root for name, s in SERVICES.items()}, "control": "/_mock/"}


class ControlError(InvalidRequest):
    """A control request that cannot be carried out (unknown scenario, clock backwards)."""


class ControlTokenRequired(MissingCredentials):
    message = "this simulator's control API needs its token: Authorization: Bearer <token>"


def authenticate(
    sim: Simulation, backend: object, credentials: dict[str, str], client: str
) -> None:
    """When `serve --control-token` set a token, every control call must carry it.

    Compared as bytes: ``hmac.compare_digest`` refuses ``str`` with non-ASCII characters, and
    any token, in any encoding, must get an answer (401 or 200), never an error. A header
    arrives as its bytes read as Latin-1 (WSGI), so those are its bytes; the token is UTF-8.
    """
    token = sim.control_token
    if token is None:
        return
    given = _raw(credentials.get("ControlToken", ""))
    if not hmac.compare_digest(given, token.encode("utf-8", "surrogateescape")):
        raise ControlTokenRequired()


def _raw(header: str) -> bytes:
    try:
        return header.encode("latin-1")
    except UnicodeEncodeError:  # not from a WSGI server: a str as the caller wrote it
        return header.encode("utf-8", "surrogateescape")


def render_error(error: SimulatorError, operation: object) -> Reply:
    if error.kind == "unauthorized" and not isinstance(error, ControlTokenRequired):
        error = ControlTokenRequired()
    status = 404 if error.kind == "not_found" else error.status
    return Reply({"error": error.message}, status, dict(error.headers))


def _clock(sim: Simulation, **extra: Any) -> dict[str, Any]:
    return {
        **sim.clock.describe(),
        "pending_events": sim.scheduler.pending_count(),
        "held_requests": sim.held_requests(),
        **extra,
    }


def _health(sim: Simulation) -> dict[str, Any]:
    return {
        "status": "ok",
        "version": __version__,
        "world": sim.name,
        "scenario": sim.scenario.summary(),
        "seed": sim.seed,
        "clock": _clock(sim),
        "apis": API_ROOTS,
        "state": sim.state_summary(),
    }


def health(req: ApiRequest) -> Reply:
    return Reply(_health(req.sim))


def reset(req: ApiRequest) -> Reply:
    scenario = (req.body or {}).get("scenario")
    try:
        req.sim.reset(scenario)
    except ScenarioError as exc:
        raise ControlError(str(exc)) from None
    return Reply(_health(req.sim))


def get_clock(req: ApiRequest) -> Reply:
    return Reply(_clock(req.sim))


def advance_clock(req: ApiRequest) -> Reply:
    body = req.body
    try:
        seconds = body["seconds"] if "seconds" in body else parse_duration(body["duration"])
        ran = req.sim.scheduler.advance(seconds)
    except (ClockError, ValueError) as exc:
        raise ControlError(str(exc)) from None
    return Reply(_clock(req.sim, events_run=ran))


def set_clock(req: ApiRequest) -> Reply:
    try:
        ran = req.sim.scheduler.advance_to(parse_iso(req.body["now"]).timestamp())
    except (ClockError, ValueError) as exc:
        raise ControlError(str(exc)) from None
    return Reply(_clock(req.sim, events_run=ran))


def _scenario_info(sim: Simulation) -> dict[str, Any]:
    scenario = sim.scenario
    return {
        **scenario.summary(),
        "seed": sim.seed,
        "data": scenario.data,
        "available": sim.library.names(),
    }


def get_scenario(req: ApiRequest) -> Reply:
    return Reply(_scenario_info(req.sim))


def put_scenario(req: ApiRequest) -> Reply:
    sim = req.sim
    try:
        if "yaml" in req.body:
            scenario = sim.library.load_text(req.body["yaml"], source=INLINE)
        else:
            scenario = sim.library.load(req.body["name"])
        sim.use_scenario(scenario)  # an API may refuse it too; nothing changes then
    except ScenarioError as exc:
        raise ControlError(str(exc)) from None
    return Reply(_scenario_info(sim))


def list_requests(req: ApiRequest) -> Reply:
    journal = req.sim.journal
    entries = journal.query(
        api=req.query.get("api"),
        method=req.query.get("method"),
        path=req.query.get("path"),
        operation=req.query.get("operation"),
        status=req.query.get("status"),
        limit=req.query.get("limit"),
    )
    return Reply(
        {
            "requests": [e.to_dict() for e in entries],
            "count": len(entries),
            "capacity": journal.capacity,
            "dropped": journal.dropped,
        }
    )


def list_callbacks(req: ApiRequest) -> Reply:
    callbacks = req.sim.callbacks.log(api=req.query.get("api"), state=req.query.get("state"))
    limit = req.query.get("limit")
    if limit is not None:  # the newest N: only those are written out
        callbacks = callbacks[len(callbacks) - limit :] if limit else []
    return Reply({"callbacks": [c.to_dict() for c in callbacks], "count": len(callbacks)})


def clear_requests(req: ApiRequest) -> Reply:
    cleared = len(req.sim.journal)
    req.sim.journal.clear()
    return Reply({"status": "ok", "cleared": cleared})
