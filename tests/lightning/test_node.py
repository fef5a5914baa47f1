"""The node issues real BOLT11 hold invoices and takes simulated payments."""

from __future__ import annotations

import hashlib

import bolt11
import pytest

from mock_server.engine.simulation import Simulation
from mock_server.lightning import InvoiceState, LightningNode, PaymentError


@pytest.fixture
def sim() -> Simulation:
    return Simulation("virtual")


@pytest.fixture
def node(sim: Simulation) -> LightningNode:
    backend = sim.add_backend("lightning", LightningNode)
    assert isinstance(backend, LightningNode)
    return backend


def test_invoice_decodes_with_the_real_services_defaults(node: LightningNode) -> None:
    invoice = node.create_invoice(3000, "sms4sats payment Germany twitter")
    decoded = bolt11.decode(invoice.payreq)
    assert invoice.payreq.startswith("lnbc30u1")
    assert decoded.amount_msat == 3_000_000
    assert decoded.payment_hash == invoice.payment_hash
    assert hashlib.sha256(bytes.fromhex(invoice.preimage)).hexdigest() == invoice.payment_hash
    assert decoded.expiry == 86_400
    assert decoded.min_final_cltv_expiry == 40
    assert decoded.description == "sms4sats payment Germany twitter"
    assert decoded.payment_secret == invoice.payment_secret
    assert decoded.payee == node.pubkey  # recovered from the signature
    assert decoded.features is not None
    assert decoded.features.readable == {
        "var_onion_optin": "supported",
        "payment_secret": "required",
        "basic_mpp": "supported",
    }
    assert decoded.date == 1767225600  # the simulated clock, not the wall


@pytest.mark.parametrize(
    ("network", "prefix"), [("bc", "lnbc"), ("bcrt", "lnbcrt"), ("tb", "lntb")]
)
def test_network_prefix(node: LightningNode, network: str, prefix: str) -> None:
    assert node.create_invoice(1500, "x", network=network).payreq.startswith(prefix + "15u1")


def test_the_seed_makes_key_and_invoices_deterministic() -> None:
    first, second = Simulation("virtual"), Simulation("virtual")
    a = first.add_backend("lightning", LightningNode)
    b = second.add_backend("lightning", LightningNode)
    assert a.pubkey == b.pubkey  # type: ignore[attr-defined]
    assert a.create_invoice(10, "x").payreq == b.create_invoice(10, "x").payreq  # type: ignore[attr-defined]
    other = Simulation("virtual", seed=2).add_backend("lightning", LightningNode)
    assert other.pubkey != a.pubkey  # type: ignore[attr-defined]


def test_pay_accepts_and_paying_again_is_refused(node: LightningNode) -> None:
    invoice = node.create_invoice(100, "x")
    assert node.pay(invoice.payreq).state is InvoiceState.ACCEPTED
    with pytest.raises(PaymentError, match="ACCEPTED"):
        node.pay(invoice.payreq)


def test_open_invoice_is_canceled_at_expiry_and_cannot_be_paid(
    sim: Simulation, node: LightningNode
) -> None:
    invoice = node.create_invoice(100, "x", expiry=600)
    sim.scheduler.advance(599)
    assert invoice.state is InvoiceState.OPEN
    sim.scheduler.advance(1)
    assert invoice.state is InvoiceState.CANCELED
    with pytest.raises(PaymentError, match="CANCELED"):
        node.pay(invoice.payreq)


def test_accepted_invoice_is_not_canceled_by_expiry(sim: Simulation, node: LightningNode) -> None:
    invoice = node.create_invoice(100, "x", expiry=600)
    node.pay(invoice.payreq)
    sim.scheduler.advance(1000)
    assert invoice.state is InvoiceState.ACCEPTED


def test_foreign_and_malformed_requests_are_refused(node: LightningNode) -> None:
    reference = (
        "lnbc30u1p34yef6pp50hrwddsa332dla4c6m4zu0cgkqvw27trm7qafyaxl9egcnwgxvvqdp5wdkhxdrnv968xgrsv9uk6etwwssy"
        "wetjd4sku7fqw3mkjar5v4eqcqzpgxqyz5vqsp5fnj032qs6fuht2p3r245h3u6r9x32fhdw5n4qyn7mqm95jt0ag5q9qyyssqlye"
        "yhnqq4y6l5ynxatvnqg6zldnqmwxx7qel0q79slfv7wvuk23zm2shczj4vxf39a4s8x36k9dxcgtnvwdv0j8uq4jcuq3yclw393sp8uywdc"
    )
    with pytest.raises(PaymentError, match="did not issue"):
        node.pay(reference)
    for junk in ("", "lnbc1", "hello", "lnbc30u1" + "q" * 50):
        with pytest.raises(PaymentError, match="not a valid BOLT11"):
            node.pay(junk)


def test_bad_amount_or_network_is_refused(node: LightningNode) -> None:
    with pytest.raises(ValueError):
        node.create_invoice(0, "x")
    with pytest.raises(ValueError, match="unknown network"):
        node.create_invoice(1, "x", network="ltc")


def test_a_payment_request_made_again_is_the_same_string(node: LightningNode) -> None:
    """Payment requests are not kept but made again when asked: signatures are deterministic."""
    invoice = node.create_invoice(3000, "sms4sats payment USA tg", network="tb")
    first = invoice.payreq
    node._recent.clear()  # as if 1,024 newer invoices had pushed it out of the cache
    assert invoice.payreq == first
    assert bolt11.decode(first).payment_hash == invoice.payment_hash


def test_an_ordinary_invoice_settles_as_it_is_paid_and_the_payer_learns_the_preimage(
    node: LightningNode,
) -> None:
    """An L402 challenge's invoice: paying it is the receipt (a hold invoice waits instead)."""
    invoice = node.create_invoice(2500, "sms4sats L402", hold=False)
    paid = node.pay(invoice.payreq)
    assert paid.state is InvoiceState.SETTLED
    described = paid.describe()
    assert described["hold"] is False
    assert hashlib.sha256(bytes.fromhex(described["preimage"])).hexdigest() == invoice.payment_hash
    with pytest.raises(PaymentError, match="SETTLED"):
        node.pay(invoice.payreq)
    held = node.create_invoice(2500, "sms4sats order")
    assert node.pay(held.payreq).describe()["preimage"] is None  # held: no preimage yet


def test_an_invoice_record_keeps_whether_it_is_held(node: LightningNode) -> None:
    from mock_server.lightning import HoldInvoice

    ordinary = node.create_invoice(10, "x", hold=False)
    assert HoldInvoice.from_record(ordinary.to_record()).hold is False
    old = {k: v for k, v in node.create_invoice(10, "y").to_record().items() if k != "hold"}
    assert HoldInvoice.from_record(old).hold is True  # a state file from before: hold invoices


def test_payment_secrets_differ_and_an_older_files_secret_is_kept(node: LightningNode) -> None:
    from mock_server.lightning import HoldInvoice

    first, second = node.create_invoice(10, "x"), node.create_invoice(10, "x")
    assert len({first.payment_secret, second.payment_secret}) == 2
    assert first.payment_secret not in (first.preimage, first.payment_hash)
    assert bolt11.decode(first.payreq).payment_secret == first.payment_secret
    again = HoldInvoice.from_record(first.to_record())
    assert (again.payment_secret, again.secret_bytes) == (first.payment_secret, None)
    older = {**first.to_record(), "payment_secret": "33" * 32}  # drawn at random, as before
    assert HoldInvoice.from_record(older).payment_secret == "33" * 32
    assert HoldInvoice.from_record(older).to_record() == older
