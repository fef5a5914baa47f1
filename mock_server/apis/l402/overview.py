"""What the dashboard shows of the L402 API: its orders (no accounts: each order pays itself)."""

from __future__ import annotations

from functools import partial
from typing import Any

from mock_server.apis.l402.catalog import RENT
from mock_server.apis.l402.models import L402Backend
from mock_server.apis.l402.orders import L402Order
from mock_server.apis.overview import invoice_of, listing, order_row
from mock_server.engine.store import Backend


def overview(backend: Backend, limit: int) -> dict[str, Any]:
    assert isinstance(backend, L402Backend)
    row = partial(_row, backend)
    return listing(backend, limit, row, list, adds_accounts=False)  # each order pays itself


def _row(backend: L402Backend, order: L402Order) -> dict[str, Any]:
    invoice = backend.node.invoice(order.payment_hash)
    steps: list[tuple[str, float | None]] = [("created", order.created_at), ("paid", order.paid_at)]
    steps += [("code" if order.type != RENT else "SMS", at) for _, at in order.messages]
    refund = order.refund
    if refund is not None and refund.paid_at is not None:
        steps.append(("refunded", refund.paid_at))
    return order_row(
        order_id=order.order_id,
        kind=order.type,
        status=order.status,
        price=order.price,
        currency="sats",
        charged=order.price if order.paid else 0,
        refunded=order.refunded_sats,
        steps=steps,
        upcoming=backend.timeline.upcoming(order.order_id),
        invoice=invoice_of(invoice),
        number=order.number,
        code=order.code,
        can_deliver=order.paid and not order.final and (not order.messages or order.type == RENT),
    )
