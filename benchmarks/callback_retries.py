"""How long 24 simulated hours of callback retries take, on the virtual clock.

Run by hand: ``python benchmarks/callback_retries.py``. Two figures:
- one inbound SMS whose receiver (a real HTTP server on loopback) answers 503 for a whole day:
  every attempt a real POST;
- the scheduler's own cost: 1,000 failing callbacks with an in-process transport.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from mock_server.apis.smsverify.settings import CALLBACK_RETRY
from mock_server.app import create_app, simulation_of
from mock_server.engine.callbacks import CallbackDispatcher
from mock_server.engine.clock import Clock
from mock_server.engine.scenarios import ScenarioLibrary
from mock_server.engine.scheduler import Scheduler


class Down(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(503)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def one_message_against_a_real_receiver() -> tuple[float, int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Down)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/api/callback"
    scenario = ScenarioLibrary().load_text(
        "name: bench\nclock: {mode: virtual}\n"
        f"accounts:\n  smsverify: [{{api_key: k, balance: '5.00', callback_url: '{url}'}}]\n"
    )
    app = create_app(scenario)
    client, sim = app.test_client(), simulation_of(app)
    client.post(
        "/api/v1/order/temporary/", json={"service_id": 1012}, headers={"Authorization": "Bearer k"}
    )
    started = time.perf_counter()
    sim.scheduler.advance(25 * 3600)
    elapsed = time.perf_counter() - started
    [callback] = sim.callbacks.log()
    server.shutdown()
    return elapsed, len(callback.attempts)


def scheduler_cost(callbacks: int = 1000) -> tuple[float, int]:
    scheduler = Scheduler(Clock("virtual"))
    dispatcher = CallbackDispatcher(
        scheduler, scheduler.lock, capacity=callbacks, transport=lambda *a: 503
    )
    for i in range(callbacks):  # loopback: the allow-list lets them through
        url = f"http://127.0.0.1:9/{i}"
        dispatcher.send("smsverify", "incoming_message", url, {"i": i}, CALLBACK_RETRY)
    refused = [c for c in dispatcher.log() if c.state == "refused"]
    assert not refused, f"{len(refused)} callbacks refused: the benchmark would measure nothing"
    started = time.perf_counter()
    ran = scheduler.advance(25 * 3600)
    return time.perf_counter() - started, ran


def main() -> None:
    elapsed, attempts = one_message_against_a_real_receiver()
    print(f"one SMS, receiver down 24 h: {attempts} real POSTs in {elapsed * 1000:.0f} ms")
    elapsed, ran = scheduler_cost()
    print(f"1,000 failing callbacks over 24 h: {ran} attempts in {elapsed * 1000:.0f} ms")


if __name__ == "__main__":
    main()
