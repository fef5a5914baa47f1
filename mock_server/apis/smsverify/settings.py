"""The smsverify section of a scenario, read into typed settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from mock_server.apis.smsverify.catalog import Catalog
from mock_server.engine.callbacks import RetryPolicy
from mock_server.engine.ratelimit import RateLimitSettings
from mock_server.engine.scenarios import ScenarioFieldError, check_all, nearest

# The catalogs whose products have a service_id, by the order kind that sells them.
PRODUCTS = {
    "temporary": "temporary",
    "best_temp": "best_temp",
    "rent_1day": "rent_1day",
    "rent_30days": "rent_30days",
    "global": "global_offers",
}


@dataclass(frozen=True)
class Timing:
    sms_after: float | None = 20
    expire_after: float = 20 * 60


@dataclass(frozen=True)
class OutcomeRule:
    outcome: str  # sms, no_sms, provider_failure
    kind: str | None = None
    service_id: int | None = None
    country_id: int | None = None
    sms_after: float | None = None

    def matches(self, kind: str, service_id: int | None, country_id: int | None) -> bool:
        return (
            (self.kind is None or self.kind == kind)
            and (self.service_id is None or self.service_id == service_id)
            and (self.country_id is None or self.country_id == country_id)
        )


# Inbound-SMS callbacks: "retried with exponential backoff for up to 24 hours", 5 s to answer.
CALLBACK_RETRY = RetryPolicy(
    first_delay=30, factor=2, max_delay=3600, give_up_after=86_400, timeout=5
)


@dataclass(frozen=True)
class Settings:
    catalog: Catalog = field(default_factory=Catalog)
    rate_limit: RateLimitSettings = field(default_factory=RateLimitSettings)
    timing: Timing = field(default_factory=Timing)
    outcomes: tuple[OutcomeRule, ...] = ()
    callback_retry: RetryPolicy = CALLBACK_RETRY

    @classmethod
    def from_scenario(cls, section: dict[str, Any]) -> Settings:
        retry = {**CALLBACK_RETRY.__dict__, **(section.get("callback_retry") or {})}
        catalog = Catalog.from_scenario(section)
        check_all(
            partial(_check_rule, catalog, f"smsverify.outcomes[{i}]", rule)
            for i, rule in enumerate(section.get("outcomes") or ())
        )
        return cls(
            catalog=catalog,
            rate_limit=RateLimitSettings(**(section.get("rate_limit") or {})),
            timing=Timing(**(section.get("timing") or {})),
            outcomes=tuple(OutcomeRule(**rule) for rule in section.get("outcomes") or ()),
            callback_retry=RetryPolicy(**retry),
        )

    def outcome(self, kind: str, service_id: int | None, country_id: int | None) -> OutcomeRule:
        for rule in self.outcomes:
            if rule.matches(kind, service_id, country_id):
                return rule
        return OutcomeRule("sms")


def _check_rule(catalog: Catalog, where: str, rule: dict[str, Any]) -> None:
    """A rule naming a service or country no catalog has could never apply: refused."""
    kind = rule.get("kind")
    if "service_id" in rule:
        if kind is not None and kind not in PRODUCTS:
            raise ScenarioFieldError(f"{where}.service_id", f"{kind} orders have no service_id")
        lists = [PRODUCTS[kind]] if kind else list(PRODUCTS.values())
        ids = sorted({p.service_id for name in lists for p in getattr(catalog, name)})
        if rule["service_id"] not in ids:
            scope = f"the {kind} catalog" if kind else "any catalog"
            raise ScenarioFieldError(
                f"{where}.service_id",
                f"no service_id {rule['service_id']} in {scope}{nearest(rule['service_id'], ids)}",
            )
    if "country_id" in rule:
        if kind not in (None, "global"):
            raise ScenarioFieldError(f"{where}.country_id", "only global orders have a country_id")
        ids = sorted(c.country_id for c in catalog.global_countries)
        if rule["country_id"] not in ids:
            raise ScenarioFieldError(
                f"{where}.country_id",
                f"no country_id {rule['country_id']} in global_countries"
                f"{nearest(rule['country_id'], ids)}",
            )
