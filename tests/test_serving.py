"""The serving adapter on real sockets: held requests hold nothing else, resets are resets, and
HTTP/1.1 is spoken as clients expect (keep-alive, pipelining, HEAD, limits)."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from types import SimpleNamespace

import pytest
import requests

from mock_server.app import create_app, simulation_of
from mock_server.serving import Server, ServerLimits, _Connection
from mock_server.testing.server import serving
from tests.support import Faulty

PRICE = b"GET /price?country=187&service=tg HTTP/1.1\r\nHost: x\r\n\r\n"


def _connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def _read_response(
    sock: socket.socket, buffer: bytearray, *, head: bool = False
) -> tuple[int, dict[str, str], bytes]:
    """One response off ``sock`` (what follows it stays in ``buffer``); ``head``: no body."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before a response")
        buffer += chunk
    top, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    status_line, *lines = top.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    length = 0 if head else int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed mid-body")
        rest += chunk
    buffer[:] = rest[length:]
    return int(status_line.split()[1]), headers, rest[:length]


@contextmanager
def _fault_server(limits: ServerLimits | None = None) -> Iterator[Faulty]:
    app = create_app("manual", clock="virtual")
    with serving(app, limits=limits) as url:
        yield Faulty(url, simulation_of(app))


def test_three_hundred_held_requests_hold_nothing_else() -> None:
    with _fault_server() as faulty, ExitStack() as stack:
        faulty.rules("  - match: {path: /price}\n    latency: {seconds: 60}\n")
        held = [stack.enter_context(_connect(faulty.base)) for _ in range(300)]
        for sock in held:
            sock.sendall(PRICE)
        faulty.wait_until_parked(300)
        # meanwhile: other requests are answered, on the APIs and on the control API
        countries = requests.get(f"{faulty.base}/getCountries", timeout=5)
        assert countries.status_code == 200
        clock = requests.get(f"{faulty.base}/_mock/clock", timeout=5).json()
        assert len(clock["held_requests"]) == 300
        faulty.advance(59)
        assert faulty.parked() == 300
        faulty.advance(1)  # the advance itself is served while 300 wait, and lets them go
        for sock in held:
            status, _, body = _read_response(sock, bytearray())
            assert status == 200 and json.loads(body)["receive"] == "3000"
        statuses = [e["status"] for e in faulty.journal() if e["path"] == "/price"]
        assert statuses == [200] * 300


def test_a_reset_is_an_rst_and_the_server_goes_on() -> None:
    with _fault_server() as faulty:
        faulty.rules("  - match: {path: /price}\n    reset: true\n")
        with _connect(faulty.base) as sock:
            sock.sendall(PRICE)
            with pytest.raises(ConnectionResetError):
                sock.recv(1024) or sock.recv(1024)
        assert requests.get(f"{faulty.base}/getCountries", timeout=5).status_code == 200


def test_a_timeout_holds_then_closes_with_nothing_written() -> None:
    with _fault_server() as faulty:
        faulty.rules("  - match: {path: /price}\n    timeout: {seconds: 30}\n")
        with _connect(faulty.base) as sock:
            sock.sendall(PRICE)
            faulty.wait_until_parked()
            faulty.advance(30)
            with pytest.raises(ConnectionResetError):
                sock.recv(1024) or sock.recv(1024)
        [entry] = faulty.journal()
        assert (entry["status"], entry["fault"]["action"]) == (0, "timeout")


def test_pipelined_requests_are_answered_in_order_even_around_a_held_one() -> None:
    with _fault_server() as faulty, _connect(faulty.base) as sock:
        faulty.rules("  - match: {path: /getCountries}\n    latency: {seconds: 5}\n")
        countries = b"GET /getCountries HTTP/1.1\r\nHost: x\r\n\r\n"
        sock.sendall(PRICE + countries + PRICE)
        faulty.wait_until_parked()
        faulty.advance(5)
        buffer = bytearray()
        answers = [_read_response(sock, buffer) for _ in range(3)]
        assert [status for status, _, _ in answers] == [200, 200, 200]
        assert "receive" in json.loads(answers[0][2]) and "receive" in json.loads(answers[2][2])
        assert "receive" not in json.loads(answers[1][2])  # the countries, second, as sent


def test_answers_of_one_turn_are_written_in_order_before_a_close() -> None:
    """Answers are written when a turn of the loop ends, several at once: pipelined ones still
    arrive whole and in order, and the close the last one asked for comes after them."""
    close = b"GET /getCountries HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    with _fault_server() as faulty, _connect(faulty.base) as sock:
        sock.sendall(PRICE + PRICE + close)
        buffer = bytearray()
        answers = [_read_response(sock, buffer) for _ in range(3)]
        assert [a[0] for a in answers] == [200, 200, 200]
        assert json.loads(answers[1][2])["receive"] == "3000"
        assert "receive" not in json.loads(answers[2][2])  # the countries, last
        assert answers[2][1]["connection"] == "close"
        assert bytes(buffer) == b"" and sock.recv(1024) == b""  # then closed


