"""Which operations a contract run may call, graded by what they may cost, as drift grades its
probes: ``safe`` cannot spend anything, ``orders`` makes sms4sats orders that only return
unpaid invoices (sent without a key, so nothing comes off a balance), ``spend`` may debit a
balance or a wallet, or change the account's own orders."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from mock_server.drift.probes import ORDERS, SAFE, SPEND

GRADES: dict[str, dict[str, str]] = {
    "sms4sats": {
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
    },
    "smsverify": {
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
    },
}
# With a key, sms4sats' order endpoints take `immediate: true` and debit the balance.
KEYED_SPEND = {"sms4sats": ("createOrder", "createSendOrder", "createEmailSendOrder")}


@dataclass(frozen=True)
class Run:
    """One schemathesis run: a grade, its operations, whether the key is sent."""

    grade: str
    operations: tuple[str, ...]
    with_key: bool


def runs(
    api: str, *, key: str | None, allow_orders: bool, allow_spend: bool
) -> tuple[list[Run], list[str]]:
    """The runs to make, and the reasons each left-out grade is left out."""
    grades = GRADES[api]
    planned = [Run(SAFE, _of(grades, SAFE), key is not None)]
    skipped = []
    if not key:
        skipped.append(
            "no key (--api-key or $%s): keyed operations get only their 401/400"
            % ("SMS4SATS_API_KEY" if api == "sms4sats" else "SMSVERIFY_API_KEY")
        )
    if _of(grades, ORDERS):
        if allow_orders:
            planned.append(Run(ORDERS, _of(grades, ORDERS), False))
        else:
            skipped.append(f"{', '.join(_of(grades, ORDERS))}: create orders, need --allow-orders")
    spending = _of(grades, SPEND) + KEYED_SPEND.get(api, ())
    if allow_spend and key:
        planned.append(Run(SPEND, spending, True))
    else:
        why = "need --allow-spend and a key" if not allow_spend else "need a key"
        skipped.append(f"{', '.join(spending)}: may spend money, {why}")
    return planned, skipped


def _of(grades: dict[str, str], grade: str) -> tuple[str, ...]:
    return tuple(op for op, g in grades.items() if g == grade)


def price_ceiling(api: str) -> Decimal:
    """The most one request can cost: the dearest item of the documents' catalogs."""
    if api == "sms4sats":
        from mock_server.apis.sms4sats.catalog import DEFAULT_PRICES

        return Decimal(max(DEFAULT_PRICES.values()))
    from mock_server.apis.smsverify.catalog import Catalog

    catalog = Catalog()
    prices = [
        p.price
        for kind in ("temporary", "best_temp", "rent_1day", "rent_30days", "global_offers")
        for p in getattr(catalog, kind)
    ]
    prices += [r.price_30days for r in catalog.rental] + [e.price for e in catalog.esim]
    return max(prices)
