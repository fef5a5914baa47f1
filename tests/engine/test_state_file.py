"""`--state`: after every request the state file rebuilds exactly the state the server holds.

Each step below is a request over the app's own pipeline (so the commit before the answer is
what is tested). After every step a second simulator is built from the file alone and must hold
the same state: every order, account, ledger entry, invoice, pending event, callback, the clock
and the random state. A change a backend forgets to mark fails here. Both simulators are then
run on for two days and must still agree: restored events run as the originals would have.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
from collections.abc import Callable
from contextlib import closing
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_server.apis.l402.models import L402Backend
from mock_server.apis.sms4sats.models import Sms4satsBackend
from mock_server.apis.smsverify.models import SmsVerifyBackend
from mock_server.app import create_app, simulation_of, worlds_of
from mock_server.engine.persistence import StateFileError
from mock_server.engine.simulation import Simulation
from mock_server.lightning import LightningNode
from mock_server.testing.server import serving
from tests.apis.l402.agent import refund_invoice
from tests.support import BEARER, SERVE, SMSVERIFY_KEY

S4_KEY, SV_KEY = "s4-key", "sv-key"
# An agent's own invoice for refunds: no amount, made at the virtual clock's start, for a year.
L402_REFUND = refund_invoice(1_767_225_600, expiry=365 * 86_400)


def closed_port_url() -> str:
    """A loopback URL nobody listens on: every callback to it fails and is retried."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


def fingerprint(sim: Simulation) -> dict[str, Any]:
    """Everything a state file must keep, in comparable form."""
    s4 = sim.backend("sms4sats")
    sv = sim.backend("smsverify")
    node = sim.backend("lightning")
    l402 = sim.backend("l402")
    assert isinstance(s4, Sms4satsBackend) and isinstance(sv, SmsVerifyBackend)
    assert isinstance(node, LightningNode) and isinstance(l402, L402Backend)
    return {
        "clock": sim.clock.timestamp(),
        "random": sim.random.getstate(),
        "scenario": sim.scenario.name,
        "events": [
            (e.due, e.seq, e.name, e.kind, e.args, e.owner)
            for e in sim.scheduler.pending()
            if e.kind is not None
        ],
        "s4_accounts": {k: asdict(a) for k, a in s4.accounts.items()},
        "s4_orders": {k: (s4.describe(o), s4.status(o)) for k, o in s4.orders.items()},
        "fundings": [asdict(f) for f in s4.fundings],
        "referrals": [asdict(r) for r in s4.referrals],
        "sv_accounts": {k: asdict(a) for k, a in sv.accounts.items()},
        "sv_orders": {k: (sv.describe(o), sv.status(o)) for k, o in sv.orders.items()},
        "ledger": [asdict(e) for e in sv.ledger],
        "next_id": sv._next_id,
        "invoices": {h: (i.to_record(), i.payreq) for h, i in node.invoices.items()},
        "l402_orders": {k: l402.describe(o) for k, o in l402.orders.items()},
        "callbacks": [_timeless(c.to_record()) for c in sim.callbacks.log()],
        "dispatcher": sim.callbacks.state_record(),
    }


def _timeless(callback: dict[str, Any]) -> dict[str, Any]:
    """A callback without the wall-clock duration of its attempts (two runs never match)."""
    attempts = [{**a, "duration_ms": None} for a in callback["attempts"]]
    return {**callback, "attempts": attempts}


