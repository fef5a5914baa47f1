"""Which operations a contract run may call, graded by what they may cost, as drift grades its
probes: ``safe`` cannot spend anything, ``orders`` makes sms4sats orders that only return
unpaid invoices (sent without a key, so nothing comes off a balance), ``spend`` may debit a
balance or a wallet, or change the account's own orders."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from mock_server.drift.probes import ORDERS, SAFE, SPEND
from mock_server.services import SERVICES


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
    service = SERVICES[api]
    grades = grades_of(api)
    planned = [Run(SAFE, _of(grades, SAFE), key is not None)]
    skipped = []
    if not key:
        skipped.append(
            f"no key (--api-key or ${service.key_variable}): keyed operations get only their"
            " 401/400"
        )
    if _of(grades, ORDERS):
        if allow_orders:
            planned.append(Run(ORDERS, _of(grades, ORDERS), False))
        else:
            skipped.append(f"{', '.join(_of(grades, ORDERS))}: create orders, need --allow-orders")
    spending = _of(grades, SPEND) + tuple(service.remote_checks().KEYED_SPEND)
    if allow_spend and key:
        planned.append(Run(SPEND, spending, True))
    else:
        why = "need --allow-spend and a key" if not allow_spend else "need a key"
        skipped.append(f"{', '.join(spending)}: may spend money, {why}")
    return planned, skipped


def _of(grades: dict[str, str], grade: str) -> tuple[str, ...]:
    return tuple(op for op, g in grades.items() if g == grade)


def grades_of(api: str) -> dict[str, str]:
    """``{operationId: grade}`` of every operation a run may call (the API's own table)."""
    grades: dict[str, str] = SERVICES[api].remote_checks().GRADES
    return grades


def price_ceiling(api: str) -> Decimal:
    """The most one request can cost: the dearest item of the documents' catalogs."""
    ceiling: Decimal = SERVICES[api].remote_checks().price_ceiling()
    return ceiling
