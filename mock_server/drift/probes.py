"""What a drift run asks each service, graded by what it may cost.

- ``safe``: cannot spend anything: catalogs, prices, balances, the status of ids that do not
  exist, and the errors of requests without credentials or with bad input;
- ``orders`` (sms4sats, ``--allow-orders``): creates orders that only return unpaid invoices;
- ``spend`` (``--allow-spend``, up to ``--max-spend``): debits a prepaid balance or wallet.

Probes are generated one at a time, so a later one can use what an earlier one answered (the
id of an order just made, the cheapest service of a catalog).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

SAFE, ORDERS, SPEND = "safe", "orders", "spend"
UNKNOWN_HASH = hashlib.sha256(b"sms-mock drift: no such order").hexdigest()


@dataclass(frozen=True)
class Probe:
    name: str
    operation: str
    method: str
    path: str
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    credentials: bool = True
    needs: str = SAFE
    cost: Decimal = Decimal(0)  # in the API's money: sats or USD
    expected_text: str | None = None  # for errors: the text sms-mock assumes the service sends


Results = dict[str, Any]


def sms4sats(results: Results) -> Iterator[Probe]:
    yield Probe("availability", "getAvailability", "GET", "/")
    yield Probe("price", "getPrice", "GET", "/price")
    yield Probe("price for USA tg", "getPrice", "GET", "/price", {"country": 187, "service": "tg"})
    yield Probe("services of USA", "getNumbersStatus", "GET", "/getnumbersstatus", {"country": 187})
    yield Probe(
        "services by country name",
        "getNumbersStatus",
        "GET",
        "/getnumbersstatus",
        {"country": "germany"},
    )
    yield Probe("countries", "getCountries", "GET", "/getCountries")
    yield Probe(
        "rental countries", "getRentalCountries", "GET", "/getRentalCountries", {"service": "full"}
    )
    yield Probe(
        "status of an unknown order",
        "getOrderStatus",
        "GET",
        "/orderstatus",
        {"orderId": UNKNOWN_HASH},
    )
    yield Probe(
        "services without a country",
        "getNumbersStatus",
        "GET",
        "/getnumbersstatus",
        expected_text="country query parameter is required",
    )
    yield Probe(
        "balance without a key",
        "getBalance",
        "GET",
        "/balance",
        credentials=False,
        expected_text="X-API-Key header is missing.",
    )
    yield Probe(
        "history without a key",
        "getHistory",
        "GET",
        "/history",
        credentials=False,
        expected_text="X-API-Key header is missing.",
    )
    yield Probe("balance", "getBalance", "GET", "/balance")
    yield Probe("history", "getHistory", "GET", "/history")
    yield Probe(
        "receive order (unpaid invoice)",
        "createOrder",
        "POST",
        "/createorder",
        body={"country": 187, "service": "tg"},
        needs=ORDERS,
    )
    created = results.get("receive order (unpaid invoice)")
    if isinstance(created, dict) and isinstance(created.get("orderId"), str):
        yield Probe(
            "status of an unpaid order",
            "getOrderStatus",
            "GET",
            "/orderstatus",
            {"orderId": created["orderId"]},
            needs=ORDERS,
        )
    yield Probe(
        "send order (unpaid invoice)",
        "createSendOrder",
        "POST",
        "/createsendorder",
        body={"message": "sms-mock drift check", "phone": "+19871234567"},
        needs=ORDERS,
    )
    yield Probe(
        "fund order (unpaid invoice)",
        "createFundOrder",
        "POST",
        "/fund",
        body={"amount": 1000},
        needs=ORDERS,
    )
    price = results.get("price")
    receive = Decimal(str(price.get("receive", 0))) if isinstance(price, dict) else Decimal(3000)
    yield Probe(
        "receive order from the balance",
        "createOrder",
        "POST",
        "/createorder",
        body={"country": 187, "service": "tg", "immediate": True},
        needs=SPEND,
        cost=receive,
    )


V1 = "/api/v1"


def smsverify(results: Results) -> Iterator[Probe]:
    yield Probe("balance", "getBalance", "GET", f"{V1}/balance/")
    yield Probe("wallet balance", "getWalletBalance", "GET", f"{V1}/wallet/balance/")
    yield Probe("temporary services", "listTemporaryServices", "GET", f"{V1}/services/temporary/")
    yield Probe("rental services", "listRentalServices", "GET", f"{V1}/services/rental/")
    yield Probe("1-day services", "listRent1DayServices", "GET", f"{V1}/services/rent-1day/")
    yield Probe("30-day services", "listRent30DaysServices", "GET", f"{V1}/services/rent-30days/")
    yield Probe("best-temp services", "listBestTempServices", "GET", f"{V1}/services/best-temp/")
    yield Probe("eSIM plans", "listEsimPlans", "GET", f"{V1}/services/esim/")
    yield Probe("global countries", "listGlobalCountries", "GET", f"{V1}/global/countries/")
    countries = results.get("global countries")
    listed = countries.get("countries") if isinstance(countries, dict) else None
    if listed and isinstance(listed[0], dict) and "country_id" in listed[0]:
        yield Probe(
            "global services of a country",
            "listGlobalServices",
            "GET",
            f"{V1}/global/services/",
            {"country_id": listed[0]["country_id"]},
        )
    yield Probe(
        "global services without country_id",
        "listGlobalServices",
        "GET",
        f"{V1}/global/services/",
        expected_text="country_id query parameter is required",
    )
    yield Probe("orders", "listOrders", "GET", f"{V1}/orders/")
    yield Probe(
        "status of an unknown order",
        "getOrderStatus",
        "GET",
        f"{V1}/order/999999999/status/",
        expected_text="Order not found",
    )
    yield Probe(
        "balance without a key",
        "getBalance",
        "GET",
        f"{V1}/balance/",
        credentials=False,
        expected_text="Invalid API key",
    )
    yield Probe(
        "temporary services without a key",
        "listTemporaryServices",
        "GET",
        f"{V1}/services/temporary/",
        credentials=False,
        expected_text="Invalid or missing API key",
    )
    catalog = results.get("temporary services")
    services = (catalog.get("data") or {}).get("services") if isinstance(catalog, dict) else None
    if services:
        cheapest = min(services, key=lambda s: Decimal(str(s.get("price", "9999"))))
        yield Probe(
            "temporary order",
            "orderTemporary",
            "POST",
            f"{V1}/order/temporary/",
            body={"service_id": cheapest["service_id"]},
            needs=SPEND,
            cost=Decimal(str(cheapest["price"])),
        )
        placed = results.get("temporary order")
        data = placed.get("data") if isinstance(placed, dict) else None
        if isinstance(data, dict) and "order_id" in data:
            order = data["order_id"]
            yield Probe(
                "status of the order",
                "getOrderStatus",
                "GET",
                f"{V1}/order/{order}/status/",
                needs=SPEND,
            )
            yield Probe(
                "cancel the order (refund)",
                "cancelOrder",
                "POST",
                f"{V1}/order/{order}/cancel/",
                needs=SPEND,
            )


PROBES = {"sms4sats": sms4sats, "smsverify": smsverify}
