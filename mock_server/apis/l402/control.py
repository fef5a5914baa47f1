"""Control routes of the L402 API (/_mock/l402/...): its orders, an SMS now, a token's check."""

from __future__ import annotations

from mock_server.apis.l402.models import L402Backend
from mock_server.spec.api import ApiRequest, Reply


def _l402(req: ApiRequest) -> L402Backend:
    backend = req.sim.backend("l402")
    assert isinstance(backend, L402Backend)
    return backend


def inspect_l402_order(req: ApiRequest) -> Reply:
    backend = _l402(req)
    return Reply(backend.describe(backend.order(req.path["orderId"])))


def deliver_l402_sms(req: ApiRequest) -> Reply:
    backend = _l402(req)
    order = backend.deliver_code(req.path["orderId"], (req.body or {}).get("code"))
    req.sim.scheduler.run_due()  # "now": what it triggers happens before this answers
    return Reply(backend.describe(order))


def check_l402_token(req: ApiRequest) -> Reply:
    body = req.body
    return Reply(_l402(req).diagnose(body["authorization"], body.get("orderId")))
