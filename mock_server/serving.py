"""The HTTP server behind the simulator: the serving adapter between sockets and the pipeline.

The pipeline decides what a request gets (:meth:`Pipeline.steps`): a reply, a wait on the
simulator's clock first (:class:`Hold`), or a connection closed without an answer. This module
serves those decisions on an asyncio event loop (uvloop where installed) with httptools' HTTP/1.1
parser, so that:

- a request held by a latency or timeout fault costs a suspended coroutine, not a thread:
  hundreds wait at once while every other request, the clock advance that lets them go
  included, is answered meanwhile;
- a reset is a real one: the socket is closed with an RST, nothing written;
- the simulated APIs are answered on the event loop itself, one after another, with no thread
  handing over (the pipeline holds the GIL either way); control calls, which may post
  callbacks to slow receivers or run a day of events, go to a small thread pool;
- an invoice's signature is made on the machine's other core, by a worker process
  (:mod:`mock_server.lightning.signer`): the order's answer waits for it as a held request
  waits (:class:`~mock_server.spec.api.Later`), and other requests are answered meanwhile.

A server a team or a CI farm shares keeps to :class:`ServerLimits`: at most
``connection_limit`` connections (one more is closed at once), a connection with nothing in
flight closed after ``idle_timeout`` seconds, a request that has not arrived whole within
``request_timeout`` seconds of its first byte (slowloris) closed, headers capped at
``max_header_bytes`` (431) and bodies at the app's limit (413). The checks run every
``check_interval`` seconds. A request being answered is never cut.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import resource
import socket
import struct
import time
from collections import deque
from collections.abc import Generator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import httptools

from mock_server.engine.simulation import MAX_WAIT_WALL_SECONDS
from mock_server.heap import Heap
from mock_server.lightning.signer import Signer
from mock_server.spec.api import Later
from mock_server.spec.pipeline import Served, encode
from mock_server.spec.request import parsed_request

if TYPE_CHECKING:
    from mock_server.spec.edge import Edge
    from mock_server.spec.faults import Hold
    from mock_server.spec.pipeline import Pipeline

log = logging.getLogger(__name__)
IDLE_SECONDS = 1.0  # no request for this long: the heap may collect in full (mock_server.heap)
MAX_QUEUED = 16  # pipelined requests read ahead on one connection before reading pauses
REASONS = {status.value: status.phrase for status in HTTPStatus}
_STATUS_LINES = {status: f"HTTP/1.1 {status} {reason}" for status, reason in REASONS.items()}
_LINGER_RESET = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() sends an RST


@dataclass(frozen=True)
class ServerLimits:
    connection_limit: int = 1000
    idle_timeout: int = 30
    request_timeout: int = 30
    check_interval: int = 1
    max_header_bytes: int = 64 * 1024


class _HeadersTooLarge(Exception):
    pass


@dataclass
class _Message:
    """One request as the parser read it."""

    method: str
    url: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes
    keep_alive: bool
    version: str
    too_large: bool


class _Release:
    """Lets a held request's coroutine go, from whichever thread moves the clock."""

    __slots__ = ("future", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop, future: asyncio.Future[bool]) -> None:
        self.loop, self.future = loop, future

    def set(self) -> None:
        self.loop.call_soon_threadsafe(self._resolve)

    def _resolve(self) -> None:
        if not self.future.done():
            self.future.set_result(True)


