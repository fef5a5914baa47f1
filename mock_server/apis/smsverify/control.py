"""Control routes that drive smsVerificationService: SMS delivery, accounts, order inspection."""

from __future__ import annotations

from decimal import Decimal

from mock_server.apis.smsverify.errors import OrderNotFound
from mock_server.apis.smsverify.models import SmsVerifyBackend
from mock_server.spec.api import ApiRequest, Reply


def _smsverify(req: ApiRequest) -> SmsVerifyBackend:
    backend = req.sim.backend("smsverify")
    assert isinstance(backend, SmsVerifyBackend)
    return backend


def get_smsverify_order(req: ApiRequest) -> Reply:
    backend = _smsverify(req)
    order = backend.orders.get(req.path["order_id"])
    if order is None:
        raise OrderNotFound()
    return Reply(backend.describe(order))


def deliver_sms(req: ApiRequest) -> Reply:
    backend = _smsverify(req)
    body = req.body or {}
    order = backend.deliver_sms(
        req.path["order_id"], body.get("otp"), body.get("message"), body.get("sender")
    )
    req.sim.scheduler.run_due()  # "now": its callback goes out before this answers, on any clock
    return Reply(backend.status(order))


def add_smsverify_account(req: ApiRequest) -> Reply:
    body = req.body
    given = body.get("balance")
    balance = Decimal(str(given)).quantize(Decimal("0.01")) if given is not None else None
    account = _smsverify(req).upsert_account(body["api_key"], balance, body.get("callback_url"))
    req.sim.scheduler.run_due()  # the deposit notification goes out now
    return Reply(
        {
            "api_key": account.api_key,
            "balance": str(account.balance),
            "callback_url": account.callback_url,
        }
    )
