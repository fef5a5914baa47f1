"""The smsVerificationService route table for openapi/smsverificationservice.yaml."""

from __future__ import annotations

from mock_server.apis.smsverify import control, handlers, overview
from mock_server.apis.smsverify.errors import render_error
from mock_server.apis.smsverify.models import SmsVerifyBackend
from mock_server.apis.smsverify.service import SERVICE
from mock_server.spec.api import ApiDefinition

ROUTES = {
    "getBalance": handlers.get_balance,
    "getWalletBalance": handlers.get_wallet_balance,
    "listTemporaryServices": handlers.list_temporary_services,
    "listRentalServices": handlers.list_rental_services,
    "listRent1DayServices": handlers.list_rent1_day_services,
    "listRent30DaysServices": handlers.list_rent30_days_services,
    "listBestTempServices": handlers.list_best_temp_services,
    "listEsimPlans": handlers.list_esim_plans,
    "listGlobalCountries": handlers.list_global_countries,
    "listGlobalServices": handlers.list_global_services,
    "orderTemporary": handlers.order_temporary,
    "orderRental": handlers.order_rental,
    "orderBestTemp": handlers.order_best_temp,
    "orderRent1Day": handlers.order_rent1_day,
    "orderRent30Days": handlers.order_rent30_days,
    "orderGlobal": handlers.order_global,
    "orderEsim": handlers.order_esim,
    "listOrders": handlers.list_orders,
    "getOrderStatus": handlers.get_order_status,
    "cancelOrder": handlers.cancel_order,
    "renewOrder": handlers.renew_order,
}

CONTROL_ROUTES = {
    "getSmsverifyOrder": control.get_smsverify_order,
    "deliverSms": control.deliver_sms,
    "addSmsverifyAccount": control.add_smsverify_account,
}

SMSVERIFY_API = ApiDefinition(
    name=SERVICE.name,
    spec_file=SERVICE.spec_file,
    handlers=ROUTES,
    render_error=render_error,
    prefix="/api/",  # its envelope answers every unknown path under /api/, not only /api/v1/
    backend=SmsVerifyBackend,
    authenticate=handlers.authenticate,
    rate_limit=handlers.rate_limit,
    control=CONTROL_ROUTES,
    overview=overview.overview,
)
