"""Throughput and latency of sms-mock against the mock servers its users would pick instead.

Run from a clean clone with one command: ``python -m benchmarks.throughput``. It installs what
it measures against when missing (benchmarks/anchors.py: Prism, WireMock, Mockoon and
mountebank from the npm registry, Java and wrk from Debian's packages).

In the same run, on the same machine, the same requests go to:
- sms-mock (`sms-mock serve`, the `contract` scenario: validating every request, keeping state
  and journaling, the rate limit off);
- Prism 5 mocking the same descriptions (one Prism per description);
- WireMock 3, Mockoon 9 and mountebank 2, serving sms-mock's own answers as static stubs;
- the ceiling: an event loop with the same HTTP parser answering a constant (what serving
  alone costs on this machine).

Every case runs on every server in turn (the order rotates each repetition), after a warm-up;
the medians of the repetitions are kept. While one server is measured the others are stopped
(SIGSTOP to their process groups, SIGCONT after): a JVM goes on compiling and collecting after
its own run, and took 5-17% of a core from whichever server came next when they all ran.
Then a new sms-mock is given ``--orders`` orders (100,000) and measured again: the tail, and
the memory, once state has piled up. It prints the table with the ratios and the targets of
issue 15, and writes it to docs/performance-results.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks import anchors

ROOT = Path(__file__).resolve().parents[1]
BEARER = "Bearer test-smsverify-key"
SPECS = {"sms4sats": "sms4sats.yaml", "smsverify": "smsverificationservice.yaml"}

CEILING_APP = """
import asyncio, sys, httptools, uvloop
BODY = b'{"status": "OK"}'
HEAD = b"HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\nContent-Length: %d\\r\\n\\r\\n"
ANSWER = HEAD % len(BODY) + BODY
class Connection(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport, self.parser = transport, httptools.HttpRequestParser(self)
    def data_received(self, data):
        self.parser.feed_data(data)
    def on_message_complete(self):
        self.transport.write(ANSWER)
async def main():
    await asyncio.get_running_loop().create_server(Connection, "127.0.0.1", int(sys.argv[1]))
    await asyncio.Event().wait()
uvloop.run(main())
"""
# p50, p99 and p99.9 in microseconds, and the request count, printed by wrk when it is done.
PERCENTILES = """
done = function(summary, latency, requests)
  io.write(string.format("P50 %d\\nP99 %d\\nP999 %d\\nREQUESTS %d\\n",
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), summary.requests))
end
"""


@dataclass(frozen=True)
class Case:
    name: str
    api: str  # which Prism answers it
    method: str
    path: str
    body: str | None = None
    bearer: bool = False

    @property
    def route(self) -> str:
        return self.path.split("?")[0]


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
OURS, PRISM, WIREMOCK = "sms-mock", "Prism", "WireMock"
SERVERS = (OURS, PRISM, WIREMOCK, "Mockoon", "mountebank", "ceiling")


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    p999_ms: float
    errors: int


def median(results: list[Result]) -> Result:
    return Result(
        statistics.median(r.rps for r in results),
        statistics.median(r.p50_ms for r in results),
        statistics.median(r.p99_ms for r in results),
        statistics.median(r.p999_ms for r in results),
        max(r.errors for r in results),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="per measurement (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="seconds before each (default 1)")
    parser.add_argument("--repeats", type=int, default=3, help="repetitions (default 3)")
    parser.add_argument(
        "--connections", type=int, default=16, help="concurrent connections (default 16)"
    )
    parser.add_argument(
        "--orders", type=int, default=100_000, help="orders held for the second part"
    )
    parser.add_argument("--out", default=str(ROOT / "docs" / "performance-results.md"))
    args = parser.parse_args(argv)
    wrk = _ensure_wrk()
    anchors.ensure_installed()
    with ExitStack() as stack:
        ours, our_process = stack.enter_context(_started(_sms_mock_command(), "sms-mock"))
        _deepen_wallet(ours)
        order_id = _create_order(ours)
        stubs = _stubs(ours, order_id)
        bases, processes = _start_anchors(stack, stubs)
        bases[OURS] = {"sms4sats": ours, "smsverify": ours}
        processes[OURS] = [our_process]
        measured: dict[str, dict[str, list[Result]]] = {c.name: {} for c in CASES}
        for repeat in range(args.repeats):
            for case in CASES:
                path = case.path.format(order_id=order_id)
                turn = SERVERS[repeat % len(SERVERS) :] + SERVERS[: repeat % len(SERVERS)]
                for server in turn:
                    base = bases[server][case.api]
                    with _alone(processes, server):
                        _wrk(wrk, base, case, path, args, seconds=args.warmup)
                        result = _wrk(wrk, base, case, path, args, seconds=args.seconds)
                    measured[case.name].setdefault(server, []).append(result)
                print(f"  {repeat + 1}/{args.repeats} {case.name}", flush=True)
        fresh = {name: {s: median(r) for s, r in by.items()} for name, by in measured.items()}
    with _started(_sms_mock_command(), "sms-mock held") as (ours, process):
        _deepen_wallet(ours)
        start_memory = _resident_mb(process.pid)
        held_orders = _fill(wrk, ours, args)
        held_memory = _resident_mb(process.pid)
        order_id = _create_order(ours)
        held = {
            case.name: _wrk(
                wrk, ours, case, case.path.format(order_id=order_id), args, seconds=args.seconds
            )
            for case in CASES
        }
    table = _table(fresh, held, held_orders, (start_memory, held_memory), args)
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
def _started(
    command: list[str], label: str, *, port: int | None = None, serves_on: int | None = None
) -> Iterator[tuple[str, subprocess.Popen]]:
    """A server process given a free ``port`` as its last argument; its base URL is on
    ``serves_on`` when that differs (mountebank's imposter)."""
    port = port or _free_port()
    # A log file, not a pipe: a pipe nobody reads fills up and blocks the server mid-run.
    log = Path(tempfile.gettempdir()) / f"sms-mock-bench-{label.replace(' ', '-')}-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*command, str(port)],
            stdout=subprocess.DEVNULL,
            stderr=sink,
            cwd=tempfile.gettempdir(),
            start_new_session=True,  # a process group of its own, to stop (`_alone`)
        )
    url = f"http://127.0.0.1:{serves_on or port}"
    try:
        _wait_until_up(url, process, label, log)
        yield url, process
    finally:
        _signal_group(process, signal.SIGCONT)  # a stopped process would not hear SIGTERM
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def _process(command: list[str], label: str) -> Iterator[str]:
    with _started(command, label) as (url, _):
        yield url


