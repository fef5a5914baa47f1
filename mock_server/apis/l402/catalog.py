"""What the L402 API sells: services, countries, order types and their prices in sats.

Nothing public lists the L402 catalog; these are the services and countries agents ask for most
(docs/assumptions.md), and a scenario replaces any of it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from mock_server.apis.l402.errors import NoNumbers, UnknownCountry, UnknownService

ORDER_TYPES = ("receive-sms", "receive-sms-reactivate", "rent-number")
RENT = "rent-number"
REACTIVATE = "receive-sms-reactivate"
DEFAULT_PRICES = {"receive-sms": 2500, "receive-sms-reactivate": 1500, "rent-number": 20000}
SERVICES = (
    ("tg", "Telegram"),
    ("wa", "WhatsApp"),
    ("go", "Google"),
    ("ig", "Instagram"),
    ("fb", "Facebook"),
    ("tw", "X (Twitter)"),
    ("ds", "Discord"),
    ("am", "Amazon"),
    ("ub", "Uber"),
    ("oi", "Tinder"),
)
# ISO 3166 alpha-2 code -> dialling code, in the order `auto` tries them.
COUNTRIES = {
    "US": "1",
    "GB": "44",
    "DE": "49",
    "NL": "31",
    "FR": "33",
    "ID": "62",
    "IN": "91",
    "BR": "55",
    "PH": "63",
    "UA": "380",
}
AUTO = "auto"


@dataclass(frozen=True)
class Rule:
    """A price or a stock count for a type, country and/or service (the most specific wins)."""

    value: int
    type: str | None = None
    country: str | None = None
    service: str | None = None

    def matches(self, type_: str | None, country: str | None, service: str | None) -> bool:
        return (
            (self.type is None or self.type == type_)
            and (self.country is None or self.country == country)
            and (self.service is None or self.service == service)
        )

    @property
    def weight(self) -> int:
        return sum(x is not None for x in (self.type, self.country, self.service))


@dataclass(frozen=True)
class Catalog:
    services: tuple[tuple[str, str], ...] = SERVICES
    countries: dict[str, str] = field(default_factory=lambda: dict(COUNTRIES))
    prices: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PRICES))
    price_rules: tuple[Rule, ...] = ()
    stock_rules: tuple[Rule, ...] = ()
    seed: int = 0

    @classmethod
    def from_scenario(cls, section: dict[str, Any], seed: int) -> Catalog:
        prices = dict(section.get("prices") or {})
        overrides = prices.pop("overrides", None) or ()
        services = section.get("services")
        return cls(
            services=tuple((s["code"], s["name"]) for s in services) if services else SERVICES,
            prices={**DEFAULT_PRICES, **prices},
            price_rules=tuple(_rule(r, "price") for r in overrides),
            stock_rules=tuple(_rule(r, "count") for r in section.get("stock") or ()),
            seed=seed,
        )

    def service(self, code: str) -> str:
        if code not in dict(self.services):
            raise UnknownService(f"unknown service {code!r}; GET /v2/l402/services lists them")
        return code

    def country(self, code: str) -> str:
        upper = code.strip().upper()
        if upper not in self.countries:
            known = ", ".join(self.countries)
            raise UnknownCountry(f"unknown country {code!r}; use auto or one of {known}")
        return upper

    def dial(self, country: str) -> str:
        return self.countries[country]

    def pick(self, country: str, service: str) -> str:
        """The country an order gets: the one named, or with ``auto`` the first in stock."""
        self.service(service)
        if country.strip().lower() == AUTO:
            for candidate in self.countries:
                if self.available(candidate, service) > 0:
                    return candidate
            raise NoNumbers(f"no country has a number for {service} now")
        found = self.country(country)
        if self.available(found, service) <= 0:
            raise NoNumbers(f"no number for {service} in {found} now")
        return found

    def price(self, type_: str, country: str, service: str) -> int:
        """Sats for one order of a type (rent-number: for one day)."""
        rule = _most_specific(self.price_rules, type_, country, service)
        return rule.value if rule is not None else self.prices[type_]

    def available(self, country: str, service: str) -> int:
        rule = _most_specific(self.stock_rules, None, country, service)
        if rule is not None:
            return rule.value
        return random.Random(f"{self.seed}:l402.stock:{country}:{service}").randint(20, 499)

    def offers(self, country: str | None, service: str | None) -> list[dict[str, Any]]:
        """Every offer, or those of one country and/or service (empty filters nothing)."""
        countries = [self.country(country)] if country else list(self.countries)
        services = [self.service(service)] if service else [code for code, _ in self.services]
        return [
            {
                "type": type_,
                "country": c,
                "service": s,
                "priceSats": self.price(type_, c, s),
                "available": self.available(c, s),
            }
            for c in countries
            for s in services
            for type_ in ("receive-sms", RENT)
        ]


def _rule(given: dict[str, Any], value: str) -> Rule:
    country = given.get("country")
    return Rule(
        given[value], given.get("type"), country.upper() if country else None, given.get("service")
    )


def _most_specific(
    rules: tuple[Rule, ...], type_: str | None, country: str, service: str
) -> Rule | None:
    matching = [r for r in rules if r.matches(type_, country, service)]
    return max(matching, key=lambda r: r.weight, default=None)
