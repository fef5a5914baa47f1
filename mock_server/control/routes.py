"""The whole /_mock surface in one table: ``{operationId: handler}`` for openapi/control.yaml."""

from __future__ import annotations

from mock_server.control import handlers, sms4sats, smsverify, worlds
from mock_server.spec.api import ApiDefinition

ROUTES = {
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
    "payInvoice": sms4sats.pay_invoice,
    "getInvoice": sms4sats.get_invoice,
    "getSms4satsOrder": sms4sats.get_sms4sats_order,
    "deliverCode": sms4sats.deliver_code,
    "addSms4satsAccount": sms4sats.add_sms4sats_account,
    "listReferrals": sms4sats.list_referrals,
    "getSmsverifyOrder": smsverify.get_smsverify_order,
    "deliverSms": smsverify.deliver_sms,
    "addSmsverifyAccount": smsverify.add_smsverify_account,
}

CONTROL_API = ApiDefinition(
    name="control",
    spec_file="control.yaml",
    handlers=ROUTES,
    render_error=handlers.render_error,
    prefix="/_mock",
    simulated=False,
    authenticate=handlers.authenticate,
)
