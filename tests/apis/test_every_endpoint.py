"""Every documented endpoint of the three APIs (and the control API) answers its documented example
request over real HTTP with a documented success that fits the description.

Operations that act on an existing order or invoice get one made first (``PREPARE``), in the
`manual` scenario where nothing is paid or delivered unless the test says so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from tests.support import BEARER, conformance_problems, document, send_example

CASES = [
    (api, op)
    for api in ("sms4sats", "smsverify", "l402", "control")
    for op in document(api).operations
]
L402_ORDER = {"type": "receive-sms", "country": "auto", "service": "tg"}


def _order(base: str) -> dict[str, Any]:
    response = requests.post(
        f"{base}/createorder", json={"country": 187, "service": "tg"}, timeout=5
    )
    assert response.status_code == 200, response.text
    return response.json()


def _paid_order(base: str) -> dict[str, Any]:
    order = _order(base)
    assert requests.post(
        f"{base}/_mock/lightning/pay", json={"payreq": order["payreq"]}, timeout=5
    ).ok
    return order


def _old_paid_order(base: str) -> dict[str, Any]:
    order = _paid_order(base)
    requests.post(f"{base}/_mock/clock/advance", json={"duration": "2m"}, timeout=5)
    return order


def _smsverify_order(base: str, path: str, body: dict[str, Any]) -> int:
    response = requests.post(f"{base}/api/v1/order/{path}/", json=body, headers=BEARER, timeout=5)
    assert response.status_code == 201, response.text
    data = response.json()
    return data["data"]["order_id"] if "data" in data else data["order_id"]


def _l402_order(base: str) -> dict[str, Any]:
    """An L402 order's 402 challenge."""
    response = requests.post(f"{base}/v2/l402/order", json=L402_ORDER, timeout=5)
    assert response.status_code == 402, response.text
    return response.json()


def _l402_paid(base: str) -> tuple[str, dict[str, str]]:
    """A paid L402 order: its id and the Authorization its token makes."""
    challenge = _l402_order(base)
    paid = requests.post(
        f"{base}/_mock/lightning/pay", json={"payreq": challenge["invoice"]}, timeout=5
    )
    assert paid.ok, paid.text
    token = f"L402 {challenge['macaroon']}:{paid.json()['preimage']}"
    return challenge["orderId"], {"Authorization": token}


def _l402_with_token(base: str) -> tuple[dict[str, Any], None, dict[str, str]]:
    order_id, auth = _l402_paid(base)
    return {"orderId": order_id}, None, auth


def _l402_token_check(base: str) -> tuple[dict[str, Any], dict[str, str]]:
    order_id, auth = _l402_paid(base)
    return {}, {"authorization": auth["Authorization"], "orderId": order_id}


def _no_world(base: str) -> tuple[dict[str, Any], None]:
    """The documented example's world gone, so that the example creates it."""
    requests.delete(f"{base}/_mock/worlds/ci-4711", timeout=5)
    return {}, None


def _world(base: str) -> str:
    """A world of its own (its name the documented example's), made afresh."""
    requests.delete(f"{base}/_mock/worlds/ci-4711", timeout=5)
    assert requests.post(f"{base}/_mock/worlds", json={"name": "ci-4711"}, timeout=5).ok
    return "ci-4711"


# (api, operationId) -> makes what the request needs; answers (parameters, body) to send, and
# the headers to send instead of the credentials, if any.
PREPARE: dict[tuple[str, str], Callable[[str], tuple[Any, ...]]] = {
    ("l402", "createL402Order"): lambda b: ({}, None, _l402_paid(b)[1]),  # the paid retry
    ("l402", "getL402Order"): _l402_with_token,
    ("l402", "cancelL402Order"): _l402_with_token,
    ("control", "inspectL402Order"): lambda b: ({"orderId": _l402_order(b)["orderId"]}, None),
    ("control", "deliverL402Sms"): lambda b: ({"orderId": _l402_paid(b)[0]}, None),
    ("control", "checkL402Token"): _l402_token_check,
    ("sms4sats", "getOrderStatus"): lambda b: ({"orderId": _order(b)["orderId"]}, None),
    ("sms4sats", "cancelOrder"): lambda b: ({"orderId": _old_paid_order(b)["orderId"]}, None),
    ("control", "createWorld"): lambda b: _no_world(b),
    ("control", "getWorld"): lambda b: ({"name": _world(b)}, None),
    ("control", "dropWorld"): lambda b: ({"name": _world(b)}, None),
    ("control", "payInvoice"): lambda b: ({}, {"payreq": _order(b)["payreq"]}),
    ("control", "getInvoice"): lambda b: ({"payment_hash": _order(b)["orderId"]}, None),
    ("control", "getSms4satsOrder"): lambda b: ({"orderId": _order(b)["orderId"]}, None),
    ("control", "deliverCode"): lambda b: ({"orderId": _paid_order(b)["orderId"]}, None),
    ("smsverify", "getOrderStatus"): lambda b: (
        {"order_id": _smsverify_order(b, "temporary", {"service_id": 1012})},
        None,
    ),
    ("smsverify", "cancelOrder"): lambda b: (
        {"order_id": _smsverify_order(b, "temporary", {"service_id": 1012})},
        None,
    ),
    ("control", "getSmsverifyOrder"): lambda b: (
        {"order_id": _smsverify_order(b, "temporary", {"service_id": 1012})},
        None,
    ),
    ("control", "deliverSms"): lambda b: (
        {"order_id": _smsverify_order(b, "temporary", {"service_id": 1012})},
        None,
    ),
    ("smsverify", "renewOrder"): lambda b: (
        {"order_id": _smsverify_order(b, "rental", {"service": "whatsapp", "duration": 3})},
        None,
    ),
}


@pytest.mark.parametrize(("api", "op"), CASES, ids=[f"{a}:{o.operation_id}" for a, o in CASES])
def test_endpoint_answers_with_a_documented_success(live: str, api: str, op: Any) -> None:
    requests.post(f"{live}/_mock/reset", json={"scenario": "manual"}, timeout=5)
    doc = document(api)
    prepare = PREPARE.get((api, op.operation_id))
    params, body, *headers = prepare(live) if prepare else ({}, None)
    response = send_example(live, op, params=params, body=body, headers=next(iter(headers), None))
    assert response.status_code < 300, response.text
    assert str(response.status_code) in op.responses
    assert conformance_problems(doc, op, response) == []


def test_all_operations_are_covered() -> None:
    assert len(CASES) == 13 + 21 + 8 + 27  # the dashboard (HTML) is tests/dashboard's
