"""The container image's size and start-up time, beside their anchors, in one run.

Run by hand, with a Docker engine and the image built (`.ci/docker-image` builds it):
``python -m benchmarks.container [--image sms-mock:ci] [--runs 5]``.

- size: the image, its base (what any image on that base weighs), and what sms-mock adds;
- start-up: from ``docker run`` to the first 200 from /_mock/health (published port), against
  the same from starting ``sms-mock serve`` as a plain process on this machine (the anchor: what
  the container adds).
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

TOKEN = "benchmark-token"


def _docker(*args: str) -> str:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, check=True, timeout=120
    ).stdout.strip()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _until_healthy(port: int, started: float, timeout: float = 60) -> float:
    """Seconds from ``started`` to the first 200 from /_mock/health on ``port``."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/_mock/health", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    pause = threading.Event()
    while time.perf_counter() - started < timeout:
        try:
            with urllib.request.urlopen(request, timeout=1) as answer:
                if answer.status == 200:
                    return time.perf_counter() - started
        except (urllib.error.URLError, OSError):
            pause.wait(0.005)  # a benchmark: polling a process that is starting
    raise SystemExit(f"nothing answered on {port} within {timeout} s")


def container_start(image: str) -> tuple[float, float]:
    """Seconds from ``docker run`` to the first 200, and of those, what ``docker create``
    took (the storage driver's copy of the image: vfs copies all of it)."""
    port = _free_port()
    started = time.perf_counter()
    container = _docker(
        "create", "-p", f"127.0.0.1:{port}:8080", "-e", f"SMS_MOCK_CONTROL_TOKEN={TOKEN}", image
    )
    created = time.perf_counter() - started
    try:
        _docker("start", container)
        return _until_healthy(port, started), created
    finally:
        _docker("rm", "-f", container)


def process_start() -> float:
    port = _free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_server", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={"SMS_MOCK_CONTROL_TOKEN": TOKEN, "PATH": "/usr/bin:/bin"},
    )
    try:
        return _until_healthy(port, started)
    finally:
        process.terminate()
        process.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", default="sms-mock:ci")
    parser.add_argument("--base", default="sms-mock-base:bookworm", help="the image's base")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    size = int(_docker("image", "inspect", "--format", "{{.Size}}", args.image))
    base = int(_docker("image", "inspect", "--format", "{{.Size}}", args.base))
    layers = json.loads(
        _docker("history", "--format", "{{json .}}", "--no-trunc", args.image)
        .replace("}\n{", "},{")
        .join("[]")
    )
    driver = _docker("info", "--format", "{{.Driver}}")
    container, created, process = [], [], []
    for _ in range(args.runs):  # interleaved, so a slower minute slows both alike
        whole, create = container_start(args.image)
        container.append(whole)
        created.append(create)
        process.append(process_start())
    mb = 1e6
    print(f"image {args.image}: {size / mb:.1f} MB (target: under 150 MB)")
    print(
        f"  its base {args.base}: {base / mb:.1f} MB; sms-mock and its packages: "
        f"{(size - base) / mb:.1f} MB"
    )
    for layer in layers:
        if layer.get("Size") not in ("0B", "0"):
            print(f"  layer {layer['Size']:>8}  {layer['CreatedBy'][:90]}")
    print(
        f"docker run -> first 200 from /_mock/health ({driver} storage): median"
        f" {statistics.median(container):.2f} s of {args.runs} (min {min(container):.2f}, max"
        f" {max(container):.2f}; target: 1 s); docker create alone: median"
        f" {statistics.median(created):.2f} s, so start -> answer"
        f" {statistics.median([w - c for w, c in zip(container, created, strict=True)]):.2f} s"
    )
    print(
        f"  anchor, sms-mock serve as a process here: median {statistics.median(process):.2f} s"
        f" (min {min(process):.2f}, max {max(process):.2f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
