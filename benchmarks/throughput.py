"""Throughput and latency of sms-mock against Stoplight Prism and a bare-Flask ceiling.

Run from a clean clone with one command: ``python -m benchmarks.throughput`` (it installs Prism
from the npm registry into benchmarks/.prism and wrk from Debian's packages when they are missing).

In the same run, on the same machine, the same requests go to:
- sms-mock (`sms-mock serve`, the `contract` scenario: validating requests and keeping state,
  the rate limit off);
- Prism mocking the same openapi files (one Prism per description);
- a Flask app answering a constant, on the same WSGI server (waitress, 8 threads): the ceiling.

It prints a table with ratios and writes it to docs/performance-results.md (or ``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRISM_DIR = ROOT / "benchmarks" / ".prism"
PRISM = PRISM_DIR / "node_modules" / ".bin" / "prism"
BEARER = "Bearer test-smsverify-key"

CEILING_APP = """
from flask import Flask
from waitress import serve
import sys
app = Flask("ceiling")
@app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
@app.route("/<path:path>", methods=["GET", "POST"])
def constant(path):
    return {"status": "OK"}
serve(app, host="127.0.0.1", port=int(sys.argv[1]), threads=8, _quiet=True)
"""


@dataclass(frozen=True)
class Case:
    name: str
    api: str  # which Prism answers it
    method: str
    path: str
    body: str | None = None
    bearer: bool = False


CASES = [
    Case("sms4sats GET /price", "sms4sats", "GET", "/price?country=187&service=tg"),
    Case(
        "sms4sats POST /createorder",
        "sms4sats",
        "POST",
        "/createorder",
        '{"country": 187, "service": "tg"}',
    ),
    Case("sms4sats GET /orderstatus", "sms4sats", "GET", "/orderstatus?orderId={order_id}"),
    Case("smsverify GET /api/v1/balance/", "smsverify", "GET", "/api/v1/balance/", bearer=True),
    Case(
        "smsverify POST /api/v1/order/temporary/",
        "smsverify",
        "POST",
        "/api/v1/order/temporary/",
        '{"service_id": 1012}',
        bearer=True,
    ),
]


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8, help="per case and server (default 8)")
    parser.add_argument(
        "--connections", type=int, default=16, help="concurrent connections (default 16)"
    )
    parser.add_argument("--out", default=str(ROOT / "docs" / "performance-results.md"))
    args = parser.parse_args(argv)
    wrk = _ensure_wrk()
    prism = _ensure_prism()
    with ExitStack() as stack:
        ours = stack.enter_context(_sms_mock())
        ceiling = stack.enter_context(_process([sys.executable, "-c", CEILING_APP], "ceiling"))
        prisms = {
            api: stack.enter_context(
                _process(
                    [str(prism), "mock", "-h", "127.0.0.1", str(ROOT / "openapi" / spec), "-p"],
                    f"prism {api}",
                )
            )
            for api, spec in (
                ("sms4sats", "sms4sats.yaml"),
                ("smsverify", "smsverificationservice.yaml"),
            )
        }
        order_id = _create_order(ours)
        rows = []
        for case in CASES:
            path = case.path.format(order_id=order_id)
            measured = {
                "sms-mock": _wrk(wrk, ours, case, path, args),
                "Prism": _wrk(wrk, prisms[case.api], case, path, args),
                "bare Flask": _wrk(wrk, ceiling, case, path, args),
            }
            rows.append((case.name, measured))
            print(
                f"  {case.name}: "
                + ", ".join(f"{k} {v.rps:.0f} req/s" for k, v in measured.items()),
                flush=True,
            )
    table = _table(rows, args)
    print(table)
    Path(args.out).write_text(table, encoding="utf-8")
    print(f"written to {args.out}")
    return 0


# -- the servers -----------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _process(command: list[str], label: str) -> Iterator[str]:
    port = _free_port()
    # A log file, not a pipe: a pipe nobody reads fills up and blocks the server mid-run.
    log = Path(tempfile.gettempdir()) / f"sms-mock-bench-{label.replace(' ', '-')}-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen([*command, str(port)], stdout=subprocess.DEVNULL, stderr=sink)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, label, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def _sms_mock() -> Iterator[str]:
    command = [sys.executable, "-m", "mock_server", "serve", "--scenario", "contract", "--port"]
    with _process(command, "sms-mock") as url:
        yield url


def _wait_until_up(url: str, process: subprocess.Popen, label: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{label} did not start: {log.read_text(errors='replace')[-2000:]}")
        try:
            urllib.request.urlopen(url + "/price", timeout=1)
            return
        except urllib.error.HTTPError:
            return  # answering, even if with an error
        except OSError:
            time.sleep(0.2)  # a benchmark script, not a test: waiting for a process to listen
    raise SystemExit(f"{label} did not answer within 60 s")


def _create_order(base: str) -> str:
    request = urllib.request.Request(
        base + "/createorder",
        data=b'{"country": 187, "service": "tg"}',
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["orderId"]


# -- the load ----------------------------------------------------------------------------------
def _wrk(wrk: str, base: str, case: Case, path: str, args: argparse.Namespace) -> Result:
    headers = {"Content-Type": "application/json"} if case.body else {}
    if case.bearer:
        headers["Authorization"] = BEARER
    lua = "wrk.method = {method}\nwrk.body = {body}\n{headers}\n".format(
        method=json.dumps(case.method),
        body=json.dumps(case.body or ""),
        headers="\n".join(
            f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()
        ),
    )
    out = run_wrk(wrk, base + path, lua, seconds=args.seconds, connections=args.connections)
    rps, p99, errors = _wrk_stats(out)
    return Result(rps, _percentile(out, "50%"), p99, errors)


def run_wrk(wrk: str, url: str, lua: str, *, seconds: int, connections: int) -> str:
    """wrk's --latency output for ``url`` with the Lua script ``lua``, two threads."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    try:
        command = [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s"]
        return subprocess.run(
            [*command, script.name, url], capture_output=True, text=True, check=True
        ).stdout
    finally:
        os.unlink(script.name)


def _wrk_stats(out: str) -> tuple[float, float, int]:
    """Requests per second, p99 in ms and the non-2xx count from wrk's --latency output."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    return rps, _percentile(out, "99%"), errors


def _percentile(out: str, label: str) -> float:
    match = re.search(rf"\s{re.escape(label)}\s+([\d.]+)(us|ms|s)", out)
    if match is None:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def _table(rows: list[tuple[str, dict[str, Result]]], args: argparse.Namespace) -> str:
    lines = [
        "# Throughput: sms-mock, Prism and the bare-Flask ceiling",
        "",
        f"`python -m benchmarks.throughput`, {args.connections} connections,"
        f" {args.seconds} s per case, {os.cpu_count()} cores; wrk on the same machine."
        " req/s and latency (ms, p50/p99).",
        "",
        "| request | sms-mock req/s | Prism req/s | bare Flask req/s | ours / Prism"
        " | ours / ceiling | sms-mock p50/p99 | Prism p50/p99 | non-2xx (ours, Prism) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, measured in rows:
        ours, prism, ceiling = measured["sms-mock"], measured["Prism"], measured["bare Flask"]
        lines.append(
            f"| {name} | {ours.rps:.0f} | {prism.rps:.0f} | {ceiling.rps:.0f}"
            f" | {ours.rps / prism.rps:.2f} | {ours.rps / ceiling.rps:.2f}"
            f" | {ours.p50_ms:.1f}/{ours.p99_ms:.1f} |"
            f" {prism.p50_ms:.1f}/{prism.p99_ms:.1f} | {ours.errors}, {prism.errors} |"
        )
    return "\n".join(lines) + "\n"


# -- the tools ---------------------------------------------------------------------------------
def _ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is needed: install it (Debian: apt-get install wrk)")
    return found


def _ensure_prism() -> Path:
    if not PRISM.exists():
        PRISM_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "npm",
                "install",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(PRISM_DIR),
                "@stoplight/prism-cli@5",
            ],
            check=True,
        )
    return PRISM


if __name__ == "__main__":
    raise SystemExit(main())
