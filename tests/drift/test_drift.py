"""Drift mode finds every planted difference, and nothing on a faithful upstream.

The upstream is the simulator itself, served on a real port: faithful as it is, and made to
deviate with fault rules (a renamed, removed or re-typed field, a new status, a new error text,
an endpoint gone)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import requests

from mock_server.cli import main
from mock_server.drift import run_drift
from mock_server.drift.runner import Unreachable
from tests.support import SMS4SATS_KEY, SMSVERIFY_KEY, Faulty


def _kinds(run) -> set[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return {(d.operation, d.kind, d.where) for d in run.differences}


def test_a_faithful_upstream_shows_no_drift(faulty: Faulty) -> None:
    for api, key in (("sms4sats", SMS4SATS_KEY), ("smsverify", SMSVERIFY_KEY)):
        run = run_drift(
            api,
            faulty.base,
            api_key=key,
            allow_orders=True,
            allow_spend=True,
            max_spend=Decimal(10000),
        )
        assert run.differences == [], [d.line() for d in run.differences]
        assert all(r.skipped is None for r in run.results)


def test_the_l402_api_drifts_on_its_free_endpoints_and_its_402(faulty: Faulty) -> None:
    """Its probes need no key and spend nothing (an unpaid order is only a 402 and an
    invoice): clean on the simulator, and a renamed challenge field is found."""
    run = run_drift("l402", faulty.base)
    assert run.differences == [], [d.line() for d in run.differences]
    assert {r.probe.operation for r in run.results} == {
        "getHealth",
        "getServiceDirectory",
        "getIndex",
        "listServices",
        "getCatalog",
        "createL402Order",
        "getL402Order",
    }
    assert all(r.skipped is None for r in run.results)
    faulty.rules(
        "  - match: {api: l402, operation: createL402Order}\n"
        "    drift: {rename: {priceSats: price_sats}}\n"
    )
    drifted = run_drift("l402", faulty.base)
    assert {
        ("createL402Order", "new field", "body.price_sats"),
        ("createL402Order", "missing field", "body.priceSats"),
    } <= _kinds(drifted)


def test_renamed_removed_and_retyped_fields_are_reported(faulty: Faulty) -> None:
    faulty.rules(
        "  - match: {operation: createOrder}\n    drift: {rename: {orderId: order_id}}\n"
        "  - match: {operation: getBalance}\n    drift: {remove: [balance]}\n"
        "  - match: {operation: getPrice}\n    drift: {retype: {send: boolean}}\n"
    )
    run = run_drift("sms4sats", faulty.base, api_key=SMS4SATS_KEY, allow_orders=True)
    assert {
        ("createOrder", "new field", "body.order_id"),
        ("createOrder", "missing field", "body.orderId"),
        ("getBalance", "missing field", "body.balance"),
        ("getPrice", "type changed", "body.send"),
    } <= _kinds(run)


def test_a_new_status_code_and_a_new_error_text(faulty: Faulty) -> None:
    faulty.rules(
        "  - match: {operation: getCountries}\n"
        "    respond: {status: 418, body: {status: error, reason: teapot}}\n"
        "  - match: {operation: getHistory}\n"
        "    respond: {status: 400, body: {status: error, reason: 'API key required'}}\n"
    )
    run = run_drift("sms4sats", faulty.base, api_key=SMS4SATS_KEY)
    kinds = _kinds(run)
    assert ("getCountries", "new status code", "418") in kinds
    text = [d for d in run.differences if d.kind == "new error text"]
    assert [d.probe for d in text] == ["history without a key"]
    assert "'API key required' (expected 'X-API-Key header is missing.')" in text[0].detail


def test_an_endpoint_gone(faulty: Faulty) -> None:
    faulty.rules(
        "  - match: {path: /api/v1/services/esim/}\n"
        "    respond: {status: 404, headers: {Content-Type: text/html}, body: null}\n"
    )
    run = run_drift("smsverify", faulty.base, api_key=SMSVERIFY_KEY)
    assert ("listEsimPlans", "endpoint gone", "GET /api/v1/services/esim/") in _kinds(run)


def test_safe_by_default_orders_and_spend_are_opt_in(faulty: Faulty) -> None:
    run = run_drift("sms4sats", faulty.base, api_key=SMS4SATS_KEY)
    skipped = {r.probe.name: r.skipped for r in run.results if r.skipped}
    assert skipped == {
        "receive order (unpaid invoice)": "creates an order: needs --allow-orders",
        "send order (unpaid invoice)": "creates an order: needs --allow-orders",
        "fund order (unpaid invoice)": "creates an order: needs --allow-orders",
        "receive order from the balance": "spends money: needs --allow-spend",
    }
    before = requests.get(f"{faulty.base}/_mock/requests", timeout=5).json()["requests"]
    assert not [e for e in before if e["method"] == "POST"]  # nothing was created
    capped = run_drift(
        "sms4sats", faulty.base, api_key=SMS4SATS_KEY, allow_spend=True, max_spend=Decimal(2999)
    )
    [limited] = [r for r in capped.results if r.probe.name == "receive order from the balance"]
    assert limited.skipped == "would spend 3000 (spent 0, --max-spend 2999)"
    assert capped.spent == 0


def test_without_a_key_the_keyed_probes_are_skipped(faulty: Faulty) -> None:
    run = run_drift("smsverify", faulty.base)
    assert {r.skipped for r in run.results if r.skipped} == {"needs --api-key"}
    sent = [r.probe.name for r in run.results if not r.skipped]
    assert sent == ["balance without a key", "temporary services without a key"]
    assert run.differences == []


def test_cli_reports_and_exit_codes(faulty: Faulty, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    base = ["drift", "--api", "sms4sats", "--base-url", faulty.base, "--api-key", SMS4SATS_KEY]
    assert main([*base, "--report", str(tmp_path / "clean")]) == 0
    assert "0 differences" in capsys.readouterr().out
    assert "No differences" in (tmp_path / "clean.md").read_text()
    faulty.rules("  - match: {operation: getPrice}\n    drift: {remove: [receive]}\n")
    assert main([*base, "--report", str(tmp_path / "drifted.xml")]) == 1
    out = capsys.readouterr().out
    assert "DRIFT price (200)" in out and "missing field: body.receive" in out
    suite = ET.parse(tmp_path / "drifted.xml").getroot()
    failures = [c for c in suite.iter("testcase") if c.find("failure") is not None]
    assert {c.get("name") for c in failures} == {"price", "price for USA tg"}
    assert suite.get("skipped") == "4"
    assert (
        "| getPrice | price | missing field | `body.receive` |"
        in (tmp_path / "drifted.md").read_text()
    )


def test_an_unreachable_upstream_is_a_clear_error(capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Unreachable):
        run_drift("sms4sats", "http://127.0.0.1:9")
    assert main(["drift", "--api", "sms4sats", "--base-url", "http://127.0.0.1:9"]) == 2
    assert "no answer from http://127.0.0.1:9" in capsys.readouterr().err


def test_the_countries_probe_tells_which_item_shape_the_service_sends(faulty: Faulty) -> None:
    """`country_items: with_id` is the shape a public wallet reads; against the documented
    description the countries probe reports its `id` as a new field, and nothing else."""
    faulty.rules("  []\n", extra="sms4sats: {country_items: with_id}\n")
    items = requests.get(f"{faulty.base}/getCountries", timeout=5).json()
    assert items[0] == {"id": items[0]["cc"], "cc": items[0]["cc"], "country": items[0]["country"]}
    run = run_drift("sms4sats", faulty.base, api_key=SMS4SATS_KEY)
    assert [(d.probe, d.kind, d.where) for d in run.differences] == [
        ("countries", "new field", "body[].id")
    ]


def test_smsverify_base_url_may_be_the_host_root_or_its_api_v1(faulty: Faulty) -> None:
    """The plugin hands out `smsverify_url` (`.../api/v1`): drift takes it as well as the root."""
    for base in (faulty.base, f"{faulty.base}/api/v1", f"{faulty.base}/api/v1/"):
        run = run_drift("smsverify", base, api_key=SMSVERIFY_KEY)
        assert run.base_url == faulty.base
        assert run.differences == [], [d.line() for d in run.differences]


def test_drift_help_names_the_real_urls(capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit):
        main(["drift", "--help"])
    words = " ".join(capsys.readouterr().out.split())
    assert "https://api2.sms4sats.com" in words and "https://smsverificationservice.com" in words
