"""`sms-mock serve --state`: killed with SIGKILL in the middle of a stream of orders, restarted on
the same file, the server still has every order it acknowledged, the balances those orders
imply, its pending events and its pending callbacks."""

from __future__ import annotations

import re
import signal
import subprocess
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from mock_server.apis.smsverify.models import FIRST_ORDER_ID
from tests.engine.test_state_file import closed_port_url
from tests.support import SERVE as COMMAND
from tests.support import served_process as server

SV_KEY, S4_KEY = "crash-sv", "crash-s4"
SV_START, S4_START = Decimal("100.00"), 1_000_000
WORLDS = ("default", "crash-a", "crash-b")
CLIENTS_PER_WORLD = 2
ACKNOWLEDGED_BEFORE_KILL = 30  # in each world


class Stream:
    """Client threads ordering as fast as the server answers; what it acknowledged is kept."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.lock = threading.Lock()
        self.sv_orders: list[int] = []
        self.sv_with_sms: list[int] = []
        self.s4_immediate: list[str] = []
        self.s4_paid: list[str] = []
        self.enough = threading.Event()
        self.stop = threading.Event()
        self.errors: list[str] = []

    @property
    def acknowledged(self) -> int:
        return len(self.sv_orders) + len(self.s4_immediate) + len(self.s4_paid)

    def run(self, client: int) -> None:
        session = requests.Session()
        step = 0
        while not self.stop.is_set():
            try:
                self._step(session, client, step)
            except requests.RequestException:
                return  # the server is gone
            except Exception as exc:  # a wrong answer: fail the test, not just this thread
                self.errors.append(f"{type(exc).__name__}: {exc}")
                self.enough.set()
                return
            step += 1
            if self.acknowledged >= ACKNOWLEDGED_BEFORE_KILL:
                self.enough.set()

    def _step(self, session: requests.Session, client: int, step: int) -> None:
        base = self.base
        if step % 3 == 0:
            response = session.post(
                f"{base}/api/v1/order/temporary/",
                json={"service_id": 1012},
                headers={"Authorization": f"Bearer {SV_KEY}"},
                timeout=10,
            )
            assert response.status_code == 201, response.text
            order_id = response.json()["data"]["order_id"]
            with self.lock:
                self.sv_orders.append(order_id)
            if order_id % 2 == 0:  # an SMS arrives: its callback fails and stays pending
                delivered = session.post(
                    f"{base}/_mock/smsverify/orders/{order_id}/sms", timeout=10
                )
                assert delivered.status_code == 200, delivered.text
                with self.lock:
                    self.sv_with_sms.append(order_id)
        elif step % 3 == 1:
            response = session.post(
                f"{base}/createorder",
                json={"country": 187, "service": "wa", "immediate": True},
                headers={"X-API-Key": S4_KEY},
                timeout=10,
            )
            assert response.status_code == 200, response.text
            with self.lock:
                self.s4_immediate.append(response.json()["orderId"])
        else:
            order = session.post(
                f"{base}/createorder", json={"country": 187, "service": "tg"}, timeout=10
            ).json()
            paid = session.post(
                f"{base}/_mock/lightning/pay", json={"payreq": order["payreq"]}, timeout=10
            )
            assert paid.status_code == 200, paid.text
            with self.lock:
                self.s4_paid.append(order["orderId"])


def get(base: str, path: str, **headers: str) -> Any:
    response = requests.get(f"{base}{path}", headers=headers, timeout=10)
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"
    return response.json()


def sv_balance(base: str) -> Decimal:
    response = requests.get(
        f"{base}/api/v1/balance/", headers={"Authorization": f"Bearer {SV_KEY}"}, timeout=10
    )
    return Decimal(re.search(r'"balance":([0-9.]+)', response.text).group(1))  # type: ignore[union-attr]


def test_sigkill_mid_stream_loses_nothing_acknowledged(tmp_path: Path) -> None:
    """Clients ordering in three worlds at once (the default one and two by path prefix)."""
    state = str(tmp_path / "sms-mock.db")
    hook = closed_port_url()
    with server("--scenario", "virtual", "--state", state) as (process, base):
        streams = {name: Stream(world_base(base, name)) for name in WORLDS}
        for stream in streams.values():
            setup = [
                ("/_mock/smsverify/accounts", {"api_key": SV_KEY, "balance": str(SV_START)}),
                ("/_mock/smsverify/accounts", {"api_key": SV_KEY, "callback_url": hook}),
                ("/_mock/sms4sats/accounts", {"api_key": S4_KEY, "balance": S4_START}),
            ]
            for path, body in setup:
                answer = requests.post(f"{stream.base}{path}", json=body, timeout=10)
                assert answer.status_code == 200, answer.text
        clients = [
            threading.Thread(target=stream.run, args=(n,))
            for stream in streams.values()
            for n in range(CLIENTS_PER_WORLD)
        ]
        for client in clients:
            client.start()
        for stream in streams.values():
            assert stream.enough.wait(120), "the stream never got going"
            assert not stream.errors, stream.errors
        process.send_signal(signal.SIGKILL)  # mid-stream: the clients are still sending
        process.wait(timeout=10)
        for stream in streams.values():
            stream.stop.set()
        for client in clients:
            client.join(timeout=30)
    assert process.returncode == -signal.SIGKILL

    with server("--state", state) as (process, base):  # no --scenario: the file's is in force
        listed = get(base, "/_mock/worlds")["worlds"]
        assert sorted(w["world"] for w in listed) == sorted(WORLDS)
        for name, stream in streams.items():
            world = world_base(base, name)
            assert get(world, "/_mock/health")["scenario"]["name"] == "virtual"
            check_survived(world, stream)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=10)
    assert "Traceback" not in err


def world_base(base: str, name: str) -> str:
    return base if name == "default" else f"{base}/worlds/{name}"


def check_survived(base: str, stream: Stream) -> None:
    """One world after the restart: everything its clients were told is there."""
    # Every acknowledged smsVerificationService order, with its SMS when that was
    # acknowledged too; an SMS stored but not yet answered when the server died is at most
    # one per client (and only where a client was about to send one).
    unanswered_sms = []
    for order_id in stream.sv_orders:
        order = get(base, f"/_mock/smsverify/orders/{order_id}")
        assert order["api_key"] == SV_KEY
        if order_id in stream.sv_with_sms:
            assert len(order["sms"]) == 1
        elif order["sms"]:
            unanswered_sms.append(order_id)
    assert len(unanswered_sms) <= CLIENTS_PER_WORLD and all(o % 2 == 0 for o in unanswered_sms)
    # Orders the server stored but never got to acknowledge are at most one per client;
    # the wallet was charged exactly for the orders that exist.
    # Ids are given in sequence with no gaps: every order stored is found by counting up.
    present = []
    next_id = FIRST_ORDER_ID
    while requests.get(f"{base}/_mock/smsverify/orders/{next_id}", timeout=10).ok:
        present.append(next_id)
        next_id += 1
    assert set(stream.sv_orders) <= set(present)
    assert len(present) - len(stream.sv_orders) <= CLIENTS_PER_WORLD
    price = Decimal(str(get(base, f"/_mock/smsverify/orders/{present[0]}")["price"]))
    assert sv_balance(base) == SV_START - price * len(set(present))
    # Every acknowledged sms4sats order: paid from the balance, or held on its invoice.
    for order_id in stream.s4_immediate:
        order = get(base, f"/_mock/sms4sats/orders/{order_id}")
        assert (order["immediate"], order["paid"], order["refunded"]) == (True, True, False)
    for order_id in stream.s4_paid:
        order = get(base, f"/_mock/sms4sats/orders/{order_id}")
        assert (order["paid"], order["invoice_state"]) == (True, "ACCEPTED")
    s4_price = get(base, f"/_mock/sms4sats/orders/{stream.s4_immediate[0]}")["price"]
    spent = S4_START - get(base, "/balance", **{"X-API-Key": S4_KEY})["balance"]
    acknowledged = s4_price * len(stream.s4_immediate)
    assert (
        spent % s4_price == 0
        and acknowledged <= spent <= acknowledged + CLIENTS_PER_WORLD * s4_price
    )
    # The pending callbacks of the acknowledged SMS are still queued.
    pending = requests.get(f"{base}/_mock/callbacks", params={"state": "pending"}, timeout=10)
    queued = {c["payload"]["message"]["order_id"] for c in pending.json()["callbacks"]}
    assert set(stream.sv_with_sms) <= queued

    # Pending events survived too: an hour on, the scenario's SMS (due 20 s after each
    # order) arrived for every order, and paid sms4sats orders got their code (settled).
    advanced = requests.post(f"{base}/_mock/clock/advance", json={"seconds": 3600}, timeout=30)
    assert advanced.status_code == 200
    for order_id in set(present):
        order = get(base, f"/_mock/smsverify/orders/{order_id}")
        assert (order["status"], len(order["sms"])) == ("completed", 1)
    assert sv_balance(base) == SV_START - price * len(set(present))
    for order_id in stream.s4_paid:
        invoice = get(base, f"/_mock/lightning/invoices/{order_id}")
        assert invoice["state"] == "SETTLED"
    # New orders continue the numbering: nothing is overwritten.
    fresh = requests.post(
        f"{base}/api/v1/order/temporary/",
        json={"service_id": 1012},
        headers={"Authorization": f"Bearer {SV_KEY}"},
        timeout=10,
    )
    assert fresh.json()["data"]["order_id"] == max(present) + 1


def test_serve_refuses_a_file_that_is_not_a_state_file(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n" * 200)
    result = subprocess.run(
        [*COMMAND, "--state", str(notes)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert "cannot use the state file" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("flag", [[], ["--state"]])
def test_without_state_nothing_survives_a_restart(tmp_path: Path, flag: list[str]) -> None:
    args = [*flag, str(tmp_path / "s.db")] if flag else []
    for round_ in range(2):
        with server("--scenario", "virtual", *args) as (process, base):
            if round_ == 0:
                body = {"api_key": SV_KEY, "balance": "7.00"}
                requests.post(f"{base}/_mock/smsverify/accounts", json=body, timeout=10)
            response = requests.get(
                f"{base}/api/v1/balance/", headers={"Authorization": f"Bearer {SV_KEY}"}, timeout=10
            )
            process.send_signal(signal.SIGINT)
            process.communicate(timeout=10)
    assert response.status_code == (200 if flag else 401)  # the account came back, or not
    assert (tmp_path / "s.db").exists() == bool(flag)
