"""Every documented endpoint of both APIs (and the control API) answers its documented example
request over real HTTP with a documented success that fits the description."""

from __future__ import annotations

import pytest

from tests.support import conformance_problems, document, send_example

CASES = [
    (api, op) for api in ("sms4sats", "smsverify", "control") for op in document(api).operations
]


@pytest.mark.parametrize(("api", "op"), CASES, ids=[f"{a}:{o.operation_id}" for a, o in CASES])
def test_endpoint_answers_with_a_documented_success(live: str, api: str, op: object) -> None:
    doc = document(api)
    operation = next(o for o in doc.operations if o.operation_id == op.operation_id)  # type: ignore[attr-defined]
    response = send_example(live, operation)
    assert response.status_code < 300, response.text
    assert str(response.status_code) in operation.responses
    assert conformance_problems(doc, operation, response) == []


def test_all_operations_are_covered() -> None:
    assert len(CASES) == 13 + 21 + 9