class _Transport:
    def __init__(self, gone: bool, written: list[bytes]) -> None:
        self.gone, self.written = gone, written

    def is_closing(self) -> bool:
        return self.gone

    def write(self, data: bytes) -> None:
        if self.gone:
            raise RuntimeError("the transport is closed")
        self.written.append(data)


def test_a_client_gone_before_its_answer_is_written_costs_the_others_nothing() -> None:
    """The answers of one turn are written together: one to a connection lost meanwhile is
    dropped, and every other is still written."""
    written: list[bytes] = []
    server = SimpleNamespace(outbox=[], loop=asyncio.new_event_loop(), flush=None)
    try:
        gone, here = _Connection(server), _Connection(server)  # type: ignore[arg-type]
        gone.transport = _Transport(True, written)  # type: ignore[assignment]
        here.transport = _Transport(False, written)  # type: ignore[assignment]
        gone.send(b"to nobody")
        here.send(b"answer")
        Server.flush(server)  # type: ignore[arg-type]
    finally:
        server.loop.close()
    assert written == [b"answer"] and server.outbox == []


def test_keep_alive_head_and_http_1_0() -> None:
    with _fault_server() as faulty, _connect(faulty.base) as sock:
        buffer = bytearray()
        sock.sendall(b"HEAD /getCountries HTTP/1.1\r\nHost: x\r\n\r\n" + PRICE)
        status, headers, body = _read_response(sock, buffer, head=True)
        assert body == b""
        assert status == 200 and int(headers["content-length"]) > 0
        status, headers, body = _read_response(sock, buffer)
        assert status == 200 and json.loads(body)["receive"] == "3000"
        assert headers["content-type"] == "application/json" and "date" in headers
        with _connect(faulty.base) as old:
            old.sendall(b"GET /price?country=187&service=tg HTTP/1.0\r\n\r\n")
            status, headers, _ = _read_response(old, bytearray())
            assert status == 200 and headers["connection"] == "close"
            assert old.recv(1024) == b""  # HTTP/1.0 without keep-alive: closed after


def test_what_the_parser_refuses_is_answered_and_closed() -> None:
    limits = ServerLimits(max_header_bytes=4096)
    with _fault_server(limits) as faulty:
        with _connect(faulty.base) as sock:
            sock.sendall(b"GET /price HTTP/1.1\r\nX-Big: " + b"h" * 8000 + b"\r\n\r\n")
            status, headers, _ = _read_response(sock, bytearray())
            assert status == 431 and headers["connection"] == "close"
        with _connect(faulty.base) as sock:
            sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
            status, _, body = _read_response(sock, bytearray())
            assert status == 400 and json.loads(body) == {"error": "bad request"}
        assert requests.get(f"{faulty.base}/getCountries", timeout=5).status_code == 200


def test_a_body_over_the_limit_is_a_413_in_the_apis_envelope_without_being_kept() -> None:
    app = create_app("manual", clock="virtual", max_body_bytes=1024)
    with serving(app) as url, _connect(url) as sock:
        body = b'{"country": "' + b"x" * 5000 + b'"}'
        head = b"POST /createorder HTTP/1.1\r\nContent-Type: application/json\r\n"
        sock.sendall(head + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        status, headers, answer = _read_response(sock, bytearray())
        assert status == 413 and headers["connection"] == "close"
        assert json.loads(answer)["status"] == "error"  # sms4sats' envelope
        chunked = b"POST /createorder HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
    with serving(app) as url, _connect(url) as sock:
        chunk = b"x" * 2000
        sock.sendall(chunked + b"\r\n" + f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n0\r\n\r\n")
        status, _, _ = _read_response(sock, bytearray())
        assert status == 413


def test_a_connection_past_the_limit_is_closed_and_the_rest_are_served() -> None:
    with _fault_server(ServerLimits(connection_limit=5)) as faulty, ExitStack() as stack:
        first = [stack.enter_context(_connect(faulty.base)) for _ in range(5)]
        for sock in first:  # each answered: the server has counted it
            sock.sendall(PRICE)
            assert _read_response(sock, bytearray())[0] == 200
        with _connect(faulty.base) as extra:
            extra.sendall(PRICE)
            with pytest.raises((ConnectionResetError, ConnectionError)):
                _read_response(extra, bytearray())
        first[0].close()
        for _ in range(100):  # real time: the server sees the close when its loop reads it
            with _connect(faulty.base) as again:
                again.sendall(PRICE)
                try:
                    assert _read_response(again, bytearray())[0] == 200
                    break
                except ConnectionError:
                    continue
        else:
            raise AssertionError("a freed connection slot was never reused")
