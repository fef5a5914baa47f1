"""The sms4sats catalog: countries (the documents' country code list), services, prices, stock
and rental offers, read from the scenario over built-in defaults.

Everything here is pure data and lookups; nothing changes while the simulator runs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from mock_server.apis.sms4sats.errors import UnknownCountry, UnknownService
from mock_server.engine.numbers import ascii_int


@dataclass(frozen=True)
class Country:
    cc: int
    name: str
    dial: str  # the international calling code numbers of this country begin with
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


# The documents' "Country Code List", in its order; the first name of a code is its name.
COUNTRIES: tuple[Country, ...] = (
    Country(999, "Auto-Select", "1"),
    Country(0, "Russia", "7", ("Russian",)),
    Country(1, "Ukraine", "380"),
    Country(2, "Kazakhstan", "7"),
    Country(3, "China", "86"),
    Country(4, "Philippines", "63"),
    Country(5, "Myanmar", "95"),
    Country(6, "Indonesia", "62"),
    Country(7, "Malaysia", "60"),
    Country(8, "Kenya", "254"),
    Country(9, "Tanzania", "255"),
    Country(10, "Vietnam", "84"),
    Country(11, "Kyrgyzstan", "996"),
    Country(12, "USA (virtual)", "1"),
    Country(13, "Israel", "972"),
    Country(14, "HongKong", "852"),
    Country(15, "Poland", "48"),
    Country(16, "England", "44", ("United Kingdom",)),
    Country(18, "DCongo", "243"),
    Country(19, "Nigeria", "234"),
    Country(20, "Macao", "853"),
    Country(21, "Egypt", "20"),
    Country(22, "India", "91"),
    Country(23, "Ireland", "353"),
    Country(24, "Cambodia", "855"),
    Country(25, "Laos", "856"),
    Country(26, "Haiti", "509"),
    Country(27, "Ivory", "225"),
    Country(28, "Gambia", "220"),
    Country(29, "Serbia", "381"),
    Country(30, "Yemen", "967"),
    Country(31, "Southafrica", "27"),
    Country(32, "Romania", "40"),
    Country(33, "Colombia", "57"),
    Country(34, "Estonia", "372"),
    Country(36, "Canada", "1"),
    Country(37, "Morocco", "212"),
    Country(38, "Ghana", "233"),
    Country(39, "Argentina", "54"),
    Country(40, "Uzbekistan", "998"),
    Country(41, "Cameroon", "237"),
    Country(42, "Chad", "235"),
    Country(43, "Germany", "49"),
    Country(44, "Lithuania", "370"),
    Country(45, "Croatia", "385"),
    Country(46, "Sweden", "46"),
    Country(47, "Iraq", "964"),
    Country(48, "Netherlands", "31"),
    Country(49, "Latvia", "371"),
    Country(50, "Austria", "43"),
    Country(51, "Belarus", "375"),
    Country(52, "Thailand", "66"),
    Country(53, "Saudiarabia", "966"),
    Country(54, "Mexico", "52"),
    Country(55, "Taiwan", "886"),
    Country(56, "Spain", "34"),
    Country(58, "Algeria", "213"),
    Country(59, "Slovenia", "386"),
    Country(60, "Bangladesh", "880"),
    Country(61, "Senegal", "221"),
    Country(62, "Turkey", "90"),
    Country(63, "Czech", "420"),
    Country(64, "Srilanka", "94"),
    Country(65, "Peru", "51"),
    Country(66, "Pakistan", "92"),
    Country(67, "Newzealand", "64"),
    Country(68, "Guinea", "224"),
    Country(69, "Mali", "223"),
    Country(70, "Venezuela", "58"),
    Country(71, "Ethiopia", "251"),
    Country(72, "Mongolia", "976"),
    Country(73, "Brazil", "55"),
    Country(74, "Afghanistan", "93"),
    Country(75, "Uganda", "256"),
    Country(76, "Angola", "244"),
    Country(77, "Cyprus", "357"),
    Country(78, "France", "33"),
    Country(79, "Papua", "675"),
    Country(80, "Mozambique", "258"),
    Country(81, "Nepal", "977"),
    Country(82, "Belgium", "32"),
    Country(83, "Bulgaria", "359"),
    Country(84, "Hungary", "36"),
    Country(85, "Moldova", "373"),
    Country(86, "Italy", "39"),
    Country(87, "Paraguay", "595"),
    Country(88, "Honduras", "504"),
    Country(89, "Tunisia", "216"),
    Country(90, "Nicaragua", "505"),
    Country(91, "Timorleste", "670"),
    Country(92, "Bolivia", "591"),
    Country(93, "Costarica", "506"),
    Country(94, "Guatemala", "502"),
    Country(95, "Uae", "971"),
    Country(96, "Zimbabwe", "263"),
    Country(97, "Puertorico", "1"),
    Country(99, "Togo", "228"),
    Country(100, "Kuwait", "965"),
    Country(101, "Salvador", "503"),
    Country(102, "Libyan", "218"),
    Country(103, "Jamaica", "1"),
    Country(104, "Trinidad", "1"),
    Country(105, "Ecuador", "593"),
    Country(106, "Swaziland", "268"),
    Country(107, "Oman", "968"),
    Country(108, "Bosnia", "387"),
    Country(109, "Dominican", "1"),
    Country(111, "Qatar", "974"),
    Country(112, "Panama", "507"),
    Country(114, "Mauritania", "222"),
    Country(115, "Sierraleone", "232"),
    Country(116, "Jordan", "962"),
    Country(117, "Portugal", "351"),
    Country(118, "Barbados", "1"),
    Country(119, "Burundi", "257"),
    Country(120, "Benin", "229"),
    Country(121, "Brunei", "673"),
    Country(122, "Bahamas", "1"),
    Country(123, "Botswana", "267"),
    Country(124, "Belize", "501"),
    Country(125, "Caf", "236"),
    Country(126, "Dominica", "1"),
    Country(127, "Grenada", "1"),
    Country(128, "Georgia", "995"),
    Country(129, "Greece", "30"),
    Country(130, "Guineabissau", "245"),
    Country(131, "Guyana", "592"),
    Country(132, "Iceland", "354"),
    Country(133, "Comoros", "269"),
    Country(134, "Saintkitts", "1"),
    Country(135, "Liberia", "231"),
    Country(136, "Lesotho", "266"),
    Country(137, "Malawi", "265"),
    Country(138, "Namibia", "264"),
    Country(139, "Niger", "227"),
    Country(140, "Rwanda", "250"),
    Country(141, "Slovakia", "421"),
    Country(142, "Suriname", "597"),
    Country(143, "Tajikistan", "992"),
    Country(144, "Monaco", "377"),
    Country(145, "Bahrain", "973"),
    Country(146, "Reunion", "262"),
    Country(147, "Zambia", "260"),
    Country(148, "Armenia", "374"),
    Country(149, "Somalia", "252"),
    Country(150, "Congo", "242"),
    Country(151, "Chile", "56"),
    Country(152, "Furkinafaso", "226"),
    Country(153, "Lebanon", "961"),
    Country(154, "Gabon", "241"),
    Country(155, "Albania", "355"),
    Country(156, "Uruguay", "598"),
    Country(157, "Mauritius", "230"),
    Country(158, "Bhutan", "975"),
    Country(159, "Maldives", "960"),
    Country(160, "Guadeloupe", "590"),
    Country(161, "Turkmenistan", "993"),
    Country(162, "Frenchguiana", "594"),
    Country(163, "Finland", "358"),
    Country(164, "Saintlucia", "1"),
    Country(165, "Luxembourg", "352"),
    Country(166, "Saintvincentgrenadines", "1"),
    Country(167, "Equatorialguinea", "240"),
    Country(168, "Djibouti", "253"),
    Country(169, "Antiguabarbuda", "1"),
    Country(170, "Caymanislands", "1"),
    Country(171, "Montenegro", "382"),
    Country(173, "Switzerland", "41"),
    Country(174, "Norway", "47"),
    Country(175, "Australia", "61"),
    Country(176, "Eritrea", "291"),
    Country(177, "Southsudan", "211"),
    Country(178, "Saotomeandprincipe", "239"),
    Country(179, "Aruba", "297"),
    Country(180, "Montserrat", "1"),
    Country(181, "Anguilla", "1"),
    Country(183, "Northmacedonia", "389"),
    Country(184, "Seychelles", "248"),
    Country(185, "Newcaledonia", "687"),
    Country(186, "Capeverde", "238"),
    Country(
        187,
        "USA",
        "1",
        (
            "United States",
            "United States of America",
        ),
    ),
    Country(189, "Fiji", "679"),
    Country(190, "Southkorea", "82"),
    Country(195, "Bermuda", "1"),
    Country(196, "Singapore", "65"),
)
USA_CC = 187
AUTO_SELECT_CC = 999


@dataclass(frozen=True)
class Service:
    code: str  # the `value` clients order with
    name: str  # the `text` shown to people
    count: int | None = None  # numbers in stock everywhere; None: varies by country


# A realistic set: the activation codes sms4sats' upstream uses for popular services.
SERVICES: tuple[Service, ...] = (
    Service("tg", "Telegram"),
    Service("wa", "WhatsApp"),
    Service("go", "Google, YouTube, Gmail"),
    Service("fb", "Facebook"),
    Service("ig", "Instagram"),
    Service("tw", "Twitter"),
    Service("ds", "Discord"),
    Service("dr", "OpenAI"),
    Service("mm", "Microsoft"),
    Service("am", "Amazon"),
    Service("ub", "Uber"),
    Service("ts", "PayPal"),
    Service("lf", "TikTok"),
    Service("oi", "Tinder"),
    Service("vk", "vk.com"),
    Service("wb", "WeChat"),
    Service("sn", "Snapchat"),
    Service("nf", "Netflix"),
    Service("ot", "Any other"),
)

DEFAULT_PRICES = {"receive": 3000, "send": 1000, "rent": 15000, "s4s": 5000}
# (cc, price in sats, weeks): the countries with rental numbers.
DEFAULT_RENTAL_COUNTRIES: tuple[tuple[int, int, int], ...] = (
    (187, 15000, 2),
    (16, 20000, 2),
    (43, 20000, 2),
    (48, 18000, 2),
    (36, 16000, 2),
)


@dataclass(frozen=True)
class Catalog:
    """The catalog of one scenario."""

    services: tuple[Service, ...] = SERVICES
    prices: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PRICES))
    price_overrides: tuple[dict[str, Any], ...] = ()
    stock: tuple[dict[str, Any], ...] = ()
    rental_countries: tuple[tuple[int, int, int], ...] = DEFAULT_RENTAL_COUNTRIES
    seed: int = 0

    @classmethod
    def from_scenario(cls, section: dict[str, Any], seed: int) -> Catalog:
        prices = dict(DEFAULT_PRICES)
        given = section.get("prices") or {}
        prices.update({k: v for k, v in given.items() if k in DEFAULT_PRICES})
        services = tuple(
            Service(s["code"], s["name"], s.get("count")) for s in section.get("services") or ()
        )
        rentals = tuple(
            (r["cc"], r["price"], r.get("duration_weeks", 2))
            for r in section.get("rental_countries") or ()
        )
        return cls(
            services=services or SERVICES,
            prices=prices,
            price_overrides=tuple(given.get("overrides") or ()),
            stock=tuple(section.get("stock") or ()),
            rental_countries=rentals or DEFAULT_RENTAL_COUNTRIES,
            seed=seed,
        )

    # -- lookups -------------------------------------------------------------------------
    def country(self, value: int | str) -> Country:
        """A country by code (187, "187") or name in any case ("germany", "United States")."""
        code = value if isinstance(value, int) else ascii_int(str(value).strip(), signed=False)
        found = _BY_CC.get(code) if code is not None else _BY_NAME.get(str(value).strip().lower())
        if found is None:
            raise UnknownCountry(
                f"unknown country {value!r}: use a code or name from /getCountries"
            )
        return found

    def service(self, code: str) -> Service:
        found = self._services_by_code.get(code) if isinstance(code, str) else None
        if found is not None:
            return found
        raise UnknownService(f"unknown service {code!r}: use a `value` from /getnumbersstatus")

    def count(self, country: Country, service: Service) -> int:
        """Numbers in stock; scenario rules first (most specific wins), then the built-in."""
        best: tuple[int, int] | None = None
        for rule in self.stock:
            score = _match_score(rule, country, service.code)
            if score is not None and (best is None or score > best[0]):
                best = (score, int(rule["count"]))
        if best is not None:
            return best[1]
        if service.count is not None:
            return service.count
        return _builtin_count(self.seed, country.cc, service.code)

    @cached_property
    def _services_by_code(self) -> dict[str, Service]:
        return {service.code: service for service in reversed(self.services)}  # first wins

    def price(self, kind: str, country: Country | None = None, service: str | None = None) -> int:
        """The price in sats of ``kind`` (receive, send, rent, s4s) for a country and service."""
        price = self.prices[kind]
        if kind == "rent" and country is not None:
            price = next((p for cc, p, _ in self.rental_countries if cc == country.cc), price)
        best: tuple[int, int] | None = None
        for rule in self.price_overrides:
            if kind not in rule:
                continue
            score = _match_score(rule, country, service)
            if score is not None and (best is None or score > best[0]):
                best = (score, int(rule[kind]))
        return best[1] if best is not None else price

    def rental_offers(self) -> list[tuple[Country, int, int]]:
        return [(self.country(cc), price, weeks) for cc, price, weeks in self.rental_countries]


@lru_cache(maxsize=4096)  # countries x the services asked for: the sha256 once each
def _builtin_count(seed: int, cc: int, code: str) -> int:
    """A stock that looks real and stays put for a seed: 20 to 499 numbers."""
    digest = hashlib.sha256(f"{seed}:{cc}:{code}".encode()).digest()
    return 20 + int.from_bytes(digest[:2], "big") % 480


_BY_CC = {c.cc: c for c in COUNTRIES}
_BY_NAME = {name.lower(): c for c in COUNTRIES for name in c.names}
_BY_NAME.update({"united states": _BY_CC[USA_CC], "uk": _BY_CC[16]})


def _match_score(rule: dict[str, Any], country: Country | None, service: str | None) -> int | None:
    """How specifically ``rule`` matches (2 = country and service); None when it does not."""
    score = 0
    if "country" in rule:
        wanted = rule["country"]
        if country is None or _BY_CC.get(_cc_of(wanted)) is not country:
            return None
        score += 1
    if "service" in rule:
        if rule["service"] != service:
            return None
        score += 1
    return score


def _cc_of(value: int | str) -> int:
    code = value if isinstance(value, int) else ascii_int(str(value), signed=False)
    if code is not None:
        return code
    found = _BY_NAME.get(str(value).lower())
    return found.cc if found else -1
