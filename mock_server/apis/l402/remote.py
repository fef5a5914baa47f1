"""What drift and contract ask of the real L402 API, and what it may cost.

Every probe is safe: the free endpoints, the status and cancel of an order id nobody has, and
an unpaid order, which is only a 402 and an invoice until someone pays it (it needs no account
and spends nothing; its invoice expires).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from mock_server.drift.probes import SAFE, Probe, Results

PER_MINUTE = 30  # contract's pace against the real service (no limit is published)
UNKNOWN_ORDER = "00000000-0000-4000-8000-000000000000"
GRADES: dict[str, str] = {
    "getHealth": SAFE,
    "getServiceDirectory": SAFE,
    "getIndex": SAFE,
    "listServices": SAFE,
    "getCatalog": SAFE,
    "createL402Order": SAFE,  # without credentials: a 402 and an unpaid invoice
    "getL402Order": SAFE,  # without credentials: a 402 (or a 404 for an id nobody has)
    "cancelL402Order": SAFE,
}
KEYED_SPEND: tuple[str, ...] = ()


def price_ceiling() -> Decimal:
    """Nothing a probe sends can cost anything: nothing is paid."""
    return Decimal(0)


def probes(results: Results) -> Iterator[Probe]:
    def free(name: str, operation: str, path: str, **query: str) -> Probe:
        return Probe(name, operation, "GET", path, query, credentials=False)

    yield free("health", "getHealth", "/health")
    yield free("service directory", "getServiceDirectory", "/.well-known/l402-services")
    yield free("index", "getIndex", "/v2/l402")
    yield free("services", "listServices", "/v2/l402/services")
    yield free("catalog", "getCatalog", "/v2/l402/catalog", country="", service="")
    yield free("catalog of US tg", "getCatalog", "/v2/l402/catalog", country="US", service="tg")
    yield free("an order nobody has", "getL402Order", f"/v2/l402/order/{UNKNOWN_ORDER}")
    yield Probe(
        "unpaid order (the 402 challenge)",
        "createL402Order",
        "POST",
        "/v2/l402/order",
        body={"type": "receive-sms", "country": "auto", "service": "tg"},
        credentials=False,
    )
    created = results.get("unpaid order (the 402 challenge)")
    if isinstance(created, dict) and isinstance(created.get("orderId"), str):
        yield free(
            "status of the unpaid order", "getL402Order", f"/v2/l402/order/{created['orderId']}"
        )
