"""GET /_mock/overview (what the dashboard polls) and the dashboard's own routes, without a
browser: shapes, exact money, timelines, bounds, and the token rules."""

from __future__ import annotations

import requests
from flask.testing import FlaskClient

from mock_server.app import create_app
from tests.support import BEARER

ORDER = {"country": 187, "service": "tg"}


def test_the_overview_lists_every_apis_orders_with_exact_money_and_timelines(
    client: FlaskClient,
) -> None:
    s4 = client.post("/createorder", json=ORDER).get_json()
    client.post("/api/v1/order/temporary/", json={"service_id": 1012}, headers=BEARER)
    client.post("/v2/l402/order", json={"type": "receive-sms", "service": "tg"})
    client.post("/_mock/clock/advance", json={"seconds": 20})
    body = client.get("/_mock/overview").get_json()
    assert set(body["apis"]) == {"sms4sats", "smsverify", "l402"}
    [order] = body["apis"]["sms4sats"]["orders"]
    assert (order["id"], order["price"], order["currency"]) == (s4["orderId"], "3000", "sats")
    assert order["invoice"]["state"] == "SETTLED" and order["charged"] == "3000"
    assert [s["step"] for s in order["timeline"]] == [
        "created",
        "paid",
        "number",
        "code",
        "settled",
    ]
    assert order["code"] is not None and not order["can_pay"]
    [sv] = body["apis"]["smsverify"]["orders"]
    assert (sv["price"], sv["charged"], sv["refunded"], sv["currency"]) == (
        "0.40",
        "0.40",
        "0.00",
        "USD",
    )
    assert [s["step"] for s in sv["timeline"]] == ["ordered, paid from the wallet", "SMS"]
    assert sv["upcoming"] == [] and sv["code"] is not None
    [l402] = body["apis"]["l402"]["orders"]
    assert (l402["status"], l402["can_pay"], l402["charged"]) == ("awaiting_payment", True, "0")
    accounts = body["apis"]["smsverify"]["accounts"]
    assert accounts == [
        {
            "api_key": "test-smsverify-key",
            "balance": "49.60",
            "currency": "USD",
            "callback_url": None,
        }
    ]
    later = client.post("/createorder", json=ORDER).get_json()["orderId"]
    body = client.get("/_mock/overview").get_json()
    [upcoming] = [o["upcoming"] for o in body["apis"]["sms4sats"]["orders"] if o["id"] == later]
    assert upcoming == [{"step": "auto-pay", "due": "2026-01-01T00:00:23Z"}]
    assert body["events"][0] == {
        "name": f"sms4sats {later[:12]} auto-pay",
        "due": "2026-01-01T00:00:23Z",
        "in_seconds": 3.0,
    }
    assert body["scenario"]["name"] == "virtual" and "manual" in body["scenarios"]


def test_the_overview_is_bounded(client: FlaskClient) -> None:
    made = [client.post("/createorder", json=ORDER).get_json()["orderId"] for _ in range(5)]
    body = client.get("/_mock/overview", query_string={"limit": 2}).get_json()["apis"]["sms4sats"]
    assert body["order_count"] == 5
    assert [o["id"] for o in body["orders"]] == [made[4], made[3]]  # the newest first
    assert client.get("/_mock/overview", query_string={"limit": 501}).status_code == 400


def test_the_journal_filters_by_status_and_status_class(client: FlaskClient) -> None:
    client.get("/price")
    client.get("/getnumbersstatus")  # 400: no country
    client.get("/nothing")  # 404
    every = client.get("/_mock/requests", query_string={"status": 4}).get_json()["requests"]
    assert [e["status"] for e in every] == [400, 404]
    one = client.get("/_mock/requests", query_string={"status": 404}).get_json()["requests"]
    assert [e["path"] for e in one] == ["/nothing"]


def test_the_page_and_its_files_need_no_token_and_load_nothing_from_elsewhere() -> None:
    client = create_app("virtual", control_token="s3cret").test_client()
    page = client.get("/_mock/ui")
    assert page.status_code == 200 and page.content_type == "text/html; charset=utf-8"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    html = page.get_data(as_text=True)
    assert "http://" not in html and "https://" not in html  # no CDN
    assert 'src="ui/assets/dashboard.js"' in html
    script = client.get("/_mock/ui/assets/dashboard.js")
    assert (script.status_code, script.content_type) == (200, "text/javascript; charset=utf-8")
    assert "innerHTML" not in script.get_data(as_text=True)  # text only: the journal is hostile
    assert client.get("/_mock/ui/assets/dashboard.css").content_type == "text/css"
    assert client.get("/_mock/ui/assets/app.py").status_code == 404
    assert client.get("/_mock/overview").status_code == 401  # the data needs the token
    ok = client.get("/_mock/overview", headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 200


def test_a_worlds_page_names_its_world(live: str) -> None:
    page = requests.get(f"{live}/worlds/qa-7/_mock/ui", timeout=5)
    assert page.status_code == 200 and 'data-world="qa-7"' in page.text
    overview = requests.get(f"{live}/worlds/qa-7/_mock/overview", timeout=5).json()
    assert overview["world"] == "qa-7"
