"""The simulator's Lightning node: issues hold (and ordinary) invoices and takes simulated
payments.

Payment requests are real BOLT11 strings (made by :mod:`mock_server.lightning.payreq`, the same
bytes the ``bolt11`` package makes, and read back by :mod:`mock_server.lightning.decoder`) signed
with a node key derived from the scenario's seed, so any Lightning library decodes them and
checks the signature.
Invoices that stay OPEN past their expiry are CANCELED by an event on the clock.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from coincurve import PrivateKey

from mock_server.engine.persistence import Latest, Rows, Shared
from mock_server.engine.store import Backend
from mock_server.lightning.decoder import PayreqError, decode_payreq
from mock_server.lightning.invoices import HoldInvoice, InvoiceState, InvoiceStateError
from mock_server.lightning.payreq import Features, PayreqFields
from mock_server.lightning.signer import Signer

if TYPE_CHECKING:
    from mock_server.engine.simulation import Simulation

NETWORKS = ("bc", "tb", "bcrt", "tbs")
RECENT_PAYREQS = 1024  # payment requests kept made; older ones are made again when asked
# As the real sms4sats invoices: var_onion_optin supported (bit 9), payment_secret required
# (bit 14), basic_mpp supported (bit 17), in 20 bits as bolt11 writes them.
FEATURES = Features(1 << 9 | 1 << 14 | 1 << 17, 20)


class PaymentError(Exception):
    """A payment the simulated payer cannot make (unknown, expired, canceled, already paid)."""


class LightningNode(Backend):
    """Hold invoices by payment hash, and the node key that signs them."""

    def __init__(self, sim: Simulation) -> None:
        super().__init__(sim)
        self.invoices: dict[str, HoldInvoice] = {}
        secret = hashlib.sha256(f"sms-mock lightning node {sim.seed}".encode()).digest()
        self._secret = secret
        self._key = PrivateKey(secret)
        self.pubkey = self._key.public_key.format(compressed=True).hex()
        self._recent: OrderedDict[str, str] = OrderedDict()  # payment hash -> payment request
        # payment hash -> its payment request, being signed by a worker
        self._signing: OrderedDict[str, asyncio.Future[str | None]] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._shared = Shared()
        self._same_second = Latest(0)  # one int for the invoices of one second (32 B each)
        sim.scheduler.handle(
            "lightning.expire", self._expire, namer=lambda h: f"invoice {h[:12]} expiry"
        )

    # -- issuing -------------------------------------------------------------------------
    def create_invoice(
        self,
        amount_sat: int,
        description: str,
        *,
        expiry: int = 86_400,
        min_final_cltv_expiry: int = 40,
        network: str = "bc",
        preimage: bytes | None = None,
        hold: bool = True,
    ) -> HoldInvoice:
        """Issue a hold invoice; its payment hash is sha256 of a preimage the node keeps.
        ``hold=False`` issues an ordinary invoice: paying it settles it."""
        if network not in NETWORKS:
            raise ValueError(f"unknown network {network!r}; expected one of {NETWORKS}")
        if amount_sat <= 0:
            raise ValueError("an invoice needs a positive amount")
        if isinstance(amount_sat, float):  # JSON's 27398.0 is a whole number of sats
            if not amount_sat.is_integer():
                raise ValueError("an invoice is for a whole number of sats")
            amount_sat = int(amount_sat)
        rng = self.sim.random
        preimage = preimage if preimage is not None else rng.randbytes(32)
        payment_hash = hashlib.sha256(preimage).hexdigest()
        invoice = HoldInvoice(
            payment_hash=payment_hash,
            preimage_bytes=preimage,
            secret_bytes=None,  # derived from the preimage
            amount_sat=amount_sat,
            description=self._shared(description),  # one string for every order of a kind
            created_at=self._same_second(int(self.sim.clock.timestamp())),
            expiry=expiry,
            min_final_cltv_expiry=min_final_cltv_expiry,
            network=self._shared(network),
            hold=hold,
            issuer=self,
        )
        self.invoices[payment_hash] = invoice
        self.changed("invoices", payment_hash)
        self.sim.scheduler.schedule(invoice.expires_at, "lightning.expire", payment_hash)
        return invoice

    def signing(self, invoice: HoldInvoice) -> asyncio.Future[str | None] | None:
        """Have the signing worker of this thread's event loop sign a new invoice's payment
        request: what to wait for, or None when there is no worker here (:meth:`payreq` signs
        in the server then)."""
        signer = Signer.of_this_thread()
        if signer is None:
            return None
        made = signer.payreq(self._secret, self._fields(invoice))
        if made is None:
            return None
        with self._cache_lock:
            self._signing[invoice.payment_hash] = made
            while len(self._signing) > RECENT_PAYREQS:  # never asked for: made again if asked
                self._signing.popitem(last=False)
        return made

    def payreq(self, invoice: HoldInvoice) -> str:
        """The signed BOLT11 payment request of one of this node's invoices: the recent ones
        from a cache or from the signing worker, older ones made again (the same string:
        signatures are deterministic)."""
        payment_hash = invoice.payment_hash
        with self._cache_lock:
            cached = self._recent.get(payment_hash)
            if cached is not None:
                return cached
            signing = self._signing.pop(payment_hash, None)
        made = None
        if signing is not None and signing.done() and not signing.cancelled():
            made = signing.result()  # None: the worker died first
        if made is None:
            made = self._fields(invoice).unsigned().signed_by(self._key)
        with self._cache_lock:
            self._recent[payment_hash] = made
            if len(self._recent) > RECENT_PAYREQS:  # one in, one out
                self._recent.popitem(last=False)
        return made

    @staticmethod
    def _fields(invoice: HoldInvoice) -> PayreqFields:
        return PayreqFields(
            network=invoice.network,
            amount_msat=invoice.amount_sat * 1000,
            timestamp=invoice.created_at,
            payment_hash=bytes.fromhex(invoice.payment_hash),
            description=invoice.description,
            min_final_cltv_expiry=invoice.min_final_cltv_expiry,
            expiry=invoice.expiry,
            payment_secret=invoice.secret,
            features=FEATURES,
        )

    def _expire(self, payment_hash: str) -> None:
        invoice = self.invoices.get(payment_hash)
        if invoice is not None and invoice.state.value == "OPEN":
            self.cancel(payment_hash)

    # -- the simulated payer -------------------------------------------------------------
    def pay(self, payreq: str) -> HoldInvoice:
        """A wallet pays ``payreq``: a hold invoice becomes ACCEPTED (held), an ordinary one
        SETTLED (its preimage is the payer's receipt)."""
        try:
            decoded = decode_payreq(payreq.strip())
        except PayreqError as exc:
            raise PaymentError(f"not a valid BOLT11 payment request: {exc}") from None
        invoice = self.invoices.get(decoded.payment_hash)
        if invoice is None or decoded.payee != self.pubkey:
            raise PaymentError("unknown invoice: this node did not issue it")
        return self.pay_invoice(invoice)

    def pay_invoice(self, invoice: HoldInvoice) -> HoldInvoice:
        """The simulated wallet pays one of this node's invoices (no payment request to read)."""
        with self.sim.lock:
            now = self.sim.clock.timestamp()
            if invoice.state.value == "OPEN" and now >= invoice.expires_at:
                self.cancel(invoice.payment_hash)
                raise PaymentError("invoice expired")
            try:
                invoice.accept(now)
            except InvoiceStateError as exc:
                raise PaymentError(str(exc)) from None
            if not invoice.hold and invoice.state is InvoiceState.ACCEPTED:
                invoice.settle(now)
            self.changed("invoices", invoice.payment_hash)
        return invoice

    def invoice(self, payment_hash: str) -> HoldInvoice | None:
        return self.invoices.get(payment_hash)

    def settle(self, payment_hash: str) -> None:
        """Reveal the preimage of an ACCEPTED invoice: the held funds are taken."""
        self.invoices[payment_hash].settle(self.sim.clock.timestamp())
        self.changed("invoices", payment_hash)

    def cancel(self, payment_hash: str) -> bool:
        """Cancel an invoice (held funds return); False when it was canceled already."""
        self.changed("invoices", payment_hash)
        return self.invoices[payment_hash].cancel(self.sim.clock.timestamp())

    # -- state files ---------------------------------------------------------------------
    def dump_records(self) -> Iterable[tuple[str, str, Any]]:
        for payment_hash, invoice in self.invoices.items():
            yield "invoices", payment_hash, invoice.to_record()

    def record(self, table: str, key: str) -> Any | None:
        invoice = self.invoices.get(key)
        return invoice.to_record() if invoice is not None else None

    def restore_records(self, tables: Rows) -> None:
        for payment_hash, record in tables.get("invoices", []):
            invoice = HoldInvoice.from_record(record)
            invoice.issuer = self
            invoice.description = self._shared(invoice.description)
            self.invoices[payment_hash] = invoice
