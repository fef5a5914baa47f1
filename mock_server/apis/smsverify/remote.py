"""What drift and contract ask of the real smsVerificationService, and what it may cost."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from mock_server.drift.probes import SAFE, SPEND, Probe, Results

PER_MINUTE = 50  # contract's pace: the service allows 60 a minute
# Which operations a contract run may call, by what they may cost (see contract.plan).
GRADES: dict[str, str] = {
    "getBalance": SAFE,
    "getWalletBalance": SAFE,
    "listTemporaryServices": SAFE,
    "listRentalServices": SAFE,
    "listRent1DayServices": SAFE,
    "listRent30DaysServices": SAFE,
    "listBestTempServices": SAFE,
    "listEsimPlans": SAFE,
    "listGlobalCountries": SAFE,
    "listGlobalServices": SAFE,
    "listOrders": SAFE,
    "getOrderStatus": SAFE,
    "orderTemporary": SPEND,
    "orderRental": SPEND,
    "orderBestTemp": SPEND,
    "orderRent1Day": SPEND,
    "orderRent30Days": SPEND,
    "orderGlobal": SPEND,
    "orderEsim": SPEND,
    # On the account's own orders: a made-up id could be one of them.
    "cancelOrder": SPEND,
    "renewOrder": SPEND,
}
KEYED_SPEND: tuple[str, ...] = ()


def price_ceiling() -> Decimal:
    """The most one request can cost: the dearest item of the documents' catalogs (USD)."""
    from mock_server.apis.smsverify.catalog import Catalog

    catalog = Catalog()
    prices = [
        p.price
        for kind in ("temporary", "best_temp", "rent_1day", "rent_30days", "global_offers")
        for p in getattr(catalog, kind)
    ]
    prices += [r.price_30days for r in catalog.rental] + [e.price for e in catalog.esim]
    return max(prices)


V1 = "/api/v1"


def probes(results: Results) -> Iterator[Probe]:
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
