"""Hold-invoice states follow LND: OPEN -> ACCEPTED -> SETTLED | CANCELED."""

from __future__ import annotations

import pytest

from mock_server.lightning.invoices import HoldInvoice, InvoiceState, InvoiceStateError


class Issuer:
    """Stands for the node: the payment request itself is the node's business (test_node)."""

    def payreq(self, invoice: HoldInvoice) -> str:
        return "lnbc30u1..."


def _invoice() -> HoldInvoice:
    return HoldInvoice(
        payment_hash="00" * 32,
        preimage_bytes=bytes.fromhex("11" * 32),
        secret_bytes=bytes.fromhex("22" * 32),
        amount_sat=3000,
        description="d",
        created_at=1000,
        expiry=100,
        min_final_cltv_expiry=40,
        issuer=Issuer(),
    )


class Listener:
    """What an order hears from its invoice."""

    def __init__(self) -> None:
        self.heard: list[str] = []

    def invoice_accepted(self, invoice: HoldInvoice) -> None:
        self.heard.append(invoice.state.value)

    def invoice_canceled(self, invoice: HoldInvoice) -> None:
        self.heard.append("canceled")


def test_paid_then_settled() -> None:
    invoice = _invoice()
    invoice.listener = listener = Listener()
    heard = listener.heard
    invoice.accept(1001)
    invoice.settle(1002)
    assert invoice.state is InvoiceState.SETTLED
    assert heard == ["ACCEPTED"]
    assert invoice.describe()["preimage"] == "11" * 32


def test_preimage_is_secret_until_settled() -> None:
    invoice = _invoice()
    invoice.accept(1001)
    assert invoice.describe()["preimage"] is None


def test_settle_needs_accepted() -> None:
    invoice = _invoice()
    with pytest.raises(InvoiceStateError, match="only an ACCEPTED invoice settles"):
        invoice.settle(1001)
    invoice.cancel(1001)
    with pytest.raises(InvoiceStateError):
        invoice.settle(1002)


def test_cancel_is_idempotent_and_refused_once_settled() -> None:
    invoice = _invoice()
    invoice.listener = listener = Listener()
    heard = listener.heard
    invoice.accept(1001)
    assert invoice.cancel(1002) is True
    assert invoice.cancel(1003) is False
    assert heard == ["ACCEPTED", "canceled"]
    assert invoice.canceled_at == 1002
    settled = _invoice()
    settled.accept(1001)
    settled.settle(1002)
    with pytest.raises(InvoiceStateError, match="already settled"):
        settled.cancel(1003)


def test_paying_twice_or_after_expiry_is_refused() -> None:
    invoice = _invoice()
    invoice.accept(1001)
    with pytest.raises(InvoiceStateError, match="ACCEPTED, not OPEN"):
        invoice.accept(1002)
    with pytest.raises(InvoiceStateError, match="expired"):
        _invoice().accept(1100)