@contextmanager
def _alone(processes: dict[str, list[subprocess.Popen]], server: str) -> Iterator[None]:
    """Only ``server`` runs meanwhile: every other server's process group is stopped."""
    others = [p for name, group in processes.items() if name != server for p in group]
    for process in others:
        _signal_group(process, signal.SIGSTOP)
    try:
        yield
    finally:
        for process in others:
            _signal_group(process, signal.SIGCONT)


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signum)  # the process leads its own group (`_started`)


def _sms_mock_command() -> list[str]:
    return [sys.executable, "-m", "mock_server", "serve", "--scenario", "contract", "--port"]


def _start_anchors(
    stack: ExitStack, stubs: list[anchors.Stub]
) -> tuple[dict[str, dict[str, str]], dict[str, list[subprocess.Popen]]]:
    """Every anchor started: for each, the base URL answering each API, and its processes."""
    bases: dict[str, dict[str, str]] = {PRISM: {}}
    processes: dict[str, list[subprocess.Popen]] = {PRISM: []}
    for api, spec in SPECS.items():
        command = anchors.prism_command(ROOT / "openapi" / spec)
        url, process = stack.enter_context(_started(command, f"prism {api}"))
        bases[PRISM][api] = url
        processes[PRISM].append(process)
    for name, files in (("WireMock", anchors.wiremock_files), ("Mockoon", anchors.mockoon_files)):
        command = stack.enter_context(files(stubs))
        url, process = stack.enter_context(_started(command, name))
        bases[name], processes[name] = {api: url for api in SPECS}, [process]
    imposter = _free_port()
    command = stack.enter_context(anchors.mountebank_files(stubs, [imposter]))
    url, process = stack.enter_context(_started(command, "mountebank", serves_on=imposter))
    bases["mountebank"], processes["mountebank"] = {api: url for api in SPECS}, [process]
    command = [sys.executable, "-c", CEILING_APP]
    url, process = stack.enter_context(_started(command, "ceiling"))
    bases["ceiling"], processes["ceiling"] = {api: url for api in SPECS}, [process]
    return bases, processes


