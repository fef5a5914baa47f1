"""A simulated Lightning node with hold invoices: real BOLT11 requests, LND's state rules."""

from mock_server.lightning.decoder import DecodedPayreq, PayreqError, decode_payreq
from mock_server.lightning.invoices import MAX_SATS, HoldInvoice, InvoiceState, InvoiceStateError
from mock_server.lightning.node import LightningNode, PaymentError

__all__ = [
    "MAX_SATS",
    "DecodedPayreq",
    "HoldInvoice",
    "InvoiceState",
    "InvoiceStateError",
    "LightningNode",
    "PaymentError",
    "PayreqError",
    "decode_payreq",
]
