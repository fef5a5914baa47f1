"""What an open dashboard costs the simulated APIs: wrk on two API requests against one
`sms-mock serve`, in one run, interleaved: with no page open; with the page's polling alone (a
thread making its three control calls every second, as the page does); and with /_mock/ui
open in a headless Chromium on the same machine (the polling plus the browser's own work).

    python -m benchmarks.dashboard_cost [--seconds 8] [--repeat 3] [--orders 2000]

The world holds --orders orders of each API first, so the page's overview has rows to build.
Needs wrk and Debian's chromium and chromium-driver (apt-get install wrk chromium chromium-driver).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from benchmarks.throughput import (
    CASES,
    _count,
    _ensure_wrk,
    _errors,
    _lua,
    _sms_mock_command,
    _started,
    run_wrk,
)

PAGE_CALLS = ("/_mock/overview", "/_mock/requests?limit=50", "/_mock/callbacks?limit=50")
CONDITIONS = ("no page", "polling alone", "page open")
MEASURED = [c for c in CASES if c.name in ("sms4sats GET /price", "sms4sats POST /createorder")]


@contextmanager
def _page_open(url: str) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.dashboard.conftest import CHROMIUM, DRIVER, FLAGS

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    try:
        driver.set_window_size(1280, 800)
        driver.get(url + "/_mock/ui")
        WebDriverWait(driver, 20).until(
            lambda d: (
                d.find_element("id", "world").is_displayed()
                and d.find_elements("css selector", "tr[data-order]")
            )
        )
        yield driver
    finally:
        driver.quit()


@contextmanager
def _polling(base: str) -> Iterator[list[int]]:
    """The page's three calls every second, from a thread; yields the count of rounds made."""
    stop, rounds = threading.Event(), [0]

    def poll() -> None:
        while not stop.wait(1.0):  # the page's REFRESH_MS
            for path in PAGE_CALLS:
                urllib.request.urlopen(base + path, timeout=10).read()
            rounds[0] += 1

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        yield rounds
    finally:
        stop.set()
        thread.join()


def _fill(base: str, orders: int) -> None:
    for _ in range(orders):
        body = json.dumps({"country": 187, "service": "tg"}).encode()
        request = urllib.request.Request(
            base + "/createorder", body, {"Content-Type": "application/json"}
        )
        urllib.request.urlopen(request, timeout=10).read()


def _measure(wrk: str, base: str, case, condition: str, args) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """wrk's output under ``condition``, and how many times the page (or thread) polled."""

    def load() -> str:
        return run_wrk(
            wrk, base + case.path, _lua(case), seconds=args.seconds, connections=args.connections
        )

    if condition == "polling alone":
        with _polling(base) as rounds:
            out = load()
        return out, rounds[0]
    if condition == "page open":
        with _page_open(base) as driver:
            out = load()
            polls = driver.execute_script(
                "return performance.getEntriesByType('resource')"
                ".filter(e => e.name.includes('/_mock/overview')).length"
            )
        return out, int(polls)
    return load(), args.seconds


def _in_process(orders: int, rounds: int = 50) -> tuple[float, float]:
    """CPU time of one round of the page's calls, and of one GET /price (the anchor), in ms,
    in-process (the app's test client: no sockets), in a world of ``orders`` orders of each
    kind the load makes."""
    import time

    from mock_server.app import create_app

    client = create_app("contract").test_client()
    for _ in range(orders):
        client.post("/createorder", json={"country": 187, "service": "tg"})

    def cost(paths: tuple[str, ...], times: int) -> float:
        for path in paths:
            client.get(path)
        started = time.process_time()
        for _ in range(times):
            for path in paths:
                client.get(path)
        return (time.process_time() - started) / times * 1000

    return cost(PAGE_CALLS, rounds), cost(("/price?country=187&service=tg",), rounds * 10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args(argv)
    for orders in (args.orders, 50_000):
        page, anchor = _in_process(orders)
        print(
            f"in-process, {orders:,} orders: one round of the page's calls {page:.2f} ms of CPU"
            f" (anchor: one GET /price {anchor:.3f} ms), so a page polling every second takes"
            f" {page / 10:.2f}% of one core, the work of {page / anchor:.0f} GET /price a second"
        )
    wrk = _ensure_wrk()
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    with _started(_sms_mock_command(), "sms-mock") as (base, _):
        _fill(base, args.orders)
        for repetition in range(args.repeat):
            order = CONDITIONS[repetition % 3 :] + CONDITIONS[: repetition % 3]
            for condition in order:
                for case in MEASURED:
                    out, calls = _measure(wrk, base, case, condition, args)
                    if calls < args.seconds // 2:
                        raise SystemExit(f"{condition}: only {calls} polls in {args.seconds} s")
                    if _errors(out):
                        raise SystemExit(f"{case.name}: non-2xx answers under load")
                    rps = float(out.split("Requests/sec:")[1].split()[0])
                    p99 = _count(out, "P99") / 1000
                    results.setdefault((case.name, condition), []).append((rps, p99))
    print(
        f"wrk -t2 -c{args.connections} -d{args.seconds}s, {args.repeat} repetitions"
        f" interleaved, median; {args.orders} orders in the world"
    )
    print("| request | " + " | ".join(f"{c}: req/s, p99" for c in CONDITIONS) + " | ratios |")
    print("|---|---|---|---|---|")
    for case in MEASURED:
        cells, rates = [], []
        for condition in CONDITIONS:
            runs = results[(case.name, condition)]
            rps = statistics.median(r for r, _ in runs)
            p99 = statistics.median(p for _, p in runs)
            cells.append(f"{rps:,.0f}, {p99:.1f} ms")
            rates.append(rps)
        ratios = ", ".join(f"{rate / rates[0]:.3f}" for rate in rates[1:])
        print(f"| {case.name} | " + " | ".join(cells) + f" | {ratios} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