class World:
    """A world of a simulator with a state file, driven through its HTTP pipeline: the default
    world, or the world ``name`` (made with a seed of its own) of ``app``."""

    def __init__(self, path: Path, name: str | None = None, app: Flask | None = None) -> None:
        self.path = path
        self.app = app or create_app("virtual", strict=True, state=path)
        self.name = name or "default"
        self.prefix = f"/worlds/{name}" if name else ""
        self.client: FlaskClient = self.app.test_client()
        if name:
            self.ok(self.client.post("/_mock/worlds", json={"name": name, "seed": len(name)}))
        self.sim = simulation_of(self.app, self.name)
        self.hook = closed_port_url()
        self.ok(self.post("/_mock/sms4sats/accounts", {"api_key": S4_KEY, "balance": 100_000}))
        self.ok(
            self.post(
                "/_mock/smsverify/accounts",
                {"api_key": SV_KEY, "balance": "40.00", "callback_url": self.hook},
            )
        )

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self.client.post(self.prefix + path, json=body, headers=headers or {})

    @staticmethod
    def ok(response: Any) -> Any:
        assert response.status_code < 300, response.get_data(as_text=True)
        return response.get_json()

    # -- the steps ---------------------------------------------------------------------
    def s4_orders(self) -> list[str]:
        return list(self.sim.backend("sms4sats").orders)  # type: ignore[attr-defined]

    def sv_orders(self) -> list[int]:
        return list(self.sim.backend("smsverify").orders)  # type: ignore[attr-defined]

    def invoice_order(self, pick: int) -> None:
        self.ok(
            self.post("/createorder", {"country": 187, "service": "tg", "ref": "alice@example.org"})
        )

    def immediate_order(self, pick: int) -> None:
        body = {"country": 187, "service": "wa", "immediate": True}
        self.ok(self.post("/createorder", body, {"X-API-Key": S4_KEY}))

    def send_order(self, pick: int) -> None:
        body = {"message": "hi", "phone": "+19871234567", "webhookUrl": self.hook}
        self.ok(self.post("/createsendorder", body))

    def fund(self, pick: int) -> None:
        self.ok(self.post("/fund", {"amount": 5000}, {"X-API-Key": S4_KEY}))

    def pay(self, pick: int) -> None:
        orders = self.s4_orders()
        if orders:
            node = self.sim.backend("lightning")
            invoice = node.invoice(orders[pick % len(orders)])  # type: ignore[attr-defined]
            if invoice is not None:
                self.post("/_mock/lightning/pay", {"payreq": invoice.payreq})

    def code(self, pick: int) -> None:
        orders = self.s4_orders()
        if orders:
            self.post(f"/_mock/sms4sats/orders/{orders[pick % len(orders)]}/sms")

    def cancel(self, pick: int) -> None:
        orders = self.s4_orders()
        if orders:
            self.client.get(
                f"{self.prefix}/cancelorder", query_string={"orderId": orders[pick % len(orders)]}
            )

    def temporary(self, pick: int) -> None:
        self.post("/api/v1/order/temporary/", {"service_id": 1012}, self.bearer)

    def rental(self, pick: int) -> None:
        self.post("/api/v1/order/rental/", {"service": "whatsapp", "duration": 3}, self.bearer)

    def renew(self, pick: int) -> None:
        orders = self.sv_orders()
        if orders:
            self.post(f"/api/v1/order/{orders[pick % len(orders)]}/renew/", None, self.bearer)

    def sv_cancel(self, pick: int) -> None:
        orders = self.sv_orders()
        if orders:
            self.post(f"/api/v1/order/{orders[pick % len(orders)]}/cancel/", None, self.bearer)

    def sms(self, pick: int) -> None:
        orders = self.sv_orders()
        if orders:
            self.post(f"/_mock/smsverify/orders/{orders[pick % len(orders)]}/sms")

    def deposit(self, pick: int) -> None:
        balance = self.sim.backend("smsverify").accounts[SV_KEY].balance  # type: ignore[attr-defined]
        body = {"api_key": SV_KEY, "balance": str(balance + 5)}
        self.ok(self.post("/_mock/smsverify/accounts", body))

    def l402_orders(self) -> list[str]:
        return list(self.sim.backend("l402").orders)  # type: ignore[attr-defined]

    def l402_order(self, pick: int) -> None:
        kind = ("receive-sms", "rent-number")[pick % 2]
        refund = {"refundInvoice": L402_REFUND} if pick % 3 else {}
        answer = self.post("/v2/l402/order", {"type": kind, "service": "tg", **refund})
        assert answer.status_code == 402, answer.get_data(as_text=True)

    def l402_pay(self, pick: int) -> None:
        """Pay an L402 order's invoice, then read the order with its token (or cancel it)."""
        orders = self.l402_orders()
        if orders:
            order = self.sim.backend("l402").orders[orders[pick % len(orders)]]  # type: ignore[attr-defined]
            invoice = self.sim.backend("lightning").invoice(order.payment_hash)  # type: ignore[attr-defined]
            self.post("/_mock/lightning/pay", {"payreq": invoice.payreq})
            auth = {"Authorization": f"L402 {order.macaroon}:{invoice.preimage}"}
            path = f"/v2/l402/order/{order.order_id}"
            if pick % 2:
                self.post(path + "/cancel", None, auth)
            else:
                self.client.get(self.prefix + path, headers=auth)

    def l402_sms(self, pick: int) -> None:
        orders = self.l402_orders()
        if orders:
            self.post(f"/_mock/l402/orders/{orders[pick % len(orders)]}/sms")

    def advance(self, pick: int) -> None:
        seconds = (0, 30, 150, 1300, 3 * 3600, 26 * 3600)[pick % 6]
        self.ok(self.post("/_mock/clock/advance", {"seconds": seconds}))

    def switch(self, pick: int) -> None:
        name = ("virtual", "slow-code", "no-numbers")[pick % 3]
        self.ok(self.client.put(f"{self.prefix}/_mock/scenario", json={"name": name}))

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {SV_KEY}"}


