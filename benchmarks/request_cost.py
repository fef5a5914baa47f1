"""What a served request costs in-process: from what the HTTP parser read to the bytes sent
(request object, pipeline, journal, answer), for the requests of benchmarks.throughput.

Run by hand: ``python -m benchmarks.request_cost``. With ``--against PATH`` (a checkout of
another commit, e.g. ``git worktree add /tmp/before 2c1b52d``) the same requests go through that
tree's code in a second process, in the same run: the anchor for a before-and-after. Figures
are the best of 5 rounds of 3,000 requests each, the garbage collector on, in microseconds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Runs in a fresh interpreter with the tree under test first on sys.path.
MEASURE = r"""
import json, sys, timeit
from mock_server.app import create_app, edge_of
from mock_server.serving import Server, _Message

app = create_app("contract")
pipeline = edge_of(app).pipeline


class Answer:  # what Server.response_bytes reads of the server
    max_body_bytes = 1 << 20
    _date = (0, "")
    host, effective_port = "127.0.0.1", 8080


Answer.response_bytes = Server.response_bytes
Answer._http_date = Server._http_date
server = Answer()
try:
    from mock_server.spec.request import parsed_request

    def request(m):
        return parsed_request(method=m.method, target=m.url, headers=m.headers, body=m.body,
                              too_large=False, max_body_bytes=server.max_body_bytes,
                              client="127.0.0.1")
except ImportError:  # a tree from before parsed_request: its server read a WSGI environ
    from mock_server.spec.request import read_request

    Answer._environ = Server._environ

    class Client:
        client = "127.0.0.1"

    def request(m):
        return read_request(server._environ(Client, m), server.max_body_bytes)


def message(method, url, body=b"", bearer=False):
    headers = [(b"Host", b"127.0.0.1:8080"), (b"User-Agent", b"wrk/4.1.0")]
    if bearer:
        headers.append((b"Authorization", b"Bearer test-smsverify-key"))
    if body:
        headers += [(b"Content-Type", b"application/json"),
                    (b"Content-Length", str(len(body)).encode())]
    return _Message(method=method, url=url, headers=headers, body=body, keep_alive=True,
                    version="1.1", too_large=False)


def serve(m):
    return server.response_bytes(m, pipeline.handle(request(m)), False)


created = serve(message("POST", b"/createorder", b'{"country": 187, "service": "tg"}'))
order_id = json.loads(created.split(b"\r\n\r\n", 1)[1])["orderId"]
cases = {
    "GET /price": message("GET", b"/price?country=187&service=tg"),
    "POST /createorder": message("POST", b"/createorder", b'{"country": 187, "service": "tg"}'),
    "GET /orderstatus": message("GET", b"/orderstatus?orderId=" + order_id.encode()),
    "GET /api/v1/balance/": message("GET", b"/api/v1/balance/", bearer=True),
    "POST /api/v1/order/temporary/": message(
        "POST", b"/api/v1/order/temporary/", b'{"service_id": 1012}', bearer=True
    ),
}
costs = {}
for name, m in cases.items():
    seconds = min(timeit.repeat(lambda m=m: serve(m), "gc.enable()", number=3000, repeat=5))
    costs[name] = seconds / 3000 * 1e6
print(json.dumps(costs))
"""


def measure(tree: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", MEASURE],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, help="another checkout, measured in the same run")
    args = parser.parse_args(argv)
    ours = measure(ROOT)
    theirs = measure(args.against) if args.against else None
    print(f"{'request':34} {'this tree':>10}" + (f" {args.against!s:>16}" if theirs else ""))
    for name, cost in ours.items():
        line = f"{name:34} {cost:8.1f} µs"
        if theirs:
            line += f" {theirs[name]:12.1f} µs  ({cost / theirs[name]:.2f}x)"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
