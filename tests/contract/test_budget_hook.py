"""The hook `sms-mock contract` loads into schemathesis' process: every request leaving through
requests is counted against the budget and spaced to the pace (the clock and the sleep are
stand-ins here: the pace is wall time against a real service)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from mock_server.contract import BUDGET_SPENT, hooks


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def test_requests_are_paced_and_the_budget_is_a_hard_stop(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clock = FakeTime()
    monkeypatch.setattr(hooks, "time", clock)
    monkeypatch.setattr(hooks, "_BUDGET", 3)
    monkeypatch.setattr(hooks, "_INTERVAL", 60 / 50)  # smsVerificationService's pace
    monkeypatch.setattr(hooks, "_COUNT", tmp_path / "count")
    monkeypatch.setattr(hooks, "_sent", 0)
    monkeypatch.setattr(hooks, "_last", float("-inf"))
    sent: list[Any] = []
    monkeypatch.setattr(hooks, "_send", lambda session, request, **kw: sent.append(request))
    for request in ("a", "b", "c"):
        hooks._counted_send(None, request)  # type: ignore[arg-type]
        clock.now += 0.2  # the answer took 0.2 s
    assert sent == ["a", "b", "c"]
    assert clock.slept == [1.0, 1.0]  # 1.2 s apart: 50 a minute
    assert (tmp_path / "count").read_text() == "3"
    with pytest.raises(hooks.BudgetSpent, match=re.escape(BUDGET_SPENT)):
        hooks._counted_send(None, "d")  # type: ignore[arg-type]
    assert sent == ["a", "b", "c"]  # never sent


def test_the_hook_changes_nothing_outside_the_process_contract_starts() -> None:
    import requests

    assert requests.Session.send is hooks._send  # imported here without the budget variable
