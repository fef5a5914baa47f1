"""smsVerificationService handlers, one per operation, named after its operationId.

Every request has passed the description's checks and carries a known Bearer key. The wallet
balance is real; the other operations answer with the example their operation documents until
the smsVerificationService simulation lands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mock_server.apis.smsverify.models import SmsVerifyBackend
from mock_server.spec.pipeline import ApiRequest, Reply

if TYPE_CHECKING:
    from mock_server.engine.store import Backend


def authenticate(backend: Backend | None, credentials: dict[str, str]) -> None:
    """Every /api/v1 call needs the Bearer key of a known account."""
    assert isinstance(backend, SmsVerifyBackend)
    backend.account(credentials["BearerAuth"])


def _backend(req: ApiRequest) -> SmsVerifyBackend:
    return req.backend  # type: ignore[return-value]


def _balance(req: ApiRequest) -> dict[str, object]:
    account = _backend(req).account(req.credentials["BearerAuth"])
    return {"balance": account.balance, "currency": "USD"}


def get_balance(req: ApiRequest) -> Reply:
    return Reply(_balance(req))


def get_wallet_balance(req: ApiRequest) -> Reply:
    return Reply({"success": True, "data": _balance(req)})


def list_temporary_services(req: ApiRequest) -> Reply:
    return req.example(200)


def list_rental_services(req: ApiRequest) -> Reply:
    return req.example(200)


def list_rent1_day_services(req: ApiRequest) -> Reply:
    return req.example(200)


def list_rent30_days_services(req: ApiRequest) -> Reply:
    return req.example(200)


def list_best_temp_services(req: ApiRequest) -> Reply:
    return req.example(200)


def list_esim_plans(req: ApiRequest) -> Reply:
    return req.example(200)


def list_global_countries(req: ApiRequest) -> Reply:
    return req.example(200)


def list_global_services(req: ApiRequest) -> Reply:
    return req.example(200)


def order_temporary(req: ApiRequest) -> Reply:
    return req.example(201)


def order_rental(req: ApiRequest) -> Reply:
    return req.example(201)


def order_best_temp(req: ApiRequest) -> Reply:
    return req.example(201)


def order_rent1_day(req: ApiRequest) -> Reply:
    return req.example(201)


def order_rent30_days(req: ApiRequest) -> Reply:
    return req.example(201)


def order_global(req: ApiRequest) -> Reply:
    return req.example(201)


def order_esim(req: ApiRequest) -> Reply:
    return req.example(201)


def list_orders(req: ApiRequest) -> Reply:
    return req.example(200)


def get_order_status(req: ApiRequest) -> Reply:
    return req.example(200)


def cancel_order(req: ApiRequest) -> Reply:
    return req.example(200)


def renew_order(req: ApiRequest) -> Reply:
    return req.example(200)
