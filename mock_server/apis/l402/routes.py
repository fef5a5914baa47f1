"""The L402 route table: ``{operationId: handler}`` for openapi/sms4sats-l402.yaml."""

from __future__ import annotations

from mock_server.apis.l402 import control, handlers, overview
from mock_server.apis.l402.errors import render_error
from mock_server.apis.l402.models import L402Backend
from mock_server.apis.l402.service import SERVICE
from mock_server.spec.api import ApiDefinition

ROUTES = {
    "getHealth": handlers.get_health,
    "getServiceDirectory": handlers.get_service_directory,
    "getIndex": handlers.get_index,
    "listServices": handlers.list_services,
    "getCatalog": handlers.get_catalog,
    "createL402Order": handlers.create_l402_order,
    "getL402Order": handlers.get_l402_order,
    "cancelL402Order": handlers.cancel_l402_order,
}

CONTROL_ROUTES = {
    "inspectL402Order": control.inspect_l402_order,
    "deliverL402Sms": control.deliver_l402_sms,
    "checkL402Token": control.check_l402_token,
}

L402_API = ApiDefinition(
    name=SERVICE.name,
    spec_file=SERVICE.spec_file,
    handlers=ROUTES,
    render_error=render_error,
    prefix=SERVICE.root,  # its unknown paths answer in its envelope
    backend=L402Backend,
    control=CONTROL_ROUTES,
    overview=overview.overview,
)
