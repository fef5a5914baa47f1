"""Control routes over the worlds of a server: list, create, inspect, drop."""

from __future__ import annotations

import contextlib
from typing import Any

from mock_server.control.handlers import ControlError
from mock_server.engine.scenarios import INLINE, ScenarioError
from mock_server.engine.worlds import UnknownWorld, Worlds, WorldSpec
from mock_server.spec.api import ApiRequest, Reply


def _worlds(req: ApiRequest) -> Worlds:
    assert req.worlds is not None, "the pipeline hands every control request the worlds"
    return req.worlds


def list_worlds(req: ApiRequest) -> Reply:
    worlds = _worlds(req)
    listed = []
    for name in worlds.names():
        with contextlib.suppress(UnknownWorld):  # dropped while this lists them
            listed.append(worlds.describe(name))
    limits = worlds.limits
    return Reply(
        {
            "worlds": listed,
            "count": len(listed),
            "limits": {
                "max_worlds": limits.max_worlds,
                "idle_seconds": limits.idle_seconds,
                "create_on_request": not limits.explicit,
                "journal_bytes": limits.journal_bytes,
                "callback_bytes": limits.callback_bytes,
            },
        }
    )


def create_world(req: ApiRequest) -> Reply:
    worlds, body = _worlds(req), req.body
    try:
        if "yaml" in body:
            scenario: Any = req.sim.library.load_text(body["yaml"], source=INLINE)
        else:
            scenario = body.get("scenario")
        worlds.create(body["name"], WorldSpec(scenario, body.get("seed"), body.get("clock")))
    except ScenarioError as exc:
        raise ControlError(str(exc)) from None
    return Reply(worlds.describe(body["name"]), 201)


def get_world(req: ApiRequest) -> Reply:
    return Reply(_worlds(req).describe(req.path["name"]))


def drop_world(req: ApiRequest) -> Reply:
    name = req.path["name"]
    _worlds(req).drop(name)
    return Reply({"status": "ok", "dropped": name})
