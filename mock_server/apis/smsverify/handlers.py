"""smsVerificationService handlers, one per operation, named after its operationId: read the
validated request, make one backend call, shape the answer as the document shows it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mock_server.apis.smsverify.catalog import Product
from mock_server.apis.smsverify.models import Order, SmsVerifyBackend
from mock_server.engine.clock import iso_utc
from mock_server.spec.api import ApiRequest, Reply

if TYPE_CHECKING:
    from mock_server.engine.simulation import Simulation
    from mock_server.engine.store import Backend

BEARER = "BearerAuth"


def authenticate(
    sim: Simulation, backend: Backend | None, credentials: dict[str, str], client: str
) -> None:
    """Every /api/v1 call needs the Bearer key of a known account (401 otherwise)."""
    assert isinstance(backend, SmsVerifyBackend)
    backend.account(credentials[BEARER])


def rate_limit(
    sim: Simulation, backend: Backend | None, credentials: dict[str, str], client: str
) -> None:
    """At most 60 requests a minute per key (the scenario's numbers); 429 over them."""
    assert isinstance(backend, SmsVerifyBackend)
    backend.count_request(credentials[BEARER])


def _backend(req: ApiRequest) -> SmsVerifyBackend:
    assert isinstance(req.backend, SmsVerifyBackend)
    return req.backend


def _key(req: ApiRequest) -> str:
    return req.credentials[BEARER]


def _data(data: Any, status: int = 200) -> Reply:
    return Reply({"success": True, "data": data}, status)


def _iso(ts: float) -> str:
    """UTC ISO 8601 to the second, as the document's timestamps are."""
    return iso_utc(datetime.fromtimestamp(int(ts), UTC))


# -- wallet ------------------------------------------------------------------------------
def _balance(req: ApiRequest) -> dict[str, Any]:
    return {"balance": _backend(req).account(_key(req)).balance, "currency": "USD"}


def get_balance(req: ApiRequest) -> Reply:
    return Reply(_balance(req))


def get_wallet_balance(req: ApiRequest) -> Reply:
    return _data(_balance(req))


# -- catalogs ----------------------------------------------------------------------------
def _services(products: tuple[Product, ...], country: str | None = None) -> Reply:
    rows = [
        {
            "service_id": p.service_id,
            "name": p.name,
            "price": p.price,
            **({"country": country} if country else {}),
        }
        for p in products
        if p.stock > 0
    ]
    return _data({"services": rows})


def list_temporary_services(req: ApiRequest) -> Reply:
    return _services(_backend(req).settings.catalog.temporary)


def list_rent1_day_services(req: ApiRequest) -> Reply:
    return _services(_backend(req).settings.catalog.rent_1day)


def list_rent30_days_services(req: ApiRequest) -> Reply:
    return _services(_backend(req).settings.catalog.rent_30days)


def list_best_temp_services(req: ApiRequest) -> Reply:
    return _services(_backend(req).settings.catalog.best_temp, country="US")


def list_rental_services(req: ApiRequest) -> Reply:
    return Reply(
        [
            {
                "name": r.name,
                "sell_price_3days": r.price_3days,
                "sell_price_30days": r.price_30days,
                "price_3days": r.price_3days,
                "price_30days": r.price_30days,
            }
            for r in _backend(req).settings.catalog.rental
            if r.stock > 0
        ]
    )


def list_esim_plans(req: ApiRequest) -> Reply:
    return Reply(
        [
            {
                "name": p.name,
                "data_gb": p.data_gb,
                "validity_days": p.validity_days,
                "sell_price": p.price,
                "price": p.price,
            }
            for p in _backend(req).settings.catalog.esim
        ]
    )


def list_global_countries(req: ApiRequest) -> Reply:
    countries = _backend(req).settings.catalog.listed_countries()
    return Reply(
        {"countries": [{"country_id": c.country_id, "country_name": c.name} for c in countries]}
    )


def list_global_services(req: ApiRequest) -> Reply:
    catalog = _backend(req).settings.catalog
    country = catalog.country(req.query["country_id"])
    offers = [
        {
            "service_id": o.service_id,
            "service_name": o.name,
            "country_id": country.country_id,
            "country_name": country.name,
            "sell_price": o.price,
            "price": o.price,
        }
        for o in catalog.offers(country.country_id)
        if o.stock > 0
    ]
    return Reply({"country_id": country.country_id, "country_name": country.name, "offers": offers})


# -- orders ------------------------------------------------------------------------------
def _placed(order: Order) -> Reply:
    return _data({"order_id": order.order_id, "phone": order.phone, "status": order.status}, 201)


def _product_order(req: ApiRequest, kind: str) -> Reply:
    body = req.body
    order = _backend(req).order_product(
        _key(req), kind, int(body["service_id"]), body.get("area_code")
    )
    return _placed(order)


def order_temporary(req: ApiRequest) -> Reply:
    return _product_order(req, "temporary")


def order_best_temp(req: ApiRequest) -> Reply:
    return _product_order(req, "best_temp")


def order_rent1_day(req: ApiRequest) -> Reply:
    return _product_order(req, "rent_1day")


def order_rent30_days(req: ApiRequest) -> Reply:
    return _product_order(req, "rent_30days")


def order_global(req: ApiRequest) -> Reply:
    body = req.body
    return _placed(
        _backend(req).order_global(_key(req), int(body["service_id"]), body["country_id"])
    )


def order_rental(req: ApiRequest) -> Reply:
    order = _backend(req).order_rental(_key(req), req.body["service"], req.body["duration"])
    assert order.expires_at is not None
    return Reply(
        {
            "success": True,
            "order_id": order.order_id,
            "phone": order.phone,
            "sell_price": order.price,
            "price": order.price,
            "status": order.status,
            "expiry_date": _iso(order.expires_at),
        },
        201,
    )


def order_esim(req: ApiRequest) -> Reply:
    order = _backend(req).order_esim(_key(req), req.body["plan"])
    return Reply(
        {
            "success": True,
            "order_id": order.order_id,
            "activation_code": order.activation_code,
            "sell_price": order.price,
            "price": order.price,
            "status": order.status,
        },
        201,
    )


def list_orders(req: ApiRequest) -> Reply:
    return Reply(
        [
            {
                "order_id": o.order_id,
                "service": o.service,
                "status": o.status,
                "sell_price": o.price,
                "price": o.price,
                "phone": o.phone,
                "created_at": _iso(o.created_at),
            }
            for o in _backend(req).orders_of(_key(req))
        ]
    )


def get_order_status(req: ApiRequest) -> Reply:
    backend = _backend(req)
    return _data(backend.status(backend.order(_key(req), req.path["order_id"])))


def cancel_order(req: ApiRequest) -> Reply:
    order = _backend(req).cancel(_key(req), req.path["order_id"])
    return _data({"order_id": order.order_id, "status": order.status})


def renew_order(req: ApiRequest) -> Reply:
    order = _backend(req).renew(_key(req), req.path["order_id"])
    return _data({"order_id": order.order_id, "status": order.status, "phone": order.phone})
