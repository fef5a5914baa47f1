"""What drift and contract ask of the real sms4sats, and what it may cost."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from mock_server.drift.probes import ORDERS, SAFE, SPEND, UNKNOWN_HASH, Probe, Results

PER_MINUTE = 60  # contract's pace against the real service
# Which operations a contract run may call, by what they may cost (see contract.plan).
GRADES: dict[str, str] = {
    "getAvailability": SAFE,
    "getPrice": SAFE,
    "getNumbersStatus": SAFE,
    "getCountries": SAFE,
    "getRentalCountries": SAFE,
    # A random 64-hex orderId is never anyone's order: status and cancel only get errors.
    "getOrderStatus": SAFE,
    "cancelOrder": SAFE,
    "getBalance": SAFE,
    "getHistory": SAFE,
    "createOrder": ORDERS,
    "createSendOrder": ORDERS,
    "createEmailSendOrder": ORDERS,
    "createFundOrder": ORDERS,
}
# With a key, its order endpoints take `immediate: true` and debit the balance.
KEYED_SPEND = ("createOrder", "createSendOrder", "createEmailSendOrder")


def price_ceiling() -> Decimal:
    """The most one request can cost: the dearest item of the documents' catalogs (sats)."""
    from mock_server.apis.sms4sats.catalog import DEFAULT_PRICES

    return Decimal(max(DEFAULT_PRICES.values()))


def probes(results: Results) -> Iterator[Probe]:
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
