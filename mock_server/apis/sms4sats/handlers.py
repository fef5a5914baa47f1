"""sms4sats handlers, one per operation, named after its operationId: read the validated
request, make one backend call, shape the answer as documented."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mock_server.apis.sms4sats.catalog import AUTO_SELECT_CC, COUNTRIES
from mock_server.apis.sms4sats.models import Sms4satsBackend
from mock_server.apis.sms4sats.orders import Order
from mock_server.spec.api import ApiRequest, Later, Reply

if TYPE_CHECKING:
    from mock_server.engine.simulation import Simulation
    from mock_server.engine.store import Backend

API_KEY = "ApiKey"


def rate_limit(
    sim: Simulation, backend: Backend | None, credentials: dict[str, str], client: str
) -> None:
    """sms4sats checks no key up front; a scenario may limit the rate per client address."""
    assert isinstance(backend, Sms4satsBackend)
    backend.throttle(client)


def _backend(req: ApiRequest) -> Sms4satsBackend:
    assert isinstance(req.backend, Sms4satsBackend)
    return req.backend


def _created(req: ApiRequest, order: Order) -> Reply | Later:
    """The new order's id and its invoice's payment request, which the answer waits for while
    a worker process signs it (the server answers others meanwhile)."""
    invoice = order.invoice
    if invoice is None:  # paid from the balance
        return Reply({"status": "OK", "orderId": order.order_id, "payreq": "paid"})

    def answer() -> Reply:
        return Reply({"status": "OK", "orderId": order.order_id, "payreq": invoice.payreq})

    signing = _backend(req).node.signing(invoice)
    return answer() if signing is None else Later(signing, answer)


def get_availability(req: ApiRequest) -> Reply:
    return Reply({"status": "OK"})


def get_price(req: ApiRequest) -> Reply:
    catalog = _backend(req).settings.catalog
    country_in, service = req.query.get("country"), req.query.get("service")
    country = catalog.country(country_in) if country_in is not None else None
    if service is not None:
        catalog.service(service)
    receive = catalog.price("receive", country, service)
    # Strings and numbers mixed, as the live service answers.
    body: dict[str, Any] = {
        "receive": str(receive),
        "send": catalog.price("send"),
        "rent": catalog.price("rent", country, service),
        "s4s": str(catalog.price("s4s", country, service)),
        "query": {"country": country_in, "service": service},
    }
    if country is not None:
        body["computed"] = {
            "price": receive,
            "country": country.cc,
            "description": f"sms4sats payment {country.name} {service or ''}".rstrip(),
        }
    return Reply(body)


def get_numbers_status(req: ApiRequest) -> Reply:
    catalog = _backend(req).settings.catalog
    country = catalog.country(req.query["country"])
    return Reply(
        [
            {
                "key": service.code,
                "text": service.name,
                "value": service.code,
                "count": str(catalog.count(country, service)),
                "image": {"avatar": True, "src": f"/assets/saimages/{service.code}0.png"},
            }
            for service in catalog.services
        ]
    )


def get_countries(req: ApiRequest) -> Reply:
    countries = [c for c in COUNTRIES if c.cc != AUTO_SELECT_CC]
    if _backend(req).settings.country_items == "with_id":
        return Reply([{"id": c.cc, "cc": c.cc, "country": c.name} for c in countries])
    return Reply([{"cc": c.cc, "country": c.name} for c in countries])


def get_rental_countries(req: ApiRequest) -> Reply:
    offers = _backend(req).settings.catalog.rental_offers()
    return Reply(
        [
            {"cc": c.cc, "country": c.name, "duration": str(weeks), "price": price}
            for c, price, weeks in offers
        ]
    )


def create_order(req: ApiRequest) -> Reply | Later:
    body = req.body
    order = _backend(req).create_receive_order(
        body["country"],
        body["service"],
        api_key=req.credentials.get(API_KEY),
        immediate=body.get("immediate", False),
        rental=body.get("isRental", False),
        realphone=body.get("realphone", False),
        ref=body.get("ref"),
    )
    return _created(req, order)


def get_order_status(req: ApiRequest) -> Reply:
    backend = _backend(req)
    return Reply(backend.status(backend.order(req.query["orderId"])))


def cancel_order(req: ApiRequest) -> Reply:
    _backend(req).cancel_order(req.query["orderId"])
    return Reply({"status": "OK"})


def create_send_order(req: ApiRequest) -> Reply | Later:
    return _send(req, "send", req.body["phone"])


def create_email_send_order(req: ApiRequest) -> Reply | Later:
    return _send(req, "email", req.body["address"])


def _send(req: ApiRequest, kind: str, destination: str) -> Reply | Later:
    body = req.body
    order = _backend(req).create_send_order(
        kind,  # type: ignore[arg-type]
        destination,
        body["message"],
        api_key=req.credentials.get(API_KEY),
        immediate=body.get("immediate", False),
        webhook_url=body.get("webhookUrl"),
        ref=body.get("ref"),
    )
    return _created(req, order)


def create_fund_order(req: ApiRequest) -> Reply | Later:
    amount = int(req.body["amount"])  # validated as an integer: 27398.0 is 27398 sats
    return _created(req, _backend(req).create_fund_order(req.credentials[API_KEY], amount))


def get_balance(req: ApiRequest) -> Reply:
    return Reply(
        {"status": "OK", "balance": _backend(req).account(req.credentials[API_KEY]).balance}
    )


def get_history(req: ApiRequest) -> Reply:
    fundings = _backend(req).history(req.credentials[API_KEY])
    return Reply(
        {
            "status": "OK",
            "totalAmount": sum(f.amount for f in fundings),
            "orders": [f.to_history() for f in fundings],
        }
    )
