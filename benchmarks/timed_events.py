"""1,000 orders' worth of timed events advanced through 24 virtual hours, and memory per order.

Run by hand: ``python -m benchmarks.timed_events``. In-process (no HTTP): 500 sms4sats receive
orders paid from a balance (number, code, auto-cancel events) and 500 smsVerificationService
orders (SMS, expiry), then one advance of 24 hours.
"""

from __future__ import annotations

import resource
import time

from mock_server.app import create_app, simulation_of


def main() -> None:
    app = create_app("contract")
    client, sim = app.test_client(), simulation_of(app)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(500):
        client.post(
            "/createorder",
            json={"country": 187, "service": "tg", "immediate": True},
            headers={"X-API-Key": "test-sms4sats-key"},
        )
        client.post(
            "/api/v1/order/temporary/",
            json={"service_id": 1012},
            headers={"Authorization": "Bearer test-smsverify-key"},
        )
    pending = len(sim.scheduler.pending())
    started = time.perf_counter()
    ran = sim.scheduler.advance(24 * 3600)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"1,000 orders: {pending} pending events; advancing 24 h ran {ran}")
    print(f"  in {elapsed * 1000:.0f} ms")
    grown = (after - before) / 1024
    print(f"peak resident memory {after / 1024:.0f} MB ({grown:.1f} MB for the orders)")


if __name__ == "__main__":
    main()