def _wait_until_up(url: str, process: subprocess.Popen, label: str, log: Path) -> None:
    deadline = time.monotonic() + 120
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
    raise SystemExit(f"{label} did not answer within 120 s")


def _request(base: str, case: Case, path: str) -> tuple[int, str]:
    headers = {"Content-Type": "application/json"} if case.body else {}
    if case.bearer:
        headers["Authorization"] = BEARER
    data = case.body.encode() if case.body else None
    request = urllib.request.Request(base + path, data=data, method=case.method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _deepen_wallet(base: str) -> None:
    """Give the smsverify account enough dollars for every temporary order of the run (the
    scenario's $100,000 lasts about 200,000 of them): an order refused for its price is not
    the request measured."""
    request = urllib.request.Request(
        base + "/_mock/smsverify/accounts",
        data=json.dumps({"api_key": BEARER.split()[-1], "balance": 999_999_999}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200, response.read()


def _create_order(base: str) -> str:
    _, body = _request(base, CASES[1], CASES[1].path)
    return json.loads(body)["orderId"]


def _stubs(base: str, order_id: str) -> list[anchors.Stub]:
    """sms-mock's own answer to each case, for the static stubs to serve."""
    stubs = []
    for case in CASES:
        status, body = _request(base, case, case.path.format(order_id=order_id))
        stubs.append((case.method, case.route, status, body))
    return stubs


def _fill(wrk: str, base: str, args: argparse.Namespace) -> int:
    """POST /createorder until sms-mock holds ``args.orders`` orders; how many it made. wrk
    makes most of them, for as long as it cannot go past the number; one connection the rest."""
    made = 0
    case = CASES[1]
    rate = 1_000.0  # orders a second, until wrk has measured it
    while (seconds := min(5, int(0.8 * (args.orders - made) / rate))) >= 1:
        out = run_wrk(wrk, base + case.path, _lua(case), seconds=seconds, connections=4)
        made += _count(out, "REQUESTS") - _errors(out)
        rate = max(rate, _count(out, "REQUESTS") / seconds)
    while made < args.orders:
        status, _ = _request(base, case, case.path)
        made += status == 200
    return made


def _resident_mb(pid: int) -> float:
    """What the server holds: its resident memory, and what its child processes (the signing
    worker) hold of their own (their pages not shared with it: their private ones)."""
    status = Path(f"/proc/{pid}/status").read_text()
    total = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        rollup = Path(f"/proc/{child}/smaps_rollup").read_text()
        total += sum(int(kb) for kb in re.findall(r"Private_(?:Clean|Dirty):\s+(\d+)", rollup))
    return total / 1024


# -- the load ----------------------------------------------------------------------------------
def _lua(case: Case) -> str:
    headers = {"Content-Type": "application/json"} if case.body else {}
    if case.bearer:
        headers["Authorization"] = BEARER
    return "wrk.method = {method}\nwrk.body = {body}\n{headers}\n{done}".format(
        method=json.dumps(case.method),
        body=json.dumps(case.body or ""),
        headers="\n".join(
            f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()
        ),
        done=PERCENTILES,
    )


def _wrk(
    wrk: str, base: str, case: Case, path: str, args: argparse.Namespace, *, seconds: int
) -> Result:
    out = run_wrk(wrk, base + path, _lua(case), seconds=seconds, connections=args.connections)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return Result(
        rps,
        _count(out, "P50") / 1000,
        _count(out, "P99") / 1000,
        _count(out, "P999") / 1000,
        _errors(out),
    )


def _count(out: str, label: str) -> int:
    match = re.search(rf"^{label} (\d+)$", out, re.MULTILINE)
    return int(match.group(1)) if match else 0


def _errors(out: str) -> int:
    return sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))


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
    return rps, _percentile(out, "99%"), _errors(out)


def _percentile(out: str, label: str) -> float:
    match = re.search(rf"\s{re.escape(label)}\s+([\d.]+)(us|ms|s)", out)
    if match is None:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


# -- the table ---------------------------------------------------------------------------------
def _mark(met: bool) -> str:
    return "yes" if met else "**no**"


def _table(
    fresh: dict[str, dict[str, Result]],
    held: dict[str, Result],
    held_orders: int,
    memory: tuple[float, float],
    args: argparse.Namespace,
) -> str:
    names = anchors.versions()
    lines = [
        "# Throughput: sms-mock and the mock servers its users would pick instead",
        "",
        f"`python -m benchmarks.throughput`, {time.strftime('%Y-%m-%d')}: {os.cpu_count()}"
        f" cores, wrk -t2 -c{args.connections} on the same machine, {args.seconds} s a"
        f" measurement after {args.warmup} s of warm-up, the median of {args.repeats}"
        " repetitions (servers in rotating order). sms-mock validates every request, keeps"
        " state and journals; " + ", ".join(f"{k} {v}" for k, v in names.items()) + ".",
        "",
        "req/s, and p99 / p99.9 in ms:",
        "",
        "| request | " + " | ".join(SERVERS) + " |",
        "|---|" + "---|" * len(SERVERS),
    ]
    for name, by in fresh.items():
        cells = [f"{by[s].rps:,.0f}, {by[s].p99_ms:.1f} / {by[s].p999_ms:.1f}" for s in SERVERS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Targets (issue 15): at least 2x Prism's req/s, at least 0.5x WireMock's, p99 at most a"
        " third of Prism's:",
        "",
        "| request | ours / Prism | ours / WireMock | p99 ours / Prism | 2x Prism | 0.5x WireMock"
        " | p99 <= Prism/3 | non-2xx (ours) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, by in fresh.items():
        ours, prism, wiremock = by[OURS], by[PRISM], by[WIREMOCK]
        answered = ours.errors == 0  # figures made of refusals measure something else
        lines.append(
            f"| {name} | {ours.rps / prism.rps:.2f} | {ours.rps / wiremock.rps:.2f}"
            f" | {ours.p99_ms / prism.p99_ms:.2f}"
            f" | {_mark(answered and ours.rps >= 2 * prism.rps)}"
            f" | {_mark(answered and ours.rps >= 0.5 * wiremock.rps)}"
            f" | {_mark(answered and ours.p99_ms <= prism.p99_ms / 3)} | {ours.errors} |"
        )
    lines += [
        "",
        f"A new sms-mock given {held_orders:,} sms4sats orders (POST /createorder, each with its"
        f" hold invoice), then measured: resident memory {memory[0]:.0f} MB at start,"
        f" {memory[1]:.0f} MB with the orders (target: under 150 MB; the server's resident"
        " memory and its signing worker's own pages):",
        "",
        "| request | req/s | p50 | p99 | p99.9 | p99 against Prism's (fresh) |",
        "|---|---|---|---|---|---|",
    ]
    for name, result in held.items():
        prism = fresh[name][PRISM]
        lines.append(
            f"| {name} | {result.rps:,.0f} | {result.p50_ms:.1f} | {result.p99_ms:.1f}"
            f" | {result.p999_ms:.1f} | {result.p99_ms / prism.p99_ms:.2f} |"
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


if __name__ == "__main__":
    raise SystemExit(main())
