"""L402 API handlers, one per operation, named after its operationId: read the validated
request, make one backend call, shape the answer."""

from __future__ import annotations

from typing import Any

from mock_server.apis.l402.catalog import DEFAULT_PRICES, ORDER_TYPES
from mock_server.apis.l402.errors import render_error
from mock_server.apis.l402.models import L402Backend
from mock_server.spec.api import ApiRequest, Reply

NAME = "sms4sats L402 API"
SKILL = "https://api.sms4sats.com/skill.md"
SKILL_VERSION = "2.3.0"
ENDPOINTS = (
    ("GET", "/health", False, "liveness"),
    ("GET", "/.well-known/l402-services", False, "the paid services of this host"),
    ("GET", "/v2/l402", False, "this index"),
    ("GET", "/v2/l402/services", False, "service codes"),
    ("GET", "/v2/l402/catalog", False, "offers by country and service, prices in sats"),
    ("POST", "/v2/l402/order", True, "order a number (answers 402 with the L402 challenge)"),
    ("GET", "/v2/l402/order/{orderId}", True, "the order's state, number and code"),
    ("POST", "/v2/l402/order/{orderId}/cancel", True, "cancel before the first SMS; refunded"),
)


def _backend(req: ApiRequest) -> L402Backend:
    assert isinstance(req.backend, L402Backend)
    return req.backend


def _authorization(req: ApiRequest) -> str | None:
    return req.headers.get("Authorization")


def get_health(req: ApiRequest) -> Reply:
    return Reply({"status": "ok", "service": "sms4sats-l402", "version": SKILL_VERSION})


def get_service_directory(req: ApiRequest) -> Reply:
    prices = _backend(req).settings.catalog.prices
    pricing = {type_: prices.get(type_, DEFAULT_PRICES[type_]) for type_ in ORDER_TYPES}
    return Reply(
        {
            "services": [
                {
                    "name": "sms4sats",
                    "description": "Receive an SMS verification code on a temporary number",
                    "protocol": "L402",
                    "method": "POST",
                    "endpoint": "/v2/l402/order",
                    "pricing": pricing,
                }
            ]
        }
    )


def get_index(req: ApiRequest) -> Reply:
    return Reply(
        {
            "name": NAME,
            "version": SKILL_VERSION,
            "protocol": "L402",
            "skill": SKILL,
            "orderTypes": list(ORDER_TYPES),
            "endpoints": [
                {"method": m, "path": p, "paid": paid, "description": d}
                for m, p, paid, d in ENDPOINTS
            ],
        }
    )


def list_services(req: ApiRequest) -> Reply:
    services = _backend(req).settings.catalog.services
    return Reply({"services": [{"code": code, "name": name} for code, name in services]})


def get_catalog(req: ApiRequest) -> Reply:
    catalog = _backend(req).settings.catalog
    country = (req.query.get("country") or "").strip()
    service = (req.query.get("service") or "").strip()
    if country.lower() == "auto":
        country = ""
    return Reply({"offers": catalog.offers(country or None, service or None)})


def create_l402_order(req: ApiRequest) -> Reply:
    backend = _backend(req)
    paid = backend.paid_order(_authorization(req))
    if paid is not None:  # the paid retry: the order these credentials are for
        return Reply(backend.status(paid))
    body: dict[str, Any] = req.body
    order = backend.create_order(
        body["type"],
        country=body.get("country"),
        service=body.get("service"),
        refund_invoice=body.get("refundInvoice"),
        earlier_id=body.get("orderId"),
        days=body.get("days"),
    )
    return render_error(backend.challenge(order), req.operation)  # 402: pay, then call again


def get_l402_order(req: ApiRequest) -> Reply:
    backend = _backend(req)
    order = backend.authorize(req.path["orderId"], _authorization(req))
    return Reply(backend.status(order))


def cancel_l402_order(req: ApiRequest) -> Reply:
    backend = _backend(req)
    order = backend.authorize(req.path["orderId"], _authorization(req))
    return Reply(backend.status(backend.cancel(order)))
