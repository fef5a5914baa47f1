"""Memory under a flood of megabyte bodies: the journal's byte bounds against the journal of before.

Run by hand: ``python -m benchmarks.body_flood``. Each case is a fresh process serving the
simulator on loopback; 40 requests each send a 1 MB JSON body that the API refuses (an array of
half a million numbers where a country code belongs), as in issue 12. The anchor is the journal as
it was before its byte bounds: every body kept parsed (a scenario with ``entry_bytes`` at its
maximum and ``max_bytes`` of 1 GiB keeps exactly that). Printed: the peak resident memory of the
process after the flood (after a full collection), what it grew by, its peak, and how long one
``GET /_mock/requests`` took.
"""

from __future__ import annotations

import argparse
import gc
import resource
import subprocess
import sys
import time

import requests

from mock_server.app import create_app
from mock_server.engine.scenarios import ScenarioLibrary
from mock_server.testing.server import serving

BODIES = 40
BODY = b'{"service": "tg", "country": [' + b",".join([b"0"] * 500_000) + b"]}"
CASES = {
    "bounded (defaults: 8 MiB journal, 8 KiB per body)": "",
    "anchor: bodies kept parsed, as before": (
        "journal: {entry_bytes: 16777216, max_bytes: 1073741824}\n"
    ),
}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _resident_mb() -> float:
    """Resident memory now, after a full collection: what the process keeps."""
    gc.collect()
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def run_case(extra: str) -> str:
    scenario = ScenarioLibrary().load_text(f"name: flood\nclock: {{mode: virtual}}\n{extra}")
    with serving(create_app(scenario)) as url:
        session = requests.Session()
        session.get(f"{url}/price", timeout=10)
        before = _resident_mb()
        for _ in range(BODIES):
            response = session.post(
                f"{url}/createorder",
                data=BODY,
                headers={"Content-Type": "application/json"},
                timeout=60,
            )
            assert response.status_code == 400, response.text[:200]
        after = _resident_mb()
        started = time.perf_counter()
        listing = session.get(f"{url}/_mock/requests", timeout=600)
        listed = time.perf_counter() - started
    size = len(listing.content) / 1e6
    return (
        f"{after:.0f} MB | +{after - before:.0f} MB | {_peak_mb():.0f} MB"
        f" | {listed:.2f} s ({size:.1f} MB of JSON)"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case is not None:
        print(run_case(CASES[args.case]))
        return
    print(f"{BODIES} refused bodies of {len(BODY) / 1e6:.1f} MB each, one fresh process per case")
    print("| journal | resident after | grew by | peak | one GET /_mock/requests |")
    print("|---|---|---|---|---|")
    for name in CASES:
        result = subprocess.run(
            [sys.executable, "-m", "benchmarks.body_flood", "--case", name],
            capture_output=True,
            text=True,
            check=True,
        )
        print(f"| {name} | {result.stdout.strip()} |")


if __name__ == "__main__":
    main()
