"""Resident memory after 100,000 orders (in-process, no HTTP).

Run by hand: ``python -m benchmarks.memory`` for smsVerificationService temporary orders (each with
its two pending events, the SMS and the expiry, its ledger entry and its number), or
``python -m benchmarks.memory --api sms4sats`` for sms4sats receive orders (each with its BOLT11
hold invoice and its pending auto-pay and expiry events; about a minute, an invoice takes 0.7 ms).
"""

from __future__ import annotations

import argparse
import resource
import time

from mock_server.app import create_app, simulation_of

ORDERS = 100_000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api", choices=("smsverify", "sms4sats"), default="smsverify")
    parser.add_argument("--orders", type=int, default=ORDERS)
    args = parser.parse_args(argv)
    app = create_app("contract")
    sim = simulation_of(app)
    backend = sim.backend(args.api)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    for _ in range(args.orders):
        if args.api == "smsverify":
            backend.order_product("test-smsverify-key", "temporary", 1012)  # type: ignore[attr-defined]
        else:
            backend.create_receive_order(187, "tg")  # type: ignore[attr-defined]
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{args.orders:,} {args.api} orders in {elapsed:.1f} s,"
        f" {len(sim.scheduler.pending()):,} events pending"
    )
    print(f"peak resident memory {after:.0f} MB (the process started at {before:.0f} MB)")


if __name__ == "__main__":
    main()