STEPS: list[str] = [
    "invoice_order",
    "immediate_order",
    "send_order",
    "fund",
    "pay",
    "code",
    "cancel",
    "temporary",
    "rental",
    "renew",
    "sv_cancel",
    "sms",
    "deposit",
    "l402_order",
    "l402_pay",
    "l402_sms",
    "advance",
    "switch",
]


def reopened_app(path: Path) -> Flask:
    """A second simulator built from the state file alone (another scenario on the command line,
    as after a restart with other flags: the file wins)."""
    app: Flask = create_app("default", state=path)
    health = app.test_client().get("/_mock/health").get_json()
    assert health["state"] == {"path": str(path), "restored": True}
    return app


def reopened(path: Path) -> Simulation:
    """The default world of :func:`reopened_app`."""
    return simulation_of(reopened_app(path))


def fingerprints(app: Flask) -> dict[str, dict[str, Any]]:
    """Every world's fingerprint."""
    worlds = worlds_of(app)
    return {name: fingerprint(worlds.find(name)) for name in worlds.names()}


def check_round_trip(world: World, steps: list[tuple[str, int]]) -> None:
    check_worlds_round_trip([world], [(0, name, pick) for name, pick in steps])


def check_worlds_round_trip(worlds: list[World], steps: list[tuple[int, str, int]]) -> None:
    """After every step in any world, a simulator built from the file has every world as it
    is; and the worlds run on from the file as they run on themselves."""
    app = worlds[0].app
    for index, name, pick in steps:
        step: Callable[[int], None] = getattr(worlds[index % len(worlds)], name)
        step(pick)
        again = reopened_app(worlds[0].path)
        assert fingerprints(again) == fingerprints(app), f"after {name}({pick}) in {index}"
        worlds_of(again).close()
    again = reopened_app(worlds[0].path)
    for name in worlds_of(app).names():
        simulation_of(app, name).scheduler.advance(2 * 86_400)
        simulation_of(again, name).scheduler.advance(2 * 86_400)
    assert fingerprints(again) == fingerprints(app), "running on from the file"
    worlds_of(again).close()
    worlds_of(app).close()


def test_every_kind_of_step_survives_a_restart(tmp_path: Path) -> None:
    world = World(tmp_path / "state.db")
    health = world.client.get("/_mock/health").get_json()
    assert health["state"] == {"path": str(tmp_path / "state.db"), "restored": False}
    script = [(name, 0) for name in STEPS[:-1]]  # every step once, then a realistic day
    script += [("pay", 1), ("pay", 2), ("advance", 1), ("advance", 2), ("code", 1)]
    script += [("advance", 0), ("rental", 0), ("sms", 4), ("advance", 4), ("switch", 1)]
    script += [("invoice_order", 0), ("pay", 7), ("advance", 3)]
    script += [("l402_order", 1), ("l402_order", 2), ("l402_pay", 1), ("l402_pay", 2)]
    script += [("advance", 1), ("l402_sms", 0), ("advance", 3)]
    check_round_trip(world, script)
    with closing(sqlite3.connect(tmp_path / "state.db")) as db:
        tables = dict(db.execute("SELECT tbl, count(*) FROM records GROUP BY tbl").fetchall())
    assert tables["orders"] >= 5 and tables["invoices"] >= 4 and tables["callbacks"] >= 1


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(STEPS), st.integers(min_value=0, max_value=20)),
        min_size=1,
        max_size=10,
    )
)
def test_any_sequence_of_steps_survives_a_restart(
    tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[str, int]]
) -> None:
    world = World(tmp_path_factory.mktemp("state") / "state.db")
    check_round_trip(world, steps)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=2),
            st.sampled_from(STEPS),
            st.integers(min_value=0, max_value=20),
        ),
        min_size=1,
        max_size=10,
    )
)
def test_any_steps_in_several_worlds_survive_a_restart(
    tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[int, str, int]]
) -> None:
    default = World(tmp_path_factory.mktemp("state") / "state.db")
    others = [World(default.path, name, default.app) for name in ("ci-1", "qa.anna")]
    check_worlds_round_trip([default, *others], steps)


