"""Invoices signed by the server's worker process (mock_server.lightning.signer), on real sockets:
every order gets its own invoice, signed off the serving thread, the same bytes as signed in
the server; an order waiting for its signature holds nothing else; a worker that dies leaves
the server signing itself; a server that stops stops its worker."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import bolt11
import pytest
import requests
from coincurve import PrivateKey

from mock_server.apis.sms4sats.models import Sms4satsBackend
from mock_server.app import create_app, simulation_of
from mock_server.engine.simulation import Simulation
from mock_server.lightning import LightningNode
from mock_server.lightning.node import FEATURES
from mock_server.lightning.payreq import encode_payreq
from mock_server.testing.server import serving

ORDER = {"country": 187, "service": "tg"}


def _workers() -> set[int]:
    """The signing workers this process started, still running."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[1]) == os.getpid() and b"signer_worker" in command:
            found.add(int(stat.parent.name))
    return found


@contextmanager
def _server() -> Iterator[tuple[str, Simulation, int]]:
    """A served app on the virtual clock: its URL, its simulation and its signing worker."""
    before = _workers()
    app = create_app("default", clock="virtual")
    with serving(app) as url:
        requests.get(f"{url}/getCountries", timeout=5)  # served: the worker is started by now
        (worker,) = _workers() - before
        yield url, simulation_of(app), worker


def _order(url: str) -> dict[str, str]:
    answer = requests.post(f"{url}/createorder", json=ORDER, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _inline(node: LightningNode, payment_hash: str) -> str:
    """The payment request of an invoice as the server signs it itself."""
    invoice = node.invoices[payment_hash]
    return encode_payreq(
        node._key,  # the node's key, derived from the seed
        network=invoice.network,
        amount_msat=invoice.amount_sat * 1000,
        timestamp=invoice.created_at,
        payment_hash=bytes.fromhex(payment_hash),
        description=invoice.description,
        min_final_cltv_expiry=invoice.min_final_cltv_expiry,
        expiry=invoice.expiry,
        payment_secret=invoice.secret,
        features=FEATURES,
    )


def test_orders_at_once_each_get_their_own_invoice_signed_off_the_serving_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with _server() as (url, sim, _):
        node = sim.backend("lightning")
        backend = sim.backend("sms4sats")
        assert isinstance(node, LightningNode) and isinstance(backend, Sms4satsBackend)
        real_sign = PrivateKey.sign_recoverable

        def refuse(*args: object, **kwargs: object) -> bytes:
            raise AssertionError("the server signed an invoice itself")

        monkeypatch.setattr(PrivateKey, "sign_recoverable", refuse)
        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(lambda _: _order(url), range(80)))
        monkeypatch.setattr(PrivateKey, "sign_recoverable", real_sign)

        assert len({a["orderId"] for a in answers}) == 80
        for answer in answers:
            decoded = bolt11.decode(answer["payreq"])  # checks the signature, recovers the payee
            invoice = backend.order(answer["orderId"]).invoice
            assert invoice is not None
            assert decoded.payment_hash == invoice.payment_hash  # its own, not a neighbour's
            assert decoded.payee == node.pubkey
            assert answer["payreq"] == _inline(node, invoice.payment_hash)  # byte for byte


def test_an_order_waiting_for_its_signature_holds_nothing_else_and_outlives_its_worker() -> None:
    with _server() as (url, sim, worker):
        backend = sim.backend("sms4sats")
        assert isinstance(backend, Sms4satsBackend)
        os.kill(worker, signal.SIGSTOP)  # it signs nothing until it is gone
        try:
            with ThreadPoolExecutor(1) as pool:
                waiting = pool.submit(_order, url)
                arrived = threading.Event()
                for _ in range(500):  # real time: the server is reading the request
                    if backend.orders or waiting.done():
                        break
                    arrived.wait(0.01)
                assert backend.orders and not waiting.done()  # made, its answer waiting
                price = requests.get(f"{url}/price?country=187&service=tg", timeout=5)
                assert price.status_code == 200  # meanwhile, others are answered
                assert not waiting.done()
                os.kill(worker, signal.SIGKILL)
                answer = waiting.result(timeout=10)  # signed by the server itself
            decoded = bolt11.decode(answer["payreq"])
            invoice = backend.order(answer["orderId"]).invoice
            assert invoice is not None and decoded.payment_hash == invoice.payment_hash
            assert worker not in _workers()  # gone (a zombie until the server stops)
            assert bolt11.decode(_order(url)["payreq"]).payee == decoded.payee  # and after
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker, signal.SIGKILL)


def test_a_server_that_stops_stops_its_worker() -> None:
    with _server() as (url, _, worker):
        _order(url)
        assert worker in _workers()
    assert worker not in _workers()
    with pytest.raises(ChildProcessError):
        os.waitpid(worker, os.WNOHANG)  # reaped, not left a zombie