class _Connection(asyncio.Protocol):
    """One client connection: requests parsed in order, answered in order."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.client = "unknown"
        self.queue: deque[_Message] = deque()
        self.busy = False  # a request of this connection is being answered off the fast path
        self.closed = False
        self.last_active = time.monotonic()
        self.request_started: float | None = None  # first byte of a request not yet whole
        self._url = b""
        self._headers: list[tuple[bytes, bytes]] = []
        self._body: list[bytes] = []
        self._size = 0
        self._header_bytes = 0
        self._too_large = False
        self._outgoing: list[bytes] = []  # answered, written when this turn of the loop ends
        self._close_after = False  # close once what is outgoing is written

    # -- the transport -------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is no subclass
        server = self.server
        if len(server.connections) >= server.limits.connection_limit:
            log.warning("%d connections: closing a new one", len(server.connections))
            self.closed = True
            transport.abort()
            return
        server.connections.add(self)
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple) and peer:
            self.client = str(peer[0])

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.server.connections.discard(self)

    def pause_writing(self) -> None:  # the client reads no answers: read no more requests
        if self.transport is not None:
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.transport is not None and len(self.queue) < MAX_QUEUED:
            self.transport.resume_reading()

    def data_received(self, data: bytes) -> None:
        self.last_active = time.monotonic()
        try:
            self.parser.feed_data(data)
        except _HeadersTooLarge:
            self._refuse(431, "request headers too large")
            return
        except httptools.HttpParserCallbackError as exc:
            if isinstance(exc.__context__, _HeadersTooLarge):
                self._refuse(431, "request headers too large")
            else:
                self._refuse(400, "bad request")
            return
        except (httptools.HttpParserError, httptools.HttpParserUpgrade):
            self._refuse(400, "bad request")
            return
        if len(self.queue) >= MAX_QUEUED and self.transport is not None:
            self.transport.pause_reading()
        self.serve_queue()

    # -- the parser's callbacks ----------------------------------------------------------
    def on_message_begin(self) -> None:
        self.request_started = time.monotonic()
        self._url, self._headers, self._body = b"", [], []
        self._size = self._header_bytes = 0
        self._too_large = False

    def on_url(self, url: bytes) -> None:
        self._url += url
        self._count_header_bytes(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))
        self._count_header_bytes(len(name) + len(value) + 4)

    def _count_header_bytes(self, size: int) -> None:
        self._header_bytes += size
        if self._header_bytes > self.server.limits.max_header_bytes:
            raise _HeadersTooLarge

    def on_headers_complete(self) -> None:
        declared: bytes | None = None
        expects = False
        for name, value in self._headers:  # the lengths first: most names are neither
            if len(name) == 14 and declared is None and name.lower() == b"content-length":
                declared = value
            elif len(name) == 6 and name.lower() == b"expect":
                expects = expects or value.lower() == b"100-continue"
        limit = self.server.max_body_bytes
        if limit is not None and declared is not None and declared.isdigit():
            self._too_large = int(declared) > limit
        if expects and not self._too_large and self.transport is not None:
            self.send(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_body(self, body: bytes) -> None:
        if self._too_large:
            return
        self._size += len(body)
        limit = self.server.max_body_bytes
        if limit is not None and self._size > limit:
            self._too_large, self._body = True, []
            return
        self._body.append(body)

    def on_message_complete(self) -> None:
        parser = self.parser
        self.queue.append(
            _Message(
                method=parser.get_method().decode("latin-1"),
                url=self._url,
                headers=self._headers,
                body=b"".join(self._body),
                keep_alive=parser.should_keep_alive(),
                version=parser.get_http_version(),
                too_large=self._too_large,
            )
        )
        self.request_started = None
        self._body = []

    # -- answering -----------------------------------------------------------------------
    def serve_queue(self) -> None:
        """Answer the requests read so far, in order, until one has to wait."""
        while self.queue and not self.busy and not self.closed:
            message = self.queue.popleft()
            self.server.serve(self, message)
        if not self.closed and self.transport is not None and len(self.queue) < MAX_QUEUED:
            self.transport.resume_reading()

    def answer(self, message: _Message, served: Served) -> None:
        """Write one answer (or reset the connection, when that is the answer)."""
        if self.closed or self.transport is None:
            return
        self.last_active = time.monotonic()
        if served.reset:
            self.reset()
            return
        closing = not message.keep_alive or message.too_large
        self.send(self.server.response_bytes(message, served, closing))
        if closing:
            self.closed = True
            self.queue.clear()
            self._close_after = True

    def send(self, data: bytes) -> None:
        """Write ``data`` when this turn of the loop ends, with every other answer it made:
        a client woken once for several answers costs the server less than once for each."""
        if not self._outgoing:
            self.server.outbox.append(self)
            if len(self.server.outbox) == 1:
                self.server.loop.call_soon(self.server.flush)
        self._outgoing.append(data)

    def flush(self) -> None:
        """Write what is outgoing now (and close, when that was the answer); nothing to a
        connection that went away meanwhile."""
        outgoing, self._outgoing = self._outgoing, []
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        if outgoing:
            transport.write(outgoing[0] if len(outgoing) == 1 else b"".join(outgoing))
        if self._close_after:
            transport.close()

    def hang_up(self) -> None:
        """Close the connection (a FIN): idle too long, or a request trickling in too slowly."""
        self.closed = True
        self.queue.clear()
        self.flush()
        if self.transport is not None:
            self.transport.close()

    def reset(self) -> None:
        """Close with an RST and write nothing: a reset or timeout fault."""
        transport = self.transport
        self.closed = True
        self.queue.clear()
        self.flush()  # the answers before it are written first
        if transport is None:
            return
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
        transport.abort()

    def _refuse(self, status: int, message: str) -> None:
        """A request the parser cannot take: a plain answer, and the connection closed."""
        transport = self.transport
        if self.closed or transport is None:
            return
        body = f'{{"error": "{message}"}}'.encode()
        head = (
            f"HTTP/1.1 {status} {REASONS[status]}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        self.closed = True
        self.queue.clear()
        self.send(head.encode("latin-1") + body)
        self._close_after = True


class Server:
    """The simulator's HTTP server. ``run()`` serves until :meth:`close` (from any thread)."""

    def __init__(
        self,
        edge: Edge,
        *,
        host: str,
        port: int,
        threads: int,
        limits: ServerLimits,
        heap: Heap | None = None,
    ) -> None:
        self.pipeline: Pipeline = edge.pipeline
        self.max_body_bytes = edge.max_body_bytes
        self.limits = limits
        self.connections: set[_Connection] = set()
        self.outbox: list[_Connection] = []  # connections with answers to write this turn
        self.loop = _new_loop()
        self.control = ThreadPoolExecutor(max(1, threads), thread_name_prefix="sms-mock-control")
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.create_server((host, port), family=family, backlog=2048)
        self.sock.setblocking(False)
        self._stopping: asyncio.Event | None = None
        self._date = (0, "")
        self.heap = heap  # `serve` keeps the collector off long-lived state; tests do not
        self.last_request = time.monotonic()
        self.signer: Signer | None = None  # invoices signed by a worker process, while serving

    @property
    def effective_port(self) -> int:
        return int(self.sock.getsockname()[1])

    # -- running -------------------------------------------------------------------------
    def run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._serve())
        finally:
            self.control.shutdown(wait=False, cancel_futures=True)
            self.loop.close()

    async def _serve(self) -> None:
        self._stopping = asyncio.Event()
        self.signer = await Signer.start(self.loop)
        server = await self.loop.create_server(lambda: _Connection(self), sock=self.sock)
        sweeping = self.loop.create_task(self._sweep())
        if self.heap is not None:
            self.heap.start()
        try:
            await self._stopping.wait()
        finally:
            if self.signer is not None:
                self.signer.close()
            if self.heap is not None:
                self.heap.stop()
            sweeping.cancel()
            server.close()
            for connection in list(self.connections):
                if connection.transport is not None:
                    connection.transport.abort()
            for task in asyncio.all_tasks(self.loop) - {asyncio.current_task()}:
                task.cancel()
            with contextlib.suppress(Exception):
                await server.wait_closed()

    def close(self) -> None:
        """Stop serving: from any thread, at any time (before ``run()`` too)."""
        if self.loop.is_closed():
            return
        if self._stopping is None:  # not running yet
            self.sock.close()
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            self.loop.call_soon_threadsafe(self._stopping.set)

    async def _sweep(self) -> None:
        """Close idle connections and requests that trickle in too slowly."""
        limits = self.limits
        while True:
            await asyncio.sleep(limits.check_interval)
            now = time.monotonic()
            if self.heap is not None:
                busy = any(c.busy or c.queue for c in self.connections)
                self.heap.tick(idle=not busy and now - self.last_request > IDLE_SECONDS)
            for connection in list(self.connections):
                if connection.busy or connection.queue:
                    continue
                started = connection.request_started
                if started is not None:
                    if now - started > limits.request_timeout:
                        connection.hang_up()
                elif now - connection.last_active > limits.idle_timeout:
                    connection.hang_up()

    # -- one request ---------------------------------------------------------------------
    def serve(self, connection: _Connection, message: _Message) -> None:
        """Answer one request: at once on the loop, unless it waits on the clock or is a
        control call (a thread of the pool answers those)."""
        self.last_request = time.monotonic()
        request = parsed_request(
            method=message.method,
            target=message.url,
            headers=message.headers,
            body=message.body,
            too_large=message.too_large,
            max_body_bytes=self.max_body_bytes,
            client=connection.client,
        )
        api = self.pipeline.api_for_path(request.path)
        if not api.simulated:
            connection.busy = True
            done = self.loop.run_in_executor(self.control, self.pipeline.handle, request)
            done.add_done_callback(lambda f: self._finish(connection, message, f))
            return
        context = contextvars.copy_context()  # a held request keeps its scenario to itself
        self._advance(connection, message, self.pipeline.steps(request, api), context, None)

    def _advance(
        self,
        connection: _Connection,
        message: _Message,
        steps: Generator[Hold | Later, bool, Served],
        context: contextvars.Context,
        value: bool | None,
    ) -> None:
        """Take a request's pipeline on from here: to its answer, or to what it waits for. A
        wait on work done elsewhere (:class:`Later`) comes back here when the work is done; a
        wait on the clock is a task."""
        waited = connection.busy
        try:
            step = context.run(steps.send, value)
        except StopIteration as done:
            connection.busy = False
            connection.answer(message, done.value)
            if waited:
                connection.serve_queue()
            return
        except Exception:  # the pipeline answers every error itself: this is a bug here
            log.exception("serving a request failed")
            connection.busy = False
            connection.reset()
            return
        connection.busy = True
        if isinstance(step, Later):
            step.work.add_done_callback(
                lambda _: self._advance(connection, message, steps, context, True)
            )
            return
        task = self.loop.create_task(self._held(steps, step), context=context)
        task.add_done_callback(lambda f: self._finish(connection, message, f))

    async def _held(self, steps: Generator[Hold | Later, bool, Served], hold: Hold) -> Served:
        step: Hold | Later = hold
        while True:
            released = await self._wait(step)
            try:
                step = steps.send(released)
            except StopIteration as done:
                return done.value

    async def _wait(self, hold: Hold | Later) -> bool:
        if isinstance(hold, Later):
            await hold.work  # never fails: a worker that dies answers None
            return True
        if hold.seconds <= 0:
            return True
        future: asyncio.Future[bool] = self.loop.create_future()
        release = _Release(self.loop, future)
        event = hold.sim.hold(hold.seconds, release, hold.held)
        try:
            return await asyncio.wait_for(future, MAX_WAIT_WALL_SECONDS)
        except TimeoutError:
            return False
        finally:
            hold.sim.unhold(release, event)

    def _finish(self, connection: _Connection, message: _Message, done: Any) -> None:
        connection.busy = False
        if done.cancelled():
            return
        error = done.exception()
        if error is not None:  # the pipeline answers every error itself: this is a bug here
            log.error("serving a request failed", exc_info=error)
            connection.reset()
            return
        connection.answer(message, done.result())
        connection.serve_queue()

    def response_bytes(self, message: _Message, served: Served, closing: bool) -> bytes:
        reply = served.reply
        body = encode(reply).encode("utf-8")
        status = reply.status
        lines = [_STATUS_LINES.get(status) or f"HTTP/1.1 {status} Unknown"]
        if reply.headers:
            headers = {"Content-Type": "application/json", **reply.headers}
            for name, value in headers.items():
                if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                    lines.append(f"{name}: {value}")
        else:
            lines.append("Content-Type: application/json")
        lines += (f"Content-Length: {len(body)}", f"Date: {self._http_date()}", "Server: sms-mock")
        if closing:
            lines.append("Connection: close")
        elif message.version == "1.0":
            lines.append("Connection: keep-alive")
        lines.append("\r\n")
        head = "\r\n".join(lines).encode("latin-1")
        return head if message.method == "HEAD" else head + body

    def flush(self) -> None:
        """Write every answer this turn of the loop made (see :meth:`_Connection.send`)."""
        outbox, self.outbox = self.outbox, []
        for connection in outbox:
            connection.flush()

    def _http_date(self) -> str:
        now = int(time.time())
        if self._date[0] != now:
            self._date = (now, formatdate(now, usegmt=True))
        return self._date[1]


def create_server(
    app: Any,
    *,
    host: str,
    port: int,
    threads: int,
    limits: ServerLimits | None = None,
    heap: Heap | None = None,
) -> Server:
    """A server for ``app`` (made by :func:`mock_server.app.create_app`) that keeps to
    ``limits``; call ``run()`` to serve. ``threads`` answer control calls; ``heap`` (for a
    process that is the server, as `serve`) keeps the collector off long-lived state."""
    from mock_server.app import edge_of

    limits = limits or ServerLimits()
    _raise_descriptor_limit(limits.connection_limit)
    return Server(edge_of(app), host=host, port=port, threads=threads, limits=limits, heap=heap)


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - a dependency, but the stdlib loop serves too
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def _raise_descriptor_limit(connections: int) -> None:
    """Let the process open a descriptor per connection, and some for files, if it may."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + 64
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
