"""Does pausing the servers not being measured change a server's figure? benchmarks.throughput
stops every other server while it measures one (a JVM goes on compiling and collecting after
its own run). This runs WireMock and sms-mock alone, both ways, interleaved: each mode's
rounds measure sms-mock then WireMock on GET /price and POST /createorder, with the other
server running meanwhile, or stopped.

Run by hand: ``python -m benchmarks.pausing [--rounds 3]`` (about 50 s a round). Prints each
server's min, median and max req/s per mode and request.
"""

from __future__ import annotations

import argparse
import statistics
from contextlib import ExitStack, nullcontext

from benchmarks import anchors
from benchmarks import throughput as bench


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    timing = argparse.Namespace(connections=16, warmup=3, seconds=5)
    wrk = bench._ensure_wrk()
    anchors.ensure_installed()
    cases = bench.CASES[:2]  # GET /price, POST /createorder
    measured: dict[tuple[str, str, str], list[float]] = {}
    with ExitStack() as stack:
        ours, our_process = stack.enter_context(bench._started(bench._sms_mock_command(), "ours"))
        bench._deepen_wallet(ours)
        order_id = bench._create_order(ours)
        command = stack.enter_context(anchors.wiremock_files(bench._stubs(ours, order_id)))
        wiremock, wiremock_process = stack.enter_context(bench._started(command, "WireMock"))
        processes = {bench.OURS: [our_process], bench.WIREMOCK: [wiremock_process]}
        bases = {bench.OURS: ours, bench.WIREMOCK: wiremock}
        for round_ in range(args.rounds):
            modes = ("running", "paused") if round_ % 2 == 0 else ("paused", "running")
            for mode in modes:
                for case in cases:
                    for server, base in bases.items():
                        alone = bench._alone(processes, server)
                        with alone if mode == "paused" else nullcontext():
                            bench._wrk(wrk, base, case, case.path, timing, seconds=3)
                            result = bench._wrk(wrk, base, case, case.path, timing, seconds=5)
                        measured.setdefault((server, case.name, mode), []).append(result.rps)
            print(f"  {round_ + 1}/{args.rounds}", flush=True)
    print("| server | request | others running: min / median / max | others paused |")
    print("|---|---|---|---|")
    for server in bases:
        for case in cases:
            cells = []
            for mode in ("running", "paused"):
                rps = measured[(server, case.name, mode)]
                cells.append(f"{min(rps):,.0f} / {statistics.median(rps):,.0f} / {max(rps):,.0f}")
            print(f"| {server} | {case.name} | {cells[0]} | {cells[1]} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
