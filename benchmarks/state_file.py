"""What ``serve --state`` costs: orders per second with and without a state file, and a restart.

Run by hand: ``python -m benchmarks.state_file``. In-process (Flask's test client, no sockets):
2,000 smsVerificationService orders through the whole pipeline without a state file and with
one; then 100,000 more orders, committed in one transaction, and the time and peak memory of a
fresh process rebuilding the simulator from that file.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mock_server.app import create_app, simulation_of

ORDERS = 2_000
MORE = 100_000
# VmHWM, not ru_maxrss: a child's ru_maxrss starts at its parent's size when it was forked.
RESTART = """
import re, sys, time
from pathlib import Path
from mock_server.app import create_app, simulation_of
started = time.perf_counter()
sim = simulation_of(create_app("contract", state=sys.argv[1]))
elapsed = time.perf_counter() - started
orders = len(sim.backend("smsverify").orders)
peak = int(re.search(r"VmHWM:\\s+(\\d+)", Path("/proc/self/status").read_text()).group(1))
print(f"restart with {orders:,} orders and {len(sim.scheduler.pending()):,} pending events:"
      f" {elapsed:.1f} s, peak resident memory {peak / 1024:.0f} MB")
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "state.db"
        for state in (None, path):
            app = create_app("contract", state=state)
            client = app.test_client()
            headers = {"Authorization": "Bearer test-smsverify-key"}
            started = time.perf_counter()
            for _ in range(ORDERS):
                response = client.post(
                    "/api/v1/order/temporary/", json={"service_id": 1012}, headers=headers
                )
                assert response.status_code == 201, response.get_data(as_text=True)
            elapsed = time.perf_counter() - started
            label = "with --state" if state else "in memory   "
            each = elapsed / ORDERS * 1e6
            print(f"{label}: {ORDERS / elapsed:,.0f} orders/s ({each:.0f} µs each)")
        sim = simulation_of(app)
        backend = sim.backend("smsverify")
        for _ in range(MORE):
            backend.order_product("test-smsverify-key", "temporary", 1012)  # type: ignore[attr-defined]
        sim.close()
        subprocess.run([sys.executable, "-c", RESTART, str(path)], check=True)


if __name__ == "__main__":
    main()
