"""The sms4sats section of a scenario, read into typed settings with the real service's defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

from mock_server.apis.sms4sats.catalog import COUNTRIES, Catalog, Country
from mock_server.apis.sms4sats.errors import UnknownCountry, UnknownService
from mock_server.engine.callbacks import RetryPolicy
from mock_server.engine.ratelimit import RateLimitSettings
from mock_server.engine.scenarios import ScenarioFieldError, check_all, nearest

NO_RATE_LIMIT = RateLimitSettings(enabled=False)  # the documents show no sms4sats rate limit

Kind = Literal["receive", "send", "email", "fund"]
# Documented: "If no code is received within 20 minutes" (one page), "21 minutes" (the others).
AUTO_CANCEL_AFTER = 21 * 60


@dataclass(frozen=True)
class Timing:
    auto_pay_after: float | None = 3
    number_after: float = 2
    code_after: float = 15
    sent_after: float = 1
    delivered_after: float = 3
    auto_cancel_after: float = AUTO_CANCEL_AFTER
    cancel_allowed_after: float = 120
    rental_lifetime: float = 4 * 3600


@dataclass(frozen=True)
class Outcome:
    """What happens to an order: ``code``/``no_number``/``no_code`` for receive orders,
    ``delivered``/``sent``/``failed`` for send orders; ``code_after`` overrides the timing."""

    outcome: str
    code_after: float | None = None


CODE, DELIVERED = Outcome("code"), Outcome("delivered")  # the defaults, one object each


@dataclass(frozen=True)
class OutcomeRule:
    outcome: Outcome
    kind: str | None = None
    country: Country | None = None
    service: str | None = None

    def matches(self, kind: str, country: Country | None, service: str | None) -> bool:
        return (
            (self.kind is None or self.kind == kind)
            and (self.country is None or self.country is country)
            and (self.service is None or self.service == service)
        )


@dataclass(frozen=True)
class Settings:
    catalog: Catalog = field(default_factory=Catalog)
    network: str = "bc"
    code_type: str = "number"
    invoice_expiry: int = 86_400
    min_final_cltv_expiry: int = 40
    timing: Timing = field(default_factory=Timing)
    outcomes: tuple[OutcomeRule, ...] = ()
    webhook_retry: RetryPolicy = field(
        default_factory=lambda: RetryPolicy(
            first_delay=10, factor=2, max_delay=600, give_up_after=3600
        )
    )
    referral_percent: int = 10
    invalid_ref: Literal["accept", "refuse"] = "accept"
    # /getCountries items: the documented {cc, country}, or with an `id` (the code) as well,
    # which a public wallet reads; nobody knows which the live service sends.
    country_items: Literal["documented", "with_id"] = "documented"
    rate_limit: RateLimitSettings = field(default_factory=lambda: NO_RATE_LIMIT)

    @classmethod
    def from_scenario(cls, section: dict[str, Any], seed: int) -> Settings:
        """Read the section; an unknown country or service in it raises a ValueError naming it."""
        catalog = Catalog.from_scenario(section, seed)
        ruled = (
            ("prices.overrides", catalog.price_overrides),
            ("stock", catalog.stock),
            ("outcomes", section.get("outcomes") or ()),
        )
        check_all(
            partial(_check_rule, catalog, f"sms4sats.{where}[{i}]", rule)
            for where, rules in ruled
            for i, rule in enumerate(rules)
        )
        outcomes = []
        for rule in section.get("outcomes") or ():
            outcomes.append(
                OutcomeRule(
                    Outcome(rule["outcome"], rule.get("code_after")),
                    rule.get("kind"),
                    catalog.country(rule["country"]) if "country" in rule else None,
                    rule.get("service"),
                )
            )
        invoice = section.get("invoice") or {}
        defaults = cls()
        return cls(
            catalog=catalog,
            network=section.get("network", defaults.network),
            code_type=section.get("code_type", defaults.code_type),
            invoice_expiry=invoice.get("expiry", defaults.invoice_expiry),
            min_final_cltv_expiry=invoice.get(
                "min_final_cltv_expiry", defaults.min_final_cltv_expiry
            ),
            timing=Timing(**(section.get("timing") or {})),
            outcomes=tuple(outcomes),
            webhook_retry=RetryPolicy(
                **{**_policy_fields(defaults.webhook_retry), **(section.get("webhook_retry") or {})}
            ),
            referral_percent=section.get("referral_percent", defaults.referral_percent),
            invalid_ref=section.get("invalid_ref", defaults.invalid_ref),
            country_items=section.get("country_items", defaults.country_items),
            rate_limit=_rate_limit(section.get("rate_limit")),
        )

    def outcome(self, kind: str, country: Country | None, service: str | None) -> Outcome:
        for rule in self.outcomes:
            if rule.matches(kind, country, service):
                return rule.outcome
        return CODE if kind == "receive" else DELIVERED


def _rate_limit(given: dict[str, Any] | None) -> RateLimitSettings:
    """Off unless the scenario sets it; setting it switches it on unless it says otherwise."""
    return RateLimitSettings(**given) if given else NO_RATE_LIMIT


def _check_rule(catalog: Catalog, where: str, rule: dict[str, Any]) -> None:
    """A rule naming a country or service no catalog has could never apply: refused."""
    if "country" in rule:
        try:
            catalog.country(rule["country"])
        except UnknownCountry:
            names = [c.name for c in COUNTRIES]
            raise ScenarioFieldError(
                f"{where}.country",
                f"no country {rule['country']!r} in /getCountries{nearest(rule['country'], names)}",
            ) from None
    if "service" in rule:
        try:
            catalog.service(rule["service"])
        except UnknownService:
            codes = [s.code for s in catalog.services]
            raise ScenarioFieldError(
                f"{where}.service",
                f"no service {rule['service']!r} in the catalog"
                f"{nearest(rule['service'], codes)} (sms4sats.services adds one)",
            ) from None


def _policy_fields(policy: RetryPolicy) -> dict[str, float]:
    return {
        "first_delay": policy.first_delay,
        "factor": policy.factor,
        "max_delay": policy.max_delay,
        "give_up_after": policy.give_up_after,
        "timeout": policy.timeout,
    }
