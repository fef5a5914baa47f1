"""The signing worker's process (run as a script by :mod:`mock_server.lightning.signer`).

It reads requests from the socket it was given as its standard input: each a node key's 32-byte
secret, then an invoice's fields (``PayreqFields.packed``). For each, in order and as soon as it
is made, it writes back the signed payment request's text, after its length in two bytes. It
loads coincurve and the encoder's module (``payreq.py``, by its path) and nothing else of the
simulator: a fresh interpreter, about 6 MB of its own. It ends when the server closes its end
(or dies).
"""

from __future__ import annotations

import importlib.util
import signal
import socket
import sys
import time
from typing import Any

SECRET_BYTES = 32  # a node key's secret, before each request's fields
SPIN_SECONDS = 0.0002  # see _receive
MAX_KEYS = 64  # node keys kept parsed; one per world, so a handful


def main() -> None:
    sys.path.insert(0, sys.argv[1])  # where coincurve is installed (-I leaves out PYTHONPATH)
    payreq = _module("sms_mock_payreq", sys.argv[2])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # ^C in a terminal is for the server to handle
    channel = socket.socket(fileno=0)
    keys: dict[bytes, Any] = {}
    pending = b""
    read_fields = payreq.PayreqFields.unpacked
    while chunk := _receive(channel):
        pending += chunk
        start = 0
        while (request := read_fields(pending, start + SECRET_BYTES)) is not None:
            fields, end = request
            secret = pending[start : start + SECRET_BYTES]
            key = keys.get(secret)
            if key is None:
                if len(keys) >= MAX_KEYS:
                    keys.clear()
                key = keys[secret] = payreq.PrivateKey(secret)
            text = fields.unsigned().signed_by(key).encode("ascii")
            channel.sendall(len(text).to_bytes(2, "big") + text)
            start = end
        pending = pending[start:]


def _module(name: str, path: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # as an import would: its classes name it
    spec.loader.exec_module(module)
    return module


def _receive(channel: socket.socket) -> bytes:
    """The next requests: polled for ``SPIN_SECONDS`` before sleeping on the socket, so that
    a busy server's write finds the worker awake (waking a sleeping process costs the writer,
    the server's one thread). Under full load that polling is most of the worker's 70% of a
    core; an idle server's worker sleeps. Measured: 7,650-8,140 POST /createorder a second
    with it, 6,440-6,770 without (docs/performance.md)."""
    deadline = time.perf_counter() + SPIN_SECONDS
    while True:
        try:
            return channel.recv(1 << 16, socket.MSG_DONTWAIT)
        except BlockingIOError:
            if time.perf_counter() > deadline:
                return channel.recv(1 << 16)


if __name__ == "__main__":
    main()
