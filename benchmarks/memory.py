"""Resident memory after 100,000 orders (in-process, no HTTP).

Run by hand: ``python -m benchmarks.memory``. smsVerificationService temporary orders, each with
its two pending events (the SMS and the expiry), its ledger entry and its number.
"""

from __future__ import annotations

import resource
import time

from mock_server.app import create_app, simulation_of

ORDERS = 100_000


def main() -> None:
    app = create_app("contract")
    sim = simulation_of(app)
    backend = sim.backend("smsverify")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    for _ in range(ORDERS):
        backend.order_product("test-smsverify-key", "temporary", 1012)  # type: ignore[attr-defined]
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{ORDERS:,} orders in {elapsed:.1f} s, {len(sim.scheduler.pending()):,} events pending")
    print(f"peak resident memory {after:.0f} MB (the process started at {before:.0f} MB)")


if __name__ == "__main__":
    main()
