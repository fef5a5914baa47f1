"""The smsVerificationService catalogs: USA temporary, best-temp, 1-day and 30-day products,
3/30-day rentals, eSIM plans, and global countries with their offers. Defaults extend the
document's examples; a scenario replaces any list. USD as exact Decimals."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mock_server.apis.smsverify.errors import NotFoundError, ServiceNotAvailable

CENT = Decimal("0.01")
USA_DIAL = "1"


def usd(value: object) -> Decimal:
    """An amount in USD, exact to the cent (scenario numbers are read through their text)."""
    return Decimal(str(value)).quantize(CENT)


@dataclass(frozen=True)
class Product:
    """A service sold by id: temporary, best-temp, rent-1day, rent-30days, or a global offer."""

    service_id: int
    name: str
    price: Decimal
    stock: int = 100
    country_id: int | None = None  # global offers only


@dataclass(frozen=True)
class RentalService:
    name: str
    price_3days: Decimal
    price_30days: Decimal
    stock: int = 100

    def price(self, days: int) -> Decimal:
        return self.price_3days if days == 3 else self.price_30days


@dataclass(frozen=True)
class EsimPlan:
    name: str
    data_gb: float
    validity_days: int
    price: Decimal


@dataclass(frozen=True)
class GlobalCountry:
    country_id: int
    name: str
    dial: str


def _products(rows: list[tuple[int, str, str]]) -> tuple[Product, ...]:
    return tuple(Product(i, n, usd(p)) for i, n, p in rows)


TEMPORARY = _products(
    [
        (1012, "WhatsApp", "0.40"),
        (22, "Telegram", "0.30"),
        (3, "Google", "0.35"),
        (5, "Facebook", "0.25"),
        (18, "Instagram", "0.30"),
        (30, "Discord", "0.20"),
        (41, "PayPal", "0.50"),
        (77, "Tinder", "0.45"),
        (90, "Uber", "0.25"),
        (104, "Amazon", "0.30"),
        (110, "Microsoft", "0.25"),
        (155, "OpenAI", "0.60"),
    ]
)
BEST_TEMP = _products([(1012, "WhatsApp", "0.40"), (22, "Telegram", "0.30"), (3, "Google", "0.35")])
RENT_1DAY = _products([(4421, "Tinder", "1.20"), (4422, "Discord", "1.50")])
RENT_30DAYS = _products([(7821, "Instagram", "12.00"), (7822, "WhatsApp", "14.00")])
RENTAL = (
    RentalService("WhatsApp", usd("4.00"), usd("12.00")),
    RentalService("Telegram", usd("3.50"), usd("10.00")),
    RentalService("Google", usd("3.00"), usd("9.00")),
)
ESIM = (
    EsimPlan("USA 5GB / 30 days", 5.0, 30, usd("12.00")),
    EsimPlan("Europe 10GB / 30 days", 10.0, 30, usd("18.00")),
)
GLOBAL_COUNTRIES = (
    GlobalCountry(4, "United Kingdom", "44"),
    GlobalCountry(17, "Germany", "49"),
    GlobalCountry(9, "India", "91"),
    GlobalCountry(12, "France", "33"),
)
GLOBAL_OFFERS = tuple(
    Product(service_id, name, usd(price), country_id=country_id)
    for country_id, service_id, name, price in [
        (4, 1012, "WhatsApp", "0.95"),
        (4, 22, "Telegram", "0.70"),
        (4, 3, "Google", "0.80"),
        (17, 1012, "WhatsApp", "1.10"),
        (17, 22, "Telegram", "0.85"),
        (9, 1012, "WhatsApp", "0.35"),
        (9, 22, "Telegram", "0.25"),
        (9, 3, "Google", "0.30"),
        (12, 1012, "WhatsApp", "1.05"),
    ]
)


@dataclass(frozen=True)
class Catalog:
    temporary: tuple[Product, ...] = TEMPORARY
    best_temp: tuple[Product, ...] = BEST_TEMP
    rent_1day: tuple[Product, ...] = RENT_1DAY
    rent_30days: tuple[Product, ...] = RENT_30DAYS
    rental: tuple[RentalService, ...] = RENTAL
    esim: tuple[EsimPlan, ...] = ESIM
    global_countries: tuple[GlobalCountry, ...] = GLOBAL_COUNTRIES
    global_offers: tuple[Product, ...] = GLOBAL_OFFERS

    @classmethod
    def from_scenario(cls, section: dict[str, Any]) -> Catalog:
        given = section.get("catalog") or {}
        default = cls()

        def products(key: str) -> tuple[Product, ...]:
            rows = given.get(key)
            if rows is None:
                return getattr(default, key)
            return tuple(
                Product(r["service_id"], r["name"], usd(r["price"]), r.get("stock", 100))
                for r in rows
            )

        rental = given.get("rental")
        esim = given.get("esim")
        countries = given.get("global_countries")
        offers = given.get("global_offers")
        catalog = cls(
            temporary=products("temporary"),
            best_temp=products("best_temp"),
            rent_1day=products("rent_1day"),
            rent_30days=products("rent_30days"),
            rental=default.rental
            if rental is None
            else tuple(
                RentalService(
                    r["name"], usd(r["price_3days"]), usd(r["price_30days"]), r.get("stock", 100)
                )
                for r in rental
            ),
            esim=default.esim
            if esim is None
            else tuple(
                EsimPlan(e["name"], float(e["data_gb"]), e["validity_days"], usd(e["price"]))
                for e in esim
            ),
            global_countries=default.global_countries
            if countries is None
            else tuple(
                GlobalCountry(c["country_id"], c["country_name"], c["dial"]) for c in countries
            ),
            global_offers=default.global_offers
            if offers is None
            else tuple(
                Product(
                    o["service_id"],
                    o["service_name"],
                    usd(o["price"]),
                    o.get("stock", 100),
                    o["country_id"],
                )
                for o in offers
            ),
        )
        known = {c.country_id for c in catalog.global_countries}
        for i, offer in enumerate(catalog.global_offers):
            if offer.country_id not in known:
                raise ValueError(
                    f"smsverify.catalog.global_offers[{i}]: unknown country_id {offer.country_id}"
                )
        return catalog

    # -- lookups -------------------------------------------------------------------------
    def product(self, kind: str, service_id: int) -> Product:
        """A product of a USA catalog by id; unknown -> 404, out of stock -> 400."""
        for product in getattr(self, kind):
            if product.service_id == service_id:
                return _in_stock(product)
        raise NotFoundError("Service not found")

    def country(self, country_id: int) -> GlobalCountry:
        for country in self.global_countries:
            if country.country_id == country_id:
                return country
        raise NotFoundError("Country not found")

    def offers(self, country_id: int) -> list[Product]:
        return [o for o in self.global_offers if o.country_id == country_id]

    def global_offer(self, country_id: int, service_id: int) -> Product:
        self.country(country_id)
        for offer in self.offers(country_id):
            if offer.service_id == service_id:
                return _in_stock(offer)
        raise NotFoundError("Service not found")

    def listed_countries(self) -> list[GlobalCountry]:
        """Countries with at least one offer in stock (as the document says)."""
        return [
            c for c in self.global_countries if any(o.stock > 0 for o in self.offers(c.country_id))
        ]

    def rental_service(self, name: str) -> RentalService:
        for service in self.rental:
            if service.name.lower() == name.strip().lower():
                if service.stock <= 0:
                    raise ServiceNotAvailable()
                return service
        raise NotFoundError("Service not found")

    def esim_plan(self, name: str) -> EsimPlan:
        for plan in self.esim:
            if plan.name.lower() == name.strip().lower():
                return plan
        raise NotFoundError("Plan not found")


def _in_stock(product: Product) -> Product:
    if product.stock <= 0:
        raise ServiceNotAvailable()
    return product
