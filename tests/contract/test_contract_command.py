"""`sms-mock contract`: the CI suite's checks against a base URL, over real HTTP, spend-safe and
within its request budget; clean on the faithful simulator, failing readably on a drifted one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import requests

from mock_server.app import create_app
from mock_server.cli import main
from mock_server.contract.plan import grades_of
from mock_server.resources import openapi_dir
from mock_server.services import SERVICES
from mock_server.spec.document import SpecDocument
from mock_server.testing.server import serving
from tests.support import SMS4SATS_KEY, SMSVERIFY_KEY

FAST = ["--per-minute", "600000"]  # the pace is for real services; the simulator has no limit
BEARER = {"Authorization": f"Bearer {SMSVERIFY_KEY}"}


@pytest.fixture(scope="module")
def faithful() -> Iterator[str]:
    with serving(create_app("contract", strict=True)) as base:
        yield base


@pytest.fixture(scope="module")
def drifted() -> Iterator[str]:
    with serving(create_app("schema-drift", "virtual")) as base:
        yield base


def journal(base: str) -> list[dict]:
    return requests.get(f"{base}/_mock/requests", timeout=5).json()["requests"]


def contract(api: str, base: str, *args: str) -> list[str]:
    key = SMS4SATS_KEY if api == "sms4sats" else SMSVERIFY_KEY
    return ["contract", "--api", api, "--base-url", base, "--api-key", key, *args, *FAST]


def test_clean_on_the_faithful_simulator_within_the_budget(
    faithful: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    requests.delete(f"{faithful}/_mock/requests", timeout=5)
    report = str(tmp_path / "r")
    code = main(contract("sms4sats", faithful, "--allow-orders", "--max-requests", "400",
                         "--report", report))  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    assert "0 failed" in out and "POST /createorder (orders)" in out
    sent = journal(faithful)
    assert 0 < len(sent) <= 400  # a hard bound, retries of a 429 included
    assert {e["operation"] for e in sent} >= {"getPrice", "getBalance", "createOrder"}
    assert "No failures: the service matches the description." in (tmp_path / "r.md").read_text()
    suite = ET.parse(tmp_path / "r.xml").getroot()
    assert (suite.get("failures"), suite.get("errors"), suite.get("tests")) == ("0", "0", "13")


def test_spend_safe_by_default_nothing_that_costs_is_called(
    faithful: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = requests.get(f"{faithful}/api/v1/balance/", headers=BEARER, timeout=5).json()
    requests.delete(f"{faithful}/_mock/requests", timeout=5)
    for api in ("sms4sats", "smsverify"):
        code = main(contract(api, faithful, "--max-requests", "120"))
        out = capsys.readouterr().out
        assert code == 0, out
        assert "may spend money, need --allow-spend" in out
    called = {(e["api"], e["operation"]) for e in journal(faithful)}
    costly = {
        (api, op) for api in SERVICES for op, grade in grades_of(api).items() if grade != "safe"
    }
    assert ("smsverify", "getBalance") in called and not called & costly, called & costly
    assert requests.get(f"{faithful}/api/v1/balance/", headers=BEARER, timeout=5).json() == before


def test_spend_is_bounded_by_max_spend(faithful: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Each spending request is counted at the dearest catalog price: 1.00 USD buys none."""
    requests.delete(f"{faithful}/_mock/requests", timeout=5)
    code = main(contract("smsverify", faithful, "--allow-spend", "--max-spend", "1.00",
                         "--max-requests", "60"))  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    assert "--max-spend 1.00 is less than one request may cost" in out
    # (a request with a method no operation has, from the checks, has no operation)
    called = {e["operation"] for e in journal(faithful) if e["api"] == "smsverify"} - {None}
    assert called and all(grades_of("smsverify")[op] == "safe" for op in called), called


def test_a_drifted_service_fails_with_a_readable_report(
    drifted: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = str(tmp_path / "drift")
    code = main(contract("sms4sats", drifted, "--allow-orders", "--max-requests", "200",
                         "--report", report))  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1, out
    assert "FAIL  POST /createorder (orders)" in out
    markdown = (tmp_path / "drift.md").read_text()
    assert "| POST /createorder | orders | failed |" in markdown
    assert "Response violates schema" in markdown and '"orderId" is a required property' in markdown
    suite = ET.parse(tmp_path / "drift.xml").getroot()
    assert int(suite.get("failures")) >= 1


def test_smsverify_takes_its_api_v1_url_and_an_unreachable_one_is_exit_2(
    faithful: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(contract("smsverify", f"{faithful}/api/v1", "--max-requests", "40")) == 0
    assert f"smsverify at {faithful}\n" in capsys.readouterr().out
    assert main(contract("sms4sats", "http://127.0.0.1:9", "--max-requests", "5")) == 2
    assert "no answer from http://127.0.0.1:9" in capsys.readouterr().err


def test_the_l402_api_needs_no_key_and_spends_nothing(
    faithful: str, capsys: pytest.CaptureFixture[str]
) -> None:
    requests.delete(f"{faithful}/_mock/requests", timeout=5)
    code = main(
        ["contract", "--api", "l402", "--base-url", faithful, "--max-requests", "150", *FAST]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "0 failed" in out
    called = {e["operation"] for e in journal(faithful) if e["api"] == "l402"}
    assert {"getCatalog", "createL402Order", "getL402Order"} <= called
    orders = requests.get(f"{faithful}/_mock/requests", params={"api": "l402"}, timeout=5).json()
    assert all(e["status"] != 200 or e["operation"] != "getL402Order" for e in orders["requests"])


@pytest.mark.parametrize("api", ["sms4sats", "smsverify", "l402"])
def test_every_operation_is_graded(api: str) -> None:
    """A new operation in a description must say what it may cost before `contract` calls it."""
    doc = SpecDocument(openapi_dir() / SERVICES[api].spec_file, api)
    assert set(grades_of(api)) == {op.operation_id for op in doc.operations}
    assert set(SERVICES[api].remote_checks().KEYED_SPEND) <= set(grades_of(api))
