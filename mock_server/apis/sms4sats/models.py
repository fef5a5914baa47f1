"""sms4sats state: prepaid accounts (sats, exact integers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mock_server.engine.store import Backend

if TYPE_CHECKING:
    from mock_server.engine.scenarios import Scenario
    from mock_server.engine.simulation import Simulation


@dataclass
class Account:
    """A prepaid account, known by its X-API-Key."""

    api_key: str
    balance: int = 0


class Sms4satsBackend(Backend):
    def __init__(self, sim: Simulation) -> None:
        super().__init__(sim)
        self.accounts: dict[str, Account] = {}

    def load_scenario(self, scenario: Scenario) -> None:
        for seed in scenario.accounts("sms4sats"):
            self.accounts.setdefault(
                seed["api_key"], Account(seed["api_key"], int(seed.get("balance", 0)))
            )
