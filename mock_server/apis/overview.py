"""The dashboard's row of an order, the same shape for every API (GET /_mock/overview).

Each API's ``overview`` (its ApiDefinition's) turns its orders into these rows: what the order
is, its state, its money (as exact decimal strings, with the unit), its invoice, and its timeline
(the steps that happened, with their times, and the events still to come, with theirs).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from itertools import islice
from typing import Any

from mock_server.engine.clock import iso_at

Step = tuple[str, float | None]


def money(amount: int | Decimal) -> str:
    """Sats as an integer's digits, USD to the cent: never a float."""
    return str(amount) if isinstance(amount, int) else f"{amount:.2f}"


def order_row(
    *,
    order_id: str | int,
    kind: str,
    status: str,
    price: int | Decimal,
    currency: str,
    charged: int | Decimal,
    refunded: int | Decimal,
    steps: Iterable[Step],
    upcoming: Iterable[tuple[str, float]],
    invoice: dict[str, Any] | None = None,
    number: str | None = None,
    code: str | None = None,
    can_deliver: bool = False,
) -> dict[str, Any]:
    """One order as the dashboard lists it; ``steps`` without a time did not happen."""
    return {
        "id": str(order_id),
        "kind": kind,
        "status": status,
        "price": money(price),
        "charged": money(charged),
        "refunded": money(refunded),
        "currency": currency,
        "invoice": invoice,
        "number": number,
        "code": code,
        "timeline": [{"step": step, "at": iso_at(at)} for step, at in steps if at is not None],
        "upcoming": [{"step": step, "due": iso_at(due)} for step, due in upcoming],
        "can_pay": invoice is not None and invoice["state"] == "OPEN",
        "can_deliver": can_deliver,
    }


def invoice_of(invoice: Any) -> dict[str, Any] | None:
    """The part of a Lightning invoice the dashboard shows; the page asks for its payment
    request when it pays (GET /_mock/lightning/invoices/{hash}): 420 characters an order,
    every second, for a button seldom pressed."""
    if invoice is None:
        return None
    return {
        "state": invoice.state.value,
        "payment_hash": invoice.payment_hash,
        "amount_sat": invoice.amount_sat,
    }


def newest(orders: dict[Any, Any], limit: int) -> list[Any]:
    """The newest ``limit`` orders, newest first (dicts keep the order they were made in)."""
    return list(islice(reversed(orders.values()), max(limit, 0)))


def listing(
    backend: Any,
    limit: int,
    row: Callable[[Any], dict[str, Any]],
    accounts: Callable[[], list[dict[str, Any]]],
    *,
    adds_accounts: bool,
    delivers: str = "code",
) -> dict[str, Any]:
    """An API's part of the overview: its newest ``limit`` orders (``backend.orders``) as rows,
    how many there are, and its accounts; ``adds_accounts``: POST /_mock/NAME/accounts adds one;
    ``delivers``: what POST /_mock/NAME/orders/{id}/sms delivers (a code, an SMS)."""
    with backend.sim.lock:
        return {
            "orders": [row(order) for order in newest(backend.orders, limit)],
            "order_count": len(backend.orders),
            "adds_accounts": adds_accounts,
            "delivers": delivers,
            "accounts": accounts(),
        }
