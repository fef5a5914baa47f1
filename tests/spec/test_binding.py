"""The spec binds the routes: a missing or extra handler stops the simulator from starting."""

from __future__ import annotations

import pytest

from mock_server.apis.sms4sats.routes import ROUTES as SMS4SATS_ROUTES
from mock_server.apis.smsverify.routes import ROUTES as SMSVERIFY_ROUTES
from mock_server.app import APIS
from mock_server.resources import openapi_dir
from mock_server.spec.api import ApiDefinition, ApiRequest, BindingError, Reply
from mock_server.spec.document import SpecDocument, snake_case
from mock_server.spec.pipeline import Pipeline
from tests.support import FILES


def _pipeline() -> Pipeline:
    return Pipeline(openapi_dir())


def _api(handlers: dict) -> ApiDefinition:
    return ApiDefinition(
        name="sms4sats",
        spec_file="sms4sats.yaml",
        handlers=handlers,
        render_error=lambda e, op: Reply({"status": "error", "reason": e.message}, e.status),
    )


def test_the_shipped_route_tables_match_their_descriptions() -> None:
    for api, routes in (
        ("sms4sats", SMS4SATS_ROUTES),
        ("smsverify", SMSVERIFY_ROUTES),
        ("control", APIS[-2].handlers),  # the simulator's own routes and every API's
        ("dashboard", APIS[-1].handlers),
    ):
        doc = SpecDocument(openapi_dir() / FILES[api], api)
        assert set(routes) == {op.operation_id for op in doc.operations}
        for op in doc.operations:
            assert routes[op.operation_id].__name__ == snake_case(op.operation_id)
    assert [a.name for a in APIS] == ["sms4sats", "smsverify", "l402", "control", "dashboard"]


def test_an_operation_without_a_handler_stops_startup() -> None:
    handlers = dict(SMS4SATS_ROUTES)
    del handlers["getHistory"]
    with pytest.raises(BindingError, match=r"operation getHistory \(GET /history\) has no handler"):
        _pipeline().add_api(_api(handlers))


def test_a_handler_without_an_operation_stops_startup() -> None:
    def get_refunds(req: ApiRequest) -> Reply:
        return Reply({})

    handlers = {**SMS4SATS_ROUTES, "getRefunds": get_refunds}
    with pytest.raises(
        BindingError, match=r"handler for getRefunds has no operation in sms4sats\.yaml"
    ):
        _pipeline().add_api(_api(handlers))


def test_a_handler_must_be_named_after_its_operation() -> None:
    handlers = {**SMS4SATS_ROUTES, "getHistory": SMS4SATS_ROUTES["getBalance"]}
    with pytest.raises(BindingError, match="its handler must be named get_history"):
        _pipeline().add_api(_api(handlers))


def test_two_apis_cannot_serve_the_same_route() -> None:
    pipeline = _pipeline()
    pipeline.add_api(_api(dict(SMS4SATS_ROUTES)))
    with pytest.raises(BindingError, match="served by two APIs"):
        pipeline.add_api(_api(dict(SMS4SATS_ROUTES)))


@pytest.mark.parametrize(
    ("operation_id", "name"),
    [
        ("getOrderStatus", "get_order_status"),
        ("createFundOrder", "create_fund_order"),
        ("listRent1DayServices", "list_rent1_day_services"),
        ("health", "health"),
    ],
)
def test_snake_case(operation_id: str, name: str) -> None:
    assert snake_case(operation_id) == name
