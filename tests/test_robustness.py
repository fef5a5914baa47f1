"""No request, however malformed, gets an unplanned 5xx or leaves outside its API's envelope."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_server.app import create_app
from tests.support import document

OPERATIONS = [(api, op) for api in ("sms4sats", "smsverify") for op in document(api).operations]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=10,
)
texts = st.text(max_size=30)


@pytest.fixture(scope="module")
def strict_app() -> Flask:
    return create_app("virtual", strict=True)


def _check_envelope(api: str, status: int, body: object) -> None:
    assert status < 500, body
    if status >= 400:
        assert isinstance(body, dict)
        if api == "sms4sats":
            assert body["status"] == "error" and isinstance(body["reason"], str)
        else:
            assert isinstance(body["error"], str)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    index=st.integers(0, len(OPERATIONS) - 1),
    body=json_values,
    query=st.dictionaries(
        st.sampled_from(["country", "service", "orderId", "country_id", "x"]), texts, max_size=3
    ),
    path_id=st.text(alphabet="0123456789abc-%", min_size=1, max_size=12),
    authorized=st.booleans(),
)
def test_random_requests_never_crash(
    strict_app: Flask, index: int, body: object, query: dict, path_id: str, authorized: bool
) -> None:
    api, op = OPERATIONS[index]
    path = op.path.replace("{order_id}", path_id)
    headers = {"Content-Type": "application/json"}
    if authorized:
        headers.update(
            {"Authorization": "Bearer test-smsverify-key", "X-API-Key": "test-sms4sats-key"}
        )
    response = strict_app.test_client().open(
        path, method=op.method, query_string=query, data=json.dumps(body), headers=headers
    )
    _check_envelope(api, response.status_code, response.get_json(silent=True))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    raw=st.binary(max_size=200),
    content_type=st.sampled_from(
        ["application/json", "text/plain", "application/x-www-form-urlencoded", ""]
    ),
)
def test_raw_bodies_never_crash(strict_app: Flask, raw: bytes, content_type: str) -> None:
    client = strict_app.test_client()
    for path, headers in (
        ("/createorder", {}),
        ("/api/v1/order/temporary/", {"Authorization": "Bearer test-smsverify-key"}),
    ):
        response = client.post(path, data=raw, headers={**headers, "Content-Type": content_type})
        api = "sms4sats" if path == "/createorder" else "smsverify"
        _check_envelope(api, response.status_code, response.get_json(silent=True))
