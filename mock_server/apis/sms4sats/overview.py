"""What the dashboard shows of sms4sats: its orders (newest first) and its prepaid accounts."""

from __future__ import annotations

from typing import Any

from mock_server.apis.overview import invoice_of, listing, order_row
from mock_server.apis.sms4sats.models import Sms4satsBackend
from mock_server.apis.sms4sats.orders import Order
from mock_server.engine.store import Backend


def overview(backend: Backend, limit: int) -> dict[str, Any]:
    assert isinstance(backend, Sms4satsBackend)
    accounts = backend.accounts.values()
    return listing(
        backend,
        limit,
        lambda order: _row(backend, order),
        lambda: [
            {"api_key": a.api_key, "balance": str(a.balance), "currency": "sats"} for a in accounts
        ],
        adds_accounts=True,
    )


def _row(backend: Sms4satsBackend, order: Order) -> dict[str, Any]:
    invoice = order.invoice
    steps = [
        ("created", order.created_at),
        ("paid", order.paid_at),
        ("number", order.number_ms / 1000 if order.number_ms is not None else None),
    ]
    if invoice is not None:  # a receive order's invoice settles as its first code arrives
        first_code = invoice.settled_at if order.kind == "receive" and order.codes else None
        steps += [("code", first_code), ("settled", invoice.settled_at)]
        steps.append(("canceled", invoice.canceled_at))
    status = order.error or (
        order.sms_status
        if order.kind in ("send", "email")
        else "code received"
        if order.codes
        else "waiting for the code"
        if order.paid
        else "waiting for payment"
    )
    return order_row(
        order_id=order.order_id,
        kind=order.kind,
        status=status,
        price=order.price,
        currency="sats",
        charged=order.price if order.charged else 0,
        refunded=order.price if order.refunded else 0,
        steps=steps,
        upcoming=backend.timeline.upcoming(order.order_id),
        invoice=invoice_of(invoice),
        number=str(order.number) if order.number is not None else None,
        code=order.codes[-1] if order.codes else None,
        can_deliver=order.kind == "receive"
        and order.paid
        and order.error is None
        and (not order.codes or order.rental),
    )
