"""Control routes that drive sms4sats and its Lightning node: pay, inspect, deliver, fund."""

from __future__ import annotations

from mock_server.apis.sms4sats.models import Sms4satsBackend
from mock_server.engine.errors import NotFound, SimulatorError
from mock_server.lightning import LightningNode, PaymentError
from mock_server.spec.api import ApiRequest, Reply


class PaymentRefused(SimulatorError):
    """The simulated wallet cannot pay this invoice in its state (expired, canceled, paid)."""

    status = 409


def _node(req: ApiRequest) -> LightningNode:
    node = req.sim.backend("lightning")
    assert isinstance(node, LightningNode)
    return node


def _sms4sats(req: ApiRequest) -> Sms4satsBackend:
    backend = req.sim.backend("sms4sats")
    assert isinstance(backend, Sms4satsBackend)
    return backend


def pay_invoice(req: ApiRequest) -> Reply:
    node = _node(req)
    try:
        invoice = node.pay(req.body["payreq"])
        req.sim.scheduler.run_due()
    except PaymentError as exc:
        message = str(exc)
        if message.startswith("not a valid"):
            raise SimulatorError(message, status=400) from None
        if message.startswith("unknown invoice"):
            raise NotFound(message) from None
        raise PaymentRefused(message) from None
    return Reply(invoice.describe())


def get_invoice(req: ApiRequest) -> Reply:
    invoice = _node(req).invoice(req.path["payment_hash"].lower())
    if invoice is None:
        raise NotFound(f"no invoice with payment hash {req.path['payment_hash']}")
    return Reply(invoice.describe())


def get_sms4sats_order(req: ApiRequest) -> Reply:
    backend = _sms4sats(req)
    return Reply(backend.describe(backend.order(req.path["orderId"])))


def deliver_code(req: ApiRequest) -> Reply:
    backend = _sms4sats(req)
    order = backend.deliver_code(req.path["orderId"], (req.body or {}).get("code"))
    req.sim.scheduler.run_due()  # "now": what it triggers happens before this answers
    return Reply(backend.status(order))


def add_sms4sats_account(req: ApiRequest) -> Reply:
    # validated as an integer: 500.0 is 500 sats
    account = _sms4sats(req).top_up(req.body["api_key"], int(req.body.get("balance", 0)))
    return Reply({"api_key": account.api_key, "balance": account.balance})


def list_referrals(req: ApiRequest) -> Reply:
    referrals = _sms4sats(req).referrals
    return Reply({"referrals": [r.to_json() for r in referrals]})
