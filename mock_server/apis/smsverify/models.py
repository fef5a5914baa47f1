"""smsVerificationService state: accounts with USD wallets (exact Decimals)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from mock_server.apis.smsverify.errors import InvalidApiKey
from mock_server.engine.store import Backend

if TYPE_CHECKING:
    from mock_server.engine.scenarios import Scenario
    from mock_server.engine.simulation import Simulation

CENT = Decimal("0.01")


def usd(value: object) -> Decimal:
    """An amount in USD, exact to the cent (scenario numbers are read through their text)."""
    return Decimal(str(value)).quantize(CENT)


@dataclass
class Account:
    """An API key with its wallet and callback URL."""

    api_key: str
    balance: Decimal
    callback_url: str | None = None


class SmsVerifyBackend(Backend):
    def __init__(self, sim: Simulation) -> None:
        super().__init__(sim)
        self.accounts: dict[str, Account] = {}

    def load_scenario(self, scenario: Scenario) -> None:
        for seed in scenario.accounts("smsverify"):
            self.accounts.setdefault(
                seed["api_key"],
                Account(seed["api_key"], usd(seed.get("balance", "0")), seed.get("callback_url")),
            )

    def account(self, api_key: str) -> Account:
        """The account a Bearer key belongs to; an unknown key is a 401."""
        try:
            return self.accounts[api_key]
        except KeyError:
            raise InvalidApiKey() from None
