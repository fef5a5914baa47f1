"""The sms4sats route table: ``{operationId: handler}`` for openapi/sms4sats.yaml."""

from __future__ import annotations

from mock_server.apis.sms4sats import control, handlers, overview
from mock_server.apis.sms4sats.errors import render_error
from mock_server.apis.sms4sats.models import Sms4satsBackend
from mock_server.apis.sms4sats.service import SERVICE
from mock_server.spec.api import ApiDefinition

ROUTES = {
    "getAvailability": handlers.get_availability,
    "getPrice": handlers.get_price,
    "getNumbersStatus": handlers.get_numbers_status,
    "getCountries": handlers.get_countries,
    "getRentalCountries": handlers.get_rental_countries,
    "createOrder": handlers.create_order,
    "getOrderStatus": handlers.get_order_status,
    "cancelOrder": handlers.cancel_order,
    "createSendOrder": handlers.create_send_order,
    "createEmailSendOrder": handlers.create_email_send_order,
    "createFundOrder": handlers.create_fund_order,
    "getBalance": handlers.get_balance,
    "getHistory": handlers.get_history,
}

CONTROL_ROUTES = {
    "payInvoice": control.pay_invoice,
    "getInvoice": control.get_invoice,
    "getSms4satsOrder": control.get_sms4sats_order,
    "deliverCode": control.deliver_code,
    "addSms4satsAccount": control.add_sms4sats_account,
    "listReferrals": control.list_referrals,
}

SMS4SATS_API = ApiDefinition(
    name=SERVICE.name,
    spec_file=SERVICE.spec_file,
    handlers=ROUTES,
    render_error=render_error,
    prefix=SERVICE.root,
    backend=Sms4satsBackend,
    rate_limit=handlers.rate_limit,
    control=CONTROL_ROUTES,
    overview=overview.overview,
)
