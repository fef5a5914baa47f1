"""The whole /_mock surface: the simulator's own routes and every API's, one table for
openapi/control.yaml."""

from __future__ import annotations

from collections.abc import Iterable

from mock_server.control import handlers, worlds
from mock_server.control.overview import overview_handler
from mock_server.spec.api import ApiDefinition, Handler

ROUTES: dict[str, Handler] = {
    "health": handlers.health,
    "reset": handlers.reset,
    "listWorlds": worlds.list_worlds,
    "createWorld": worlds.create_world,
    "getWorld": worlds.get_world,
    "dropWorld": worlds.drop_world,
    "getClock": handlers.get_clock,
    "advanceClock": handlers.advance_clock,
    "setClock": handlers.set_clock,
    "getScenario": handlers.get_scenario,
    "putScenario": handlers.put_scenario,
    "listRequests": handlers.list_requests,
    "clearRequests": handlers.clear_requests,
    "listCallbacks": handlers.list_callbacks,
}


def control_api(apis: Iterable[ApiDefinition]) -> ApiDefinition:
    """The control API of a simulator serving ``apis``: its own routes and theirs."""
    apis = list(apis)
    routes = {**ROUTES, "getOverview": overview_handler(apis)}
    for api in apis:
        routes.update(api.control)
    return ApiDefinition(
        name="control",
        spec_file="control.yaml",
        handlers=routes,
        render_error=handlers.render_error,
        prefix="/_mock",
        simulated=False,
        authenticate=handlers.authenticate,
    )
