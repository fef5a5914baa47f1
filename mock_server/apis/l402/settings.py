"""The ``l402:`` section of a scenario, read into typed settings (defaults: docs/assumptions.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from mock_server.apis.l402.catalog import Catalog
from mock_server.apis.l402.errors import UnknownCountry, UnknownService
from mock_server.engine.scenarios import ScenarioFieldError


@dataclass(frozen=True)
class Timing:
    """Seconds, from the payment unless said otherwise."""

    number_after: float = 2
    code_after: float = 15
    window: float = 20 * 60  # no code by then: refunded (the public client polls ~20 minutes)
    complete_after: float | None = None  # code -> completed; None: at the end of the window
    reactivation_window: float = 4 * 3600  # an earlier order's code -> its number reactivatable


@dataclass(frozen=True)
class Outcome:
    outcome: str  # code, no_number, no_code
    code_after: float | None = None


CODE = Outcome("code")


@dataclass(frozen=True)
class OutcomeRule:
    outcome: Outcome
    type: str | None = None
    country: str | None = None
    service: str | None = None

    def matches(self, type_: str, country: str, service: str) -> bool:
        return (
            (self.type is None or self.type == type_)
            and (self.country is None or self.country == country)
            and (self.service is None or self.service == service)
        )


@dataclass(frozen=True)
class Settings:
    catalog: Catalog = field(default_factory=Catalog)
    network: str = "bc"
    invoice_expiry: int = 3600
    token_valid_for: int = 7 * 86_400
    accept_lsat: bool = True
    timing: Timing = field(default_factory=Timing)
    outcomes: tuple[OutcomeRule, ...] = ()
    refund_after: float = 0
    refund_outcome: Literal["paid", "failed"] = "paid"

    @classmethod
    def from_scenario(cls, section: dict[str, Any], seed: int) -> Settings:
        catalog = Catalog.from_scenario(section, seed)
        ruled = (
            ("prices.overrides", (section.get("prices") or {}).get("overrides") or ()),
            ("stock", section.get("stock") or ()),
            ("outcomes", section.get("outcomes") or ()),
        )
        for where, rules in ruled:
            for i, rule in enumerate(rules):
                _check_rule(catalog, f"l402.{where}[{i}]", rule)
        outcomes = tuple(
            OutcomeRule(
                Outcome(rule["outcome"], rule.get("code_after")),
                rule.get("type"),
                rule["country"].upper() if "country" in rule else None,
                rule.get("service"),
            )
            for rule in section.get("outcomes") or ()
        )
        defaults = cls()
        token = section.get("token") or {}
        refund = section.get("refund") or {}
        return cls(
            catalog=catalog,
            network=section.get("network", defaults.network),
            invoice_expiry=(section.get("invoice") or {}).get("expiry", defaults.invoice_expiry),
            token_valid_for=token.get("valid_for", defaults.token_valid_for),
            accept_lsat=token.get("accept_lsat", defaults.accept_lsat),
            timing=Timing(**(section.get("timing") or {})),
            outcomes=outcomes,
            refund_after=refund.get("after", defaults.refund_after),
            refund_outcome=refund.get("outcome", defaults.refund_outcome),
        )

    def outcome(self, type_: str, country: str, service: str) -> Outcome:
        for rule in self.outcomes:
            if rule.matches(type_, country, service):
                return rule.outcome
        return CODE


def _check_rule(catalog: Catalog, where: str, rule: dict[str, Any]) -> None:
    """A rule naming a country or service the catalog lacks could never apply: refused."""
    for name, check in (("country", catalog.country), ("service", catalog.service)):
        if name in rule:
            try:
                check(rule[name])
            except (UnknownCountry, UnknownService) as exc:
                raise ScenarioFieldError(f"{where}.{name}", exc.message) from None
