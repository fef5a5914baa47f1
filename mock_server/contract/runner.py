"""Run the CI suite's schemathesis checks against a base URL: plan the runs by cost, hand each
to schemathesis' CLI with the shared schemathesis.toml, and read back what it found."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree as ET

from mock_server.contract import BUDGET_SPENT, plan
from mock_server.drift.probes import SPEND
from mock_server.drift.runner import Unreachable
from mock_server.resources import openapi_dir, schemathesis_config
from mock_server.services import SERVICES, service_root
from mock_server.spec.document import SpecDocument

PHASES = "examples,coverage,fuzzing"  # the CI suite's; its stateful runs follow links that order
MAX_REQUESTS = 300
EXAMPLES = 25  # per operation and phase at most, as the CI suite
_AUTH_SECTION = re.compile(r"^\[auth\.openapi\.[^\]]+\]\n(?:(?!\[).*\n?)*", re.M)


@dataclass
class OperationResult:
    operation: str
    grade: str
    status: str  # passed, failed, error, cut short (by the budget), not sent
    detail: str = ""


@dataclass
class ContractRun:
    api: str
    base_url: str
    results: list[OperationResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    requests: int = 0
    seed: str | None = None

    @property
    def failed(self) -> list[OperationResult]:
        return [r for r in self.results if r.status in ("failed", "error")]


def run_contract(
    api: str,
    base_url: str | None = None,
    *,
    api_key: str | None = None,
    allow_orders: bool = False,
    allow_spend: bool = False,
    max_spend: Decimal = Decimal(0),
    max_requests: int = MAX_REQUESTS,
    per_minute: float | None = None,
    seed: int | None = None,
    timeout: float = 20.0,
) -> ContractRun:
    """Check ``api`` at ``base_url`` (the real service by default) with schemathesis."""
    root = service_root(api, base_url)
    _reachable(root, timeout)
    run = ContractRun(api, root)
    planned, run.skipped = plan.runs(
        api, key=api_key, allow_orders=allow_orders, allow_spend=allow_spend
    )
    operations_left = sum(len(step.operations) for step in planned)
    for step in planned:
        # Each run's share of what is left, by its operations: every grade gets its turn.
        left = max_requests - run.requests
        limit = left * len(step.operations) // operations_left
        operations_left -= len(step.operations)
        if step.grade == SPEND:
            ceiling = plan.price_ceiling(api)
            limit = min(limit, int(max_spend // ceiling))
            if limit <= 0:
                run.skipped.append(
                    f"{', '.join(step.operations)}: --max-spend {max_spend} is less than one"
                    f" request may cost ({ceiling})"
                )
                continue
        if limit <= 0:
            run.skipped.append(f"{', '.join(step.operations)}: the request budget is spent")
            continue
        sent, results, run.seed = _schemathesis(
            api,
            root,
            step,
            api_key,
            limit,
            per_minute or SERVICES[api].remote_checks().PER_MINUTE,
            seed,
            timeout,
        )
        run.requests += sent
        run.results += results
    return run


def _schemathesis(
    api: str,
    root: str,
    step: plan.Run,
    key: str | None,
    budget: int,
    per_minute: float,
    seed: int | None,
    timeout: float,
) -> tuple[int, list[OperationResult], str | None]:
    with tempfile.TemporaryDirectory(prefix="sms-mock-contract-") as folder:
        work = Path(folder)
        config = work / "schemathesis.toml"
        config.write_text(_config(api, key if step.with_key else None), encoding="utf-8")
        junit, count = work / "junit.xml", work / "count"
        command = [
            sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "--no-color",
            "run", str(openapi_dir() / SERVICES[api].spec_file), "--url", root,
            "--phases", PHASES, "--max-examples", str(_examples(budget, step)), "--workers", "1",
            "--rate-limit", "auto", "--request-timeout", str(timeout),
            "--suppress-health-check", "all", "--warnings", "off",
            "--report", "junit", "--report-junit-path", str(junit),
            *(["--seed", str(seed)] if seed is not None else []),
            *[arg for op in step.operations for arg in ("--include-operation-id", op)],
        ]  # fmt: skip
        env = {
            **os.environ,
            "SCHEMATHESIS_HOOKS": "mock_server.contract.hooks",
            "SMS_MOCK_CONTRACT_BUDGET": str(budget),
            "SMS_MOCK_CONTRACT_PER_MINUTE": str(per_minute),
            "SMS_MOCK_CONTRACT_COUNT_FILE": str(count),
        }
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=work)
        sent = int(count.read_text()) if count.exists() else 0
        found = re.search(r"Seed: (\d+)", done.stdout)
        if not junit.exists():
            detail = (done.stdout[-2000:] + done.stderr[-2000:]).strip()
            return sent, [OperationResult("(run)", step.grade, "error", detail)], None
        return sent, _read_junit(junit, step.grade), found.group(1) if found else None


def _examples(budget: int, step: plan.Run) -> int:
    """Examples per operation and phase, so the budget reaches every operation: the coverage
    phase sends some 20 cases an operation besides."""
    return max(1, min(EXAMPLES, (budget // len(step.operations) - 20) // 2))


def _config(api: str, key: str | None) -> str:
    """The shared schemathesis.toml with the given key (or none) as schemathesis' auth, under
    each security scheme of the API's description."""
    text = _AUTH_SECTION.sub("", schemathesis_config().read_text(encoding="utf-8"))
    if key is None:
        return text
    doc = SpecDocument(openapi_dir() / SERVICES[api].spec_file, api)
    sections = [
        f"[auth.openapi.{name}]\n"
        + (f"api_key = {_toml(key)}" if scheme.type == "apiKey" else f"bearer = {_toml(key)}")
        for name, scheme in doc.security_schemes.items()
    ]
    return text + "\n" + "\n".join(sections) + "\n"


def _toml(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _read_junit(path: Path, grade: str) -> list[OperationResult]:
    results = []
    for case in ET.parse(path).getroot().iter("testcase"):
        name = case.get("name", "?")
        failures = [e for e in case if e.tag == "failure"]
        errors = [e for e in case if e.tag == "error"]
        budget = [e for e in errors if BUDGET_SPENT in (e.get("message", "") + (e.text or ""))]
        errors = [e for e in errors if e not in budget]
        if failures:
            text = "\n".join((e.text or e.get("message", "")).strip() for e in failures)
            results.append(OperationResult(name, grade, "failed", text))
        elif errors:
            text = "\n".join((e.text or e.get("message", "")).strip() for e in errors)
            results.append(OperationResult(name, grade, "error", text))
        elif budget:
            detail = "the request budget (--max-requests) ran out before all its cases were sent"
            results.append(OperationResult(name, grade, "cut short", detail))
        elif any(e.tag == "skipped" for e in case):
            results.append(OperationResult(name, grade, "not sent", "skipped by schemathesis"))
        else:
            results.append(OperationResult(name, grade, "passed"))
    return results


def _reachable(root: str, timeout: float) -> None:
    request = urllib.request.Request(root + "/", headers={"User-Agent": "sms-mock contract"})
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            pass
    except urllib.error.HTTPError:
        pass  # it answers: reachable
    except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError) as exc:
        raise Unreachable(f"no answer from {root} ({getattr(exc, 'reason', exc)})") from None
