"""Run the probes of one API against a base URL and collect the differences."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from mock_server.drift.compare import NOT_JSON, Difference, compare_response
from mock_server.drift.probes import ORDERS, SPEND, Probe, Results
from mock_server.resources import openapi_dir
from mock_server.services import SERVICES, Service
from mock_server.spec.document import Operation, SpecDocument

USER_AGENT = "sms-mock drift"


class Unreachable(ConnectionError):
    """Nothing answers at the base URL."""


@dataclass
class ProbeResult:
    probe: Probe
    status: int | None = None
    differences: list[Difference] = field(default_factory=list)
    skipped: str | None = None  # why it was not sent


@dataclass
class DriftRun:
    api: str
    base_url: str
    results: list[ProbeResult] = field(default_factory=list)
    spent: Decimal = Decimal(0)

    @property
    def differences(self) -> list[Difference]:
        return [d for r in self.results for d in r.differences]


def run_drift(
    api: str,
    base_url: str | None = None,
    *,
    api_key: str | None = None,
    allow_orders: bool = False,
    allow_spend: bool = False,
    max_spend: Decimal = Decimal(0),
    timeout: float = 20.0,
) -> DriftRun:
    """Probe ``api`` at ``base_url`` (the real service by default) and compare every answer."""
    service = SERVICES[api]
    doc = SpecDocument(openapi_dir() / service.spec_file, api)
    operations = {op.operation_id: op for op in doc.operations}
    needs_key = {op.operation_id for op in doc.operations if needs_credentials(op)}
    run = DriftRun(api, service.service_root(base_url))
    answers: Results = {}
    for probe in service.remote_checks().probes(answers):
        result = ProbeResult(probe)
        run.results.append(result)
        reason = _why_not(
            probe, needs_key, api_key, allow_orders, allow_spend, run.spent, max_spend
        )
        if reason:
            result.skipped = reason
            continue
        op = operations[probe.operation]
        status, content_type, body = _send(run.base_url, service, probe, api_key, timeout)
        result.status = status
        answers[probe.name] = body
        if probe.needs == SPEND and 200 <= status < 300:
            run.spent += probe.cost
        result.differences = compare_response(
            doc, op, probe.name, status, content_type, body, expected_text=probe.expected_text
        )
    return run


def needs_credentials(op: Operation) -> bool:
    """Whether the description lets the operation be called only with credentials."""
    return bool(op.security) and all(op.security)


def _why_not(
    probe: Probe,
    needs_key: set[str],
    key: str | None,
    orders: bool,
    spend: bool,
    spent: Decimal,
    limit: Decimal,
) -> str | None:
    if probe.credentials and key is None and probe.operation in needs_key:
        return "needs --api-key"
    if probe.needs == ORDERS and not orders:
        return "creates an order: needs --allow-orders"
    if probe.needs == SPEND:
        if not spend:
            return "spends money: needs --allow-spend"
        if spent + probe.cost > limit:
            return f"would spend {probe.cost} (spent {spent}, --max-spend {limit})"
    return None


def _send(
    base: str, service: Service, probe: Probe, key: str | None, timeout: float
) -> tuple[int, str, Any]:
    url = base + probe.path
    if probe.query:
        url += "?" + urllib.parse.urlencode(probe.query)
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    if probe.credentials and key:
        headers.update(service.key_headers(key))
    data = None
    if probe.body is not None:
        data = json.dumps(probe.body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=probe.method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, content_type, raw = (
                response.status,
                response.headers.get("Content-Type", ""),
                response.read(),
            )
    except urllib.error.HTTPError as exc:
        status, content_type, raw = exc.code, exc.headers.get("Content-Type", ""), exc.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        raise Unreachable(f"no answer from {base} ({getattr(exc, 'reason', exc)})") from None
    try:
        body = json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError):
        body = NOT_JSON
    return status, content_type, body
