"""Catalogs answer from scenario data with the documented shapes."""

from __future__ import annotations

import bolt11

from .helpers import Driver, app_for


def test_price_mixes_strings_and_numbers_like_the_live_service() -> None:
    body = Driver(app_for("")).client.get("/price?country=187&service=tg").get_json()
    assert body == {
        "receive": "3000",
        "send": 1000,
        "rent": 15000,
        "s4s": "5000",
        "query": {"country": 187, "service": "tg"},
        "computed": {"price": 3000, "country": 187, "description": "sms4sats payment USA tg"},
    }


def test_price_overrides_by_country_and_service_most_specific_wins() -> None:
    yaml = (
        "sms4sats:\n  prices:\n    receive: 2000\n    overrides:\n"
        "      - {country: germany, receive: 2500}\n"
        "      - {country: 43, service: wa, receive: 4000}\n"
    )
    client = Driver(app_for(yaml)).client
    assert client.get("/price?country=187").get_json()["receive"] == "2000"
    assert client.get("/price?country=Germany&service=tg").get_json()["receive"] == "2500"
    assert client.get("/price?country=43&service=wa").get_json()["computed"]["price"] == 4000
    order = client.post("/createorder", json={"country": 43, "service": "wa"}).get_json()
    assert bolt11.decode(order["payreq"]).amount_msat == 4000 * 1000


def test_rent_price_varies_by_country() -> None:
    client = Driver(app_for("")).client
    assert client.get("/price?country=16").get_json()["rent"] == 20000
    assert client.get("/price").get_json()["rent"] == 15000


def test_numbers_status_lists_every_service_with_its_count() -> None:
    services = Driver(app_for("")).client.get("/getnumbersstatus?country=germany").get_json()
    assert {"tg", "wa", "go", "dr"} <= {s["value"] for s in services}
    telegram = next(s for s in services if s["value"] == "tg")
    assert telegram["key"] == "tg" and telegram["text"] == "Telegram"
    assert int(telegram["count"]) > 0
    assert telegram["image"] == {"avatar": True, "src": "/assets/saimages/tg0.png"}


def test_services_and_counts_come_from_the_scenario() -> None:
    yaml = "sms4sats:\n  services: [{code: zz, name: Zed, count: 7}]\n"
    client = Driver(app_for(yaml)).client
    assert client.get("/getnumbersstatus?country=1").get_json() == [
        {
            "key": "zz",
            "text": "Zed",
            "value": "zz",
            "count": "7",
            "image": {"avatar": True, "src": "/assets/saimages/zz0.png"},
        }
    ]
    assert client.post("/createorder", json={"country": 1, "service": "tg"}).status_code == 400


def test_countries_are_the_documented_list() -> None:
    countries = Driver(app_for("")).client.get("/getCountries").get_json()
    by_cc = {c["cc"]: c["country"] for c in countries}
    assert by_cc[187] == "USA" and by_cc[43] == "Germany" and by_cc[16] == "England"
    assert 999 not in by_cc  # Auto-Select is no country
    assert len(countries) == 184


def test_rental_countries_have_duration_in_weeks_as_a_string() -> None:
    client = Driver(app_for("")).client
    rentals = client.get("/getRentalCountries").get_json()
    assert {"cc": 187, "country": "USA", "duration": "2", "price": 15000} in rentals
    yaml = "sms4sats:\n  rental_countries: [{cc: 48, price: 9000, duration_weeks: 4}]\n"
    assert Driver(app_for(yaml)).client.get("/getRentalCountries?service=full").get_json() == [
        {"cc": 48, "country": "Netherlands", "duration": "4", "price": 9000}
    ]


def test_an_unknown_country_in_a_scenario_is_refused_before_anything_changes() -> None:
    driver = Driver(app_for(""))
    response = driver.client.put(
        "/_mock/scenario",
        json={"yaml": "name: bad\nsms4sats:\n  stock: [{country: atlantis, count: 0}]\n"},
    )
    assert response.status_code == 400
    problem = "<inline>:3: sms4sats.stock[0].country: no country 'atlantis'"
    assert problem in response.get_json()["error"]
    assert driver.client.get("/_mock/scenario").get_json()["name"] == "t"


def test_country_items_are_the_documented_shape_unless_the_scenario_adds_an_id() -> None:
    documented = Driver(app_for("")).client.get("/getCountries").get_json()
    assert {"cc": 187, "country": "USA"} in documented
    assert all(set(item) == {"cc", "country"} for item in documented)
    assert 999 not in {item["cc"] for item in documented}  # Auto-Select is not a country
    with_id = Driver(app_for("sms4sats: {country_items: with_id}\n"))
    items = with_id.client.get("/getCountries").get_json()
    assert [(i["id"], i["cc"], i["country"]) for i in items] == [
        (i["cc"], i["cc"], i["country"]) for i in documented
    ]
