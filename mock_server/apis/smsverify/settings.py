"""The smsverify section of a scenario, read into typed settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mock_server.apis.smsverify.catalog import Catalog
from mock_server.engine.callbacks import RetryPolicy
from mock_server.engine.ratelimit import RateLimitSettings


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
        return cls(
            catalog=Catalog.from_scenario(section),
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
