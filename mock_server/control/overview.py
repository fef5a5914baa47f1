"""GET /_mock/overview: one world at a glance (what the dashboard polls): its clock and the next
events, its scenario, and each API's newest orders and accounts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mock_server.engine.clock import iso_at
from mock_server.services import SERVICES
from mock_server.spec.api import ApiDefinition, ApiRequest, Handler, Reply

NEXT_EVENTS = 50


def overview_handler(apis: Iterable[ApiDefinition]) -> Handler:
    """The route's handler, over the APIs that say what they show (their ``overview``)."""
    shown = [api for api in apis if api.overview is not None]

    def get_overview(req: ApiRequest) -> Reply:
        sim = req.sim
        limit = req.query.get("limit", 50)
        now = sim.clock.timestamp()
        events = [
            {"name": e.name, "due": iso_at(e.due), "in_seconds": round(e.due - now, 3)}
            for e in sim.scheduler.next_events(NEXT_EVENTS)
        ]
        body: dict[str, Any] = {
            "world": sim.name,
            "clock": {**sim.clock.describe(), "pending_events": sim.scheduler.pending_count()},
            "events": events,
            "scenario": {**sim.scenario.summary(), "seed": sim.seed, "data": sim.scenario.data},
            "scenarios": sim.library.names(),
            "apis": {
                api.name: {
                    "title": SERVICES[api.name].title if api.name in SERVICES else api.name,
                    **api.overview(sim.backend(api.name), limit),  # type: ignore[misc]
                }
                for api in shown
            },
        }
        return Reply(body)

    return get_overview