def test_a_dropped_world_leaves_the_file_and_a_new_one_of_its_name_starts_afresh(
    tmp_path: Path,
) -> None:
    default = World(tmp_path / "state.db")
    ci = World(default.path, "ci", default.app)
    ci.invoice_order(0)
    ci.temporary(0)
    assert ci.s4_orders()
    assert default.client.delete("/_mock/worlds/ci").status_code == 200
    again = reopened_app(default.path)
    assert worlds_of(again).names() == ["default"]
    worlds_of(again).close()
    fresh = World(default.path, "ci", default.app)
    assert fresh.s4_orders() == [] and fresh.sv_orders() == []
    again = reopened_app(default.path)
    assert fingerprints(again) == fingerprints(default.app)
    worlds_of(again).close()
    worlds_of(default.app).close()


def test_reset_empties_the_file_too(tmp_path: Path) -> None:
    world = World(tmp_path / "state.db")
    world.invoice_order(0)
    world.temporary(0)
    world.ok(world.post("/_mock/reset", {"scenario": "manual"}))
    again = reopened(tmp_path / "state.db")
    assert again.scenario.name == "manual"
    assert fingerprint(again) == fingerprint(world.sim)
    assert again.backend("sms4sats").orders == {}  # type: ignore[attr-defined]
    again.close()
    world.sim.close()


def test_without_a_state_file_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a file written by default would land here
    app = create_app("virtual")
    sim = simulation_of(app)
    app.test_client().post("/createorder", json={"country": 187, "service": "tg"})
    assert sim.persistence is None and not sim.changes.enabled
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_is_not_a_state_file_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(StateFileError, match="not a usable state file"):
        create_app("virtual", state=bogus)
    assert bogus.read_text().startswith("these are my notes")


def test_a_real_clock_keeps_running_while_the_server_is_down(tmp_path: Path) -> None:
    """Time passes between a crash and a restart: what fell due meanwhile happens on start."""
    from mock_server.engine.clock import Clock

    wall = [1_800_000_000.0]
    path = tmp_path / "state.db"
    app = create_app("default", clock=Clock("real", wall=lambda: wall[0]), state=path)
    client = app.test_client()
    key = {"Authorization": "Bearer test-smsverify-key"}
    order = client.post("/api/v1/order/temporary/", json={"service_id": 1012}, headers=key)
    order_id = order.get_json()["data"]["order_id"]
    simulation_of(app).persistence.file.close()  # type: ignore[union-attr]  # the crash

    wall[0] += 60  # down for a minute: the order's SMS was due 20 s after it was placed
    again = simulation_of(
        create_app("default", clock=Clock("real", wall=lambda: wall[0]), state=path)
    )
    assert again.clock.timestamp() == pytest.approx(1_800_000_060.0)
    sv = again.backend("smsverify")
    assert sv.orders[order_id].status == "pending"  # type: ignore[attr-defined]
    assert again.scheduler.run_due() >= 1  # what the real clock's thread does on start
    assert sv.orders[order_id].status == "completed"  # type: ignore[attr-defined]
    again.persistence.file.close()  # type: ignore[union-attr]  # another crash
    # ...and what those events did is in the file too; a wall clock gone back stops time, no more.
    wall[0] -= 3600
    third = simulation_of(
        create_app("default", clock=Clock("real", wall=lambda: wall[0]), state=path)
    )
    assert third.backend("smsverify").orders[order_id].status == "completed"  # type: ignore[attr-defined]
    assert third.clock.timestamp() >= 1_800_000_060.0 - 1e-6
    third.close()


def test_a_state_file_of_another_format_or_nowhere_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    simulation_of(create_app("virtual", state=path)).close()
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'format'")
    with pytest.raises(StateFileError, match="format 99, this version reads 1"):
        create_app("virtual", state=path)
    with pytest.raises(StateFileError, match="cannot open"):
        create_app("virtual", state=tmp_path / "no such folder" / "state.db")


def test_a_damaged_record_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    world = World(path)
    world.temporary(0)
    world.sim.close()
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("UPDATE records SET data = '{\"oops\": 1}' WHERE tbl = 'orders'")
    with pytest.raises(StateFileError, match="cannot rebuild the simulator from it"):
        create_app("virtual", state=path)


