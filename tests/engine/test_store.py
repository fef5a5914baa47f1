from __future__ import annotations

import threading

import pytest

from mock_server.engine.simulation import Simulation
from mock_server.engine.store import Backend, Store


class Wallet(Backend):
    def __init__(self, sim: Simulation) -> None:
        super().__init__(sim)
        self.balance = 1000
        self.history: list[int] = []


def test_backend_reset_rebuilds_every_field() -> None:
    sim = Simulation("virtual")
    wallet = Wallet(sim)
    wallet.balance = 5
    wallet.history.append(1)
    wallet.extra = "added later"  # type: ignore[attr-defined]
    wallet.reset()
    assert wallet.balance == 1000
    assert wallet.history == []
    assert not hasattr(wallet, "extra")
    assert wallet.sim is sim


def test_registering_a_name_twice_is_an_error() -> None:
    store = Store()
    sim = Simulation("virtual")
    store.register("w", Wallet(sim))
    with pytest.raises(ValueError, match="registered already"):
        store.register("w", Wallet(sim))


def test_transactions_make_compound_updates_atomic() -> None:
    """Eight threads debiting 10 a time never overdraw a 1000 wallet and end exactly at 0."""
    store = Store()
    wallet = Wallet(Simulation("virtual"))
    store.register("wallet", wallet)
    refused = []

    def spend() -> None:
        for _ in range(50):
            with store.transaction():
                if wallet.balance >= 10:
                    current = wallet.balance
                    wallet.history.append(10)
                    wallet.balance = current - 10
                else:
                    refused.append(1)

    threads = [threading.Thread(target=spend) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wallet.balance == 0
    assert len(wallet.history) == 100
    assert len(refused) == 300
