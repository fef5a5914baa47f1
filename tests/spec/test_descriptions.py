"""The three descriptions are valid OpenAPI 3.1, every example fits its schema, every operation is
named, and every operation documents a request a test can send (the examples serve the
every-endpoint test over HTTP)."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from mock_server.resources import openapi_dir
from mock_server.spec.document import SpecDocument
from mock_server.spec.validation import compile_schema, registry_for
from tests.support import FILES


@pytest.fixture(params=sorted(FILES), scope="module")
def doc(request: pytest.FixtureRequest) -> SpecDocument:
    return SpecDocument(openapi_dir() / FILES[request.param], request.param)


@pytest.mark.parametrize("name", sorted(FILES.values()))
def test_description_is_valid_openapi_31(name: str) -> None:
    spec, _ = read_from_filename(str(openapi_dir() / name))
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def _examples(node: Any, pointer: str = "") -> list[tuple[str, Any, Any]]:
    """Every (where, schema, example) pair under a node that has a schema beside examples."""
    found: list[tuple[str, Any, Any]] = []
    if isinstance(node, dict):
        if "schema" in node:
            if "example" in node:
                found.append((pointer, node["schema"], node["example"]))
            for name, ex in (node.get("examples") or {}).items():
                found.append((f"{pointer}/examples/{name}", node["schema"], ex["value"]))
        for key, value in node.items():
            found += _examples(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _examples(value, f"{pointer}/{i}")
    return found


def test_every_example_fits_its_schema(doc: SpecDocument) -> None:
    registry = registry_for(doc)
    examples = _examples(doc.raw)
    assert examples
    failures = []
    for where, schema, example in examples:
        errors = list(compile_schema(schema, doc, registry).iter_errors(example))
        failures += [f"{where}: {e.message}" for e in errors]
    assert failures == []


def test_every_operation_has_a_unique_operation_id(doc: SpecDocument) -> None:
    ids = [op.operation_id for op in doc.operations]
    assert all(ids), [f"{op.method} {op.path}" for op in doc.operations if not op.operation_id]
    assert len(ids) == len(set(ids))


def test_every_operation_documents_a_request_to_send(doc: SpecDocument) -> None:
    """Required parameters and required bodies carry an example (the HTTP test sends them)."""
    missing = [
        f"{op.operation_id}: parameter {p.name}"
        for op in doc.operations
        for p in op.parameters
        if p.required and p.example is None
    ]
    missing += [
        f"{op.operation_id}: body"
        for op in doc.operations
        if op.body is not None and op.body["required"] and op.body["example"] is None
    ]
    assert missing == []


def test_every_operation_documents_a_success_with_a_json_body_and_an_example(
    doc: SpecDocument,
) -> None:
    for op in doc.operations:
        successes = [s for s in op.responses if s.startswith("2")]
        assert successes, f"{op.operation_id} documents no success"
        if doc.api not in ("control", "dashboard"):  # the dashboard answers HTML
            assert op.example(successes[0]) is not None


def test_sms4sats_has_every_documented_endpoint() -> None:
    doc = SpecDocument(openapi_dir() / FILES["sms4sats"], "sms4sats")
    assert {(op.method, op.path) for op in doc.operations} == {
        ("GET", "/"),
        ("GET", "/price"),
        ("GET", "/getnumbersstatus"),
        ("GET", "/getCountries"),
        ("GET", "/getRentalCountries"),
        ("POST", "/createorder"),
        ("GET", "/orderstatus"),
        ("GET", "/cancelorder"),
        ("POST", "/createsendorder"),
        ("POST", "/createemailsendorder"),
        ("POST", "/fund"),
        ("GET", "/balance"),
        ("GET", "/history"),
    }
    callbacks = [op.operation_id for op in doc.operations if "callbacks" in op.raw]
    assert callbacks == ["createSendOrder", "createEmailSendOrder"]


def test_smsverify_has_every_documented_endpoint_and_the_webhook() -> None:
    doc = SpecDocument(openapi_dir() / FILES["smsverify"], "smsverify")
    paths = {(op.method, op.path) for op in doc.operations}
    assert len(paths) == 21
    assert ("POST", "/api/v1/order/{order_id}/renew/") in paths
    assert ("GET", "/api/v1/wallet/balance/") in paths
    assert "incomingMessage" in doc.raw["webhooks"]
    for op in doc.operations:
        assert op.extensions.get("x-error-style") in ("legacy", "envelope"), op.operation_id
        assert "429" in op.responses, op.operation_id
        assert "401" in op.responses, op.operation_id
        assert "Retry-After" in op.responses["429"]["headers"]
