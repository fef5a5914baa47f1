"""Payment requests signed on the machine's other core, by a worker process.

Under load the server's one thread is the limit (the simulator's state lives in one process),
and an invoice's payment request (its fields in bits, the signature, the text) is about 65 µs of
a busy server's order. The event loop sends the invoice's fields to a worker process through a
socket pair and answers other requests meanwhile; the worker encodes and signs them and sends
each payment request back as soon as it is made. An answer that needs its invoice waits for it
the way a held request waits for the clock (:class:`mock_server.spec.api.Later`).

Each request is written as it is asked for, not with the others of its turn of the loop: the
worker, polling its socket while busy, has made most of them by the time the turn ends, and
their orders are answered a turn sooner (docs/performance.md). A signer thread was measured
slower than signing inline: handing each order to a thread and back costs more than the
signature.

Where there is no worker (off the loop's thread, not started yet, stopped, or dead), the caller
signs in-process: the same text, as secp256k1 signatures are deterministic (RFC 6979).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
import subprocess
import sys
import threading
from collections import deque
from pathlib import Path

from mock_server.lightning import payreq, signer_worker
from mock_server.lightning.payreq import PayreqFields
from mock_server.lightning.signer_worker import SECRET_BYTES

log = logging.getLogger(__name__)
MAX_UNREAD = 256 * 1024  # requests the worker has not read (about 1,000): sign here beyond
_SIGNERS: dict[int, Signer] = {}  # by the thread of the event loop each serves


class Signer(asyncio.Protocol):
    """The event loop's end of one signing worker."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._thread = threading.get_ident()
        self._transport: asyncio.Transport | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._waiting: deque[asyncio.Future[str | None]] = deque()
        self._incoming = b""

    @classmethod
    async def start(cls, loop: asyncio.AbstractEventLoop) -> Signer | None:
        """A worker for this thread's event loop, or None (and a warning) when none starts."""
        import coincurve

        ours, theirs = socket.socketpair()
        signer = cls(loop)
        try:
            with theirs:
                signer._process = subprocess.Popen(
                    [
                        sys.executable,
                        "-I",  # nothing from the environment, the working directory or the user
                        signer_worker.__file__,
                        str(Path(coincurve.__file__).parent.parent),
                        payreq.__file__,
                    ],
                    stdin=theirs,
                    stdout=subprocess.DEVNULL,
                    close_fds=True,
                )
            await loop.create_unix_connection(lambda: signer, sock=ours)
        except (OSError, subprocess.SubprocessError) as error:
            log.warning("no signing worker (%s): invoices are signed in the server", error)
            ours.close()
            signer.close()
            return None
        _SIGNERS[signer._thread] = signer
        return signer

    @staticmethod
    def of_this_thread() -> Signer | None:
        """The worker of the event loop running on this thread, if it has one."""
        return _SIGNERS.get(threading.get_ident())

    def payreq(self, secret: bytes, fields: PayreqFields) -> asyncio.Future[str | None] | None:
        """The payment request of ``fields`` signed by the key ``secret``, to come; None when
        it cannot be asked for here. The future's result is None if the worker dies first (sign
        in-process then)."""
        transport = self._transport
        if transport is None or threading.get_ident() != self._thread:
            return None
        if len(secret) != SECRET_BYTES or transport.get_write_buffer_size() > MAX_UNREAD:
            return None  # not a key's secret; or the worker has stopped reading
        try:
            packed = fields.packed()
        except struct.error:  # a field larger than the worker reads
            return None
        future: asyncio.Future[str | None] = self.loop.create_future()
        transport.write(secret + packed)  # at once: the worker is signing before this turn ends
        self._waiting.append(future)
        return future

    # -- the socket ----------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        incoming = self._incoming + data if self._incoming else data
        start = 0
        while len(incoming) - start >= 2:  # each payment request after its length
            end = start + 2 + int.from_bytes(incoming[start : start + 2], "big")
            if end > len(incoming):
                break
            future = self._waiting.popleft()
            if not future.done():
                future.set_result(incoming[start + 2 : end].decode("ascii"))
            start = end
        self._incoming = incoming[start:]

    def connection_lost(self, exc: Exception | None) -> None:
        if _SIGNERS.get(self._thread) is self:
            del _SIGNERS[self._thread]
        if self._transport is not None:  # not closed by us: it died
            log.warning("the signing worker stopped: invoices are signed in the server")
        self._transport = None
        while self._waiting:
            future = self._waiting.popleft()
            if not future.done():
                future.set_result(None)

    def close(self) -> None:
        """Stop the worker and wait for it (a server that dies leaves it its socket's end of
        file, which ends it as well)."""
        if _SIGNERS.get(self._thread) is self:
            del _SIGNERS[self._thread]
        transport, self._transport = self._transport, None
        if transport is not None:
            transport.abort()
        process = self._process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