def _damage(path: Path, how: str) -> None:
    with closing(sqlite3.connect(path)) as db, db:
        if how == "format":
            db.execute("UPDATE meta SET value = 'abc' WHERE key = 'format'")
        elif how == "balance":
            rows = db.execute(
                "SELECT key, data FROM records WHERE part = 'smsverify' AND tbl = 'accounts'"
            ).fetchall()
            for key, data in rows:
                record = json.loads(data)
                record["balance"] = "abc"
                db.execute(
                    "UPDATE records SET data = ? WHERE part = 'smsverify' AND tbl = 'accounts'"
                    " AND key = ?",
                    (json.dumps(record), key),
                )
    if how == "page":  # a leaf page of the records: the schema reads, the rows do not
        size = path.stat().st_size
        with path.open("r+b") as file:
            file.seek(size - 2 * 4096 + 8)
            file.write(b"\xa5" * 4000)


@pytest.mark.parametrize("how", ["format", "balance", "page"])
def test_a_damaged_state_file_is_refused_cleanly(tmp_path: Path, how: str) -> None:
    path = tmp_path / "state.db"
    sim = simulation_of(create_app("default", state=path))
    for i in range(400):  # enough rows for several pages
        sim.backend("smsverify").upsert_account(f"key-{i}", Decimal("5.00"), None)
    sim.commit()
    sim.close()
    _damage(path, how)
    result = subprocess.run(
        [*SERVE, "--state", str(path)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2, result.stderr
    assert "cannot use the state file" in result.stderr and "Traceback" not in result.stderr


class _FullDisk:
    """Makes a state file's writes fail as a full disk does, until it is told space is back."""

    def __init__(self, sim: Simulation, monkeypatch: pytest.MonkeyPatch) -> None:
        assert sim.persistence is not None
        self.full = False
        state_file = sim.persistence.file
        write = state_file.write

        def failing(*args: Any, **kwargs: Any) -> None:
            if self.full:
                raise sqlite3.OperationalError("database or disk is full")
            write(*args, **kwargs)

        monkeypatch.setattr(state_file, "write", failing)


def _balance(url: str) -> Decimal:
    body = requests.get(f"{url}/api/v1/balance/", headers=BEARER, timeout=5).text
    return json.loads(body, parse_float=Decimal)["balance"]


@pytest.fixture
def on_a_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Flask, _FullDisk, Path]:
    """An app keeping its state in a file on a disk that tests can fill up."""
    path = tmp_path / "state.db"
    app = create_app("virtual", state=path)
    return app, _FullDisk(simulation_of(app), monkeypatch), path


def test_a_failed_commit_answers_503_and_never_splits_money_from_its_order(
    on_a_disk: tuple[Flask, _FullDisk, Path],
) -> None:
    app, disk, path = on_a_disk
    sim = simulation_of(app)
    order = {"service_id": 1012}
    with serving(app) as url:
        start = _balance(url)
        disk.full = True
        refused = requests.post(
            f"{url}/api/v1/order/temporary/", json=order, headers=BEARER, timeout=5
        )
        assert refused.status_code == 503
        assert "could not write its state file" in refused.json()["error"]
        # A crash now: the file has neither the order nor its charge.
        crashed = reopened(path)
        assert crashed.backend("smsverify").orders == {}
        assert crashed.backend("smsverify").accounts[SMSVERIFY_KEY].balance == start
        crashed.close()
        # Space is back: the next commit writes what the failed one could not, together.
        disk.full = False
        assert requests.get(f"{url}/api/v1/balance/", headers=BEARER, timeout=5).status_code == 200
        in_memory = sim.backend("smsverify")
        assert len(in_memory.orders) == 1
        charged = _balance(url)
    restarted = reopened(path)
    backend = restarted.backend("smsverify")
    assert backend.orders.keys() == in_memory.orders.keys()
    assert backend.accounts[SMSVERIFY_KEY].balance == charged < start
    assert fingerprint(restarted) == fingerprint(sim)
    restarted.close()
    sim.close()


def test_a_reset_whose_rewrite_failed_is_written_whole_later(
    on_a_disk: tuple[Flask, _FullDisk, Path],
) -> None:
    app, disk, path = on_a_disk
    sim = simulation_of(app)
    client = app.test_client()
    client.post("/api/v1/order/temporary/", json={"service_id": 1012}, headers=BEARER)
    disk.full = True
    assert client.post("/_mock/reset").status_code == 503
    disk.full = False
    assert client.get("/_mock/health").status_code == 200  # this commit rewrites the file
    restarted = reopened(path)
    assert restarted.backend("smsverify").orders == {} == sim.backend("smsverify").orders
    restarted.close()
    sim.close()
