"""Per-request cost of spec validation, and of a whole request through the pipeline.

Run by hand: ``python benchmarks/validation_cost.py``. Figures are per call, in microseconds.
"""

from __future__ import annotations

import timeit

from mock_server.app import create_app
from mock_server.resources import openapi_dir
from mock_server.spec.document import SpecDocument
from mock_server.spec.validation import RequestValidator, ResponseValidator, registry_for

ROUNDS = 5000


JSON = "application/json"
SEND_BODY = b'{"message": "hi", "phone": "+19871234567", "webhookUrl": "https://example.org/h"}'
REQUEST_CASES: dict[str, tuple[str, dict]] = {
    "GET /price?country=187&service=tg": (
        "getPrice",
        {"query": {"country": ["187"], "service": ["tg"]}, "content_type": None, "raw_body": b""},
    ),
    "POST /createorder": (
        "createOrder",
        {"query": {}, "content_type": JSON, "raw_body": b'{"country": 187, "service": "tg"}'},
    ),
    "POST /createsendorder (with a uri)": (
        "createSendOrder",
        {"query": {}, "content_type": JSON, "raw_body": SEND_BODY},
    ),
}


def main() -> None:
    doc = SpecDocument(openapi_dir() / "sms4sats.yaml", "sms4sats")
    registry = registry_for(doc)
    ops = {op.operation_id: op for op in doc.operations}
    for name, (operation_id, kwargs) in REQUEST_CASES.items():
        validator = RequestValidator(ops[operation_id], doc, registry)
        seconds = timeit.timeit(
            lambda v=validator, kw=kwargs: v.parse(path={}, headers={}, **kw), number=ROUNDS
        )
        print(f"request validation   {name:36} {seconds / ROUNDS * 1e6:7.1f} us")
    status = ops["getOrderStatus"]
    responses = ResponseValidator(status, doc, registry)
    body = status.example(200)
    seconds = timeit.timeit(lambda: responses.problems(200, body, {}), number=ROUNDS)
    label = "orderstatus (anyOf of three)"
    print(f"response validation  {label:36} {seconds / ROUNDS * 1e6:7.1f} us")
    client = create_app("virtual").test_client()
    for path in ("/price?country=187", "/_mock/clock"):
        seconds = timeit.timeit(lambda p=path: client.get(p), number=ROUNDS // 2)
        print(f"whole request        GET {path:32} {seconds / (ROUNDS // 2) * 1e6:7.1f} us")


if __name__ == "__main__":
    main()
