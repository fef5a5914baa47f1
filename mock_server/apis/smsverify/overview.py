"""What the dashboard shows of smsVerificationService: its orders and its USD wallets."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mock_server.apis.overview import listing, money, order_row
from mock_server.apis.smsverify.models import Order, SmsVerifyBackend
from mock_server.engine.clock import parse_iso
from mock_server.engine.store import Backend


def overview(backend: Backend, limit: int) -> dict[str, Any]:
    assert isinstance(backend, SmsVerifyBackend)

    def accounts() -> list[dict[str, Any]]:
        return [
            {
                "api_key": a.api_key,
                "balance": money(a.balance),
                "currency": "USD",
                "callback_url": a.callback_url,
            }
            for a in backend.accounts.values()
        ]

    return listing(
        backend,
        limit,
        lambda order: _row(backend, order),
        accounts,
        adds_accounts=True,
        delivers="SMS",
    )


def _row(backend: SmsVerifyBackend, order: Order) -> dict[str, Any]:
    steps: list[tuple[str, float | None]] = [("ordered, paid from the wallet", order.created_at)]
    steps += [("SMS", parse_iso(sms.at).timestamp()) for sms in order.sms]
    return order_row(
        order_id=order.order_id,
        kind=order.kind,
        status=order.status,
        price=order.price,
        currency="USD",
        charged=Decimal(0) if order.refunded else order.price,
        refunded=order.price if order.refunded else Decimal(0),
        steps=steps,
        upcoming=backend.timeline.upcoming(order.order_id),
        number=order.phone,
        code=order.sms[-1].otp if order.sms else None,
        can_deliver=order.status in ("pending", "active") and order.phone is not None,
    )
