"""What a world costs: creating one and its first answer, dropping it, its memory, and the
throughput of 32 worlds against one.

Run by hand: ``python -m benchmarks.worlds`` (wrk from Debian's packages, installed when
missing, as ``benchmarks.throughput`` does). Each figure is measured beside its anchor in the
same run:

- creating a world by its first request (``GET /worlds/NAME/price``) beside the same request to
  a world that exists; dropping a world (``DELETE /_mock/worlds/NAME``) beside inspecting one
  (``GET /_mock/worlds/NAME``); over real HTTP, one keep-alive connection, medians of 500;
- memory: 1,000 worlds built in one process (``tracemalloc``, and resident memory), against the
  process with its default world alone;
- throughput: wrk against ``sms-mock serve`` with every request naming one of 32 worlds, and
  the same with every request naming one world, interleaved, three times each.
"""

from __future__ import annotations

import argparse
import gc
import http.client
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

from benchmarks.throughput import _ensure_wrk, _process, _wrk_stats, run_wrk

WORLD_SCRIPT = """
local worlds = {worlds}
local counter = 0
request = function()
  counter = counter + 1
  local name = "bench-" .. (counter % worlds)
  return wrk.format({method}, {path}, {{["X-Mock-World"] = name,
    ["Content-Type"] = "application/json", ["Authorization"] = "Bearer test-smsverify-key"}},
    {body})
end
"""
CASES = [
    ("GET /price", '"GET"', '"/price?country=187&service=tg"', "nil"),
    (
        "POST /api/v1/order/temporary/",
        '"POST"',
        '"/api/v1/order/temporary/"',
        "'{\"service_id\": 1012}'",
    ),
]


def _timed(conn: http.client.HTTPConnection, method: str, path: str) -> float:
    started = time.perf_counter()
    conn.request(method, path)
    response = conn.getresponse()
    response.read()
    assert response.status < 300, (method, path, response.status)
    return (time.perf_counter() - started) * 1000


def create_and_drop(count: int) -> list[str]:
    from mock_server.app import create_app
    from mock_server.testing.server import serving

    app = create_app("contract", clock="virtual")
    with serving(app) as url:
        conn = http.client.HTTPConnection(url.removeprefix("http://"))
        _timed(conn, "GET", "/worlds/warm/price?country=187&service=tg")
        create, existing, drop, inspect = [], [], [], []
        for n in range(count):
            name = f"w-{n}"
            create.append(_timed(conn, "GET", f"/worlds/{name}/price?country=187&service=tg"))
            existing.append(_timed(conn, "GET", f"/worlds/{name}/price?country=187&service=tg"))
            inspect.append(_timed(conn, "GET", f"/_mock/worlds/{name}"))
            drop.append(_timed(conn, "DELETE", f"/_mock/worlds/{name}"))
    rows = [
        ("a new world's first answer (GET /worlds/NAME/price)", create),
        ("  anchor: the same request, the world existing", existing),
        ("dropping a world (DELETE /_mock/worlds/NAME)", drop),
        ("  anchor: inspecting one (GET /_mock/worlds/NAME)", inspect),
    ]
    return [
        f"| {label} | {statistics.median(ms):.2f} | {statistics.quantiles(ms, n=20)[18]:.2f} |"
        for label, ms in rows
    ]


def memory(count: int, traced: int = 100) -> list[str]:
    from mock_server.app import create_app, worlds_of
    from mock_server.engine.worlds import WorldLimits

    limits = WorldLimits(max_worlds=count + traced + 1)
    app = create_app("contract", clock="virtual", worlds=limits)
    worlds = worlds_of(app)
    gc.collect()
    rss_before = _resident_mb()
    for n in range(count):
        worlds.create(f"m-{n}")
    gc.collect()
    rss_empty = _resident_mb()
    for n in range(count):  # then a CI job's worth in each: 5 orders of each API
        world = worlds.find(f"m-{n}")
        s4, sv = world.backend("sms4sats"), world.backend("smsverify")
        for _ in range(5):
            s4.create_receive_order(187, "tg")  # type: ignore[attr-defined]
            sv.order_product("test-smsverify-key", "temporary", 1012)  # type: ignore[attr-defined]
    gc.collect()
    rss_busy = _resident_mb()
    tracemalloc.start()  # last: tracing inflates what the process holds
    base, _ = tracemalloc.get_traced_memory()
    for n in range(traced):
        worlds.create(f"t-{n}")
    gc.collect()
    used, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    per_world = (used - base) / traced / 1024
    return [
        f"| an empty world (Python allocations, mean of {traced}) | {per_world:.1f} KB |",
        f"| {count:,} empty worlds, resident | {rss_empty:.0f} MB |",
        f"| the same worlds with 10 orders each (5 per API) | {rss_busy:.0f} MB |",
        f"|   anchor: the process with its default world alone | {rss_before:.0f} MB |",
    ]


def _resident_mb() -> float:
    """Resident memory now (not the peak), from /proc."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def throughput(seconds: int, connections: int, repeats: int) -> list[str]:
    wrk = _ensure_wrk()
    command = [sys.executable, "-m", "mock_server", "serve", "--scenario", "contract", "--port"]
    results: dict[tuple[str, int], list[tuple[float, float]]] = {}
    with _process(command, "sms-mock-worlds") as url:
        for label, method, path, body in CASES:
            for _ in range(repeats):
                for worlds in (32, 1):  # interleaved
                    lua = WORLD_SCRIPT.format(worlds=worlds, method=method, path=path, body=body)
                    out = run_wrk(wrk, url, lua, seconds=seconds, connections=connections)
                    rps, p99, errors = _wrk_stats(out)
                    assert errors == 0, f"{label}: {errors} answers were not 2xx"
                    results.setdefault((label, worlds), []).append((rps, p99))
    rows = []
    for label, *_ in CASES:
        many = results[(label, 32)]
        one = results[(label, 1)]
        many_rps = statistics.median(r for r, _ in many)
        one_rps = statistics.median(r for r, _ in one)
        rows.append(
            f"| {label} | {many_rps:.0f} | {one_rps:.0f} | {many_rps / one_rps:.2f}"
            f" | {statistics.median(p for _, p in many):.1f}"
            f" | {statistics.median(p for _, p in one):.1f} |"
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", type=int, default=500, help="created and dropped (500)")
    parser.add_argument("--memory-worlds", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    lines = ["| step | median ms | p95 ms |", "|---|---|---|", *create_and_drop(args.worlds)]
    lines += ["", "| memory | |", "|---|---|", *memory(args.memory_worlds)]
    lines += [
        "",
        f"wrk -t2 -c{args.connections} -d{args.seconds}s, {args.repeats} runs each, interleaved;"
        " medians:",
        "",
        "| request | 32 worlds req/s | 1 world req/s | ratio | p99 ms (32) | p99 ms (1) |",
        "|---|---|---|---|---|---|",
        *throughput(args.seconds, args.connections, args.repeats),
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    out = Path(__file__).resolve().parents[1] / "docs" / "performance-worlds.md"
    out.write_text("# Worlds: `python -m benchmarks.worlds`\n\n" + text, encoding="utf-8")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
