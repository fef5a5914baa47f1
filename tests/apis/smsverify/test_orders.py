"""Orders of every kind: bodies as documented, exact money, SMS and expiry on the clock."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from .helpers import OTHER, driver_for


@pytest.fixture
def d():  # type: ignore[no-untyped-def]
    return driver_for()


def test_temporary_order_debits_exactly_and_completes_with_an_sms(d) -> None:  # type: ignore[no-untyped-def]
    response = d.post("order/temporary/", {"service_id": 1012})
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"success", "data"} and body["success"] is True
    order = body["data"]
    assert order["status"] == "pending"
    assert re.fullmatch(r"\+1 \d{3} 555 01\d\d", order["phone"])
    assert d.balance() == Decimal("9.60")
    d.advance(19)
    assert d.status(order["order_id"]) == {
        "order_id": order["order_id"],
        "status": "pending",
        "otp": None,
        "message": None,
        "phone": order["phone"],
    }
    d.advance(1)  # 20 s: the SMS
    status = d.status(order["order_id"])
    assert status["status"] == "completed"
    assert re.fullmatch(r"\d{6}", status["otp"])
    assert status["message"] == f"Your WhatsApp code is {status['otp']}"
    d.advance(3600)
    assert d.status(order["order_id"])["status"] == "completed"
    assert d.balance() == Decimal("9.60")


def test_area_code_is_honoured(d) -> None:  # type: ignore[no-untyped-def]
    assert d.order(service_id=22, area_code="212")["phone"].startswith("+1 212 555 01")


def test_string_service_id_is_accepted(d) -> None:  # type: ignore[no-untyped-def]
    assert d.order(service_id="22")["status"] == "pending"


def test_no_sms_in_20_minutes_expires_and_refunds() -> None:
    d = driver_for("smsverify:\n  outcomes: [{service_id: 22, outcome: no_sms}]\n")
    order = d.order(service_id=22)
    assert d.balance() == Decimal("9.70")
    d.advance(20 * 60 - 1)
    assert d.status(order["order_id"])["status"] == "pending"
    d.advance(1)
    assert d.status(order["order_id"])["status"] == "expired"
    assert d.balance() == Decimal("10.00")
    assert d.deliver(order["order_id"]).status_code == 409


def test_unknown_service_out_of_stock_and_insufficient_balance() -> None:
    d = driver_for(
        "smsverify:\n  catalog:\n    temporary:\n"
        "      - {service_id: 1, name: Cheap, price: '0.10', stock: 0}\n"
        "      - {service_id: 2, name: Dear, price: '99.00'}\n"
    )
    response = d.post("order/temporary/", {"service_id": 7})
    assert (response.status_code, response.get_json()) == (
        404,
        {"success": False, "error": "Service not found"},
    )
    response = d.post("order/temporary/", {"service_id": 1})
    assert (response.status_code, response.get_json()) == (
        400,
        {"success": False, "error": "Service not available"},
    )
    response = d.post("order/temporary/", {"service_id": 2})
    assert (response.status_code, response.get_json()) == (
        402,
        {"success": False, "error": "Insufficient balance"},
    )
    assert d.balance() == Decimal("10.00")
    listed = d.get("services/temporary/").get_json()["data"]["services"]
    assert listed == [
        {"service_id": 2, "name": "Dear", "price": 99.0}
    ]  # out of stock is not listed


def test_provider_failure_rolls_the_debit_back() -> None:
    d = driver_for("smsverify:\n  outcomes: [{kind: best_temp, outcome: provider_failure}]\n")
    response = d.post("order/best-temp/", {"service_id": 1012})
    assert response.status_code == 500
    assert response.get_json()["success"] is False
    assert d.balance() == Decimal("10.00")
    assert d.get("orders/").get_json() == []


def test_global_order(d) -> None:  # type: ignore[no-untyped-def]
    order = d.order("global", service_id=1012, country_id=4)
    assert re.fullmatch(r"\+44 20 7946 0\d{3}", order["phone"])
    assert d.balance() == Decimal("9.05")
    [listed] = d.get("orders/").get_json()
    assert listed["service"] == "WhatsApp (UK)"
    assert listed["sell_price"] == listed["price"] == 0.95
    response = d.post("order/global/", {"service_id": 1012, "country_id": 99})
    assert (response.status_code, response.get_json()["error"]) == (404, "Country not found")
    response = d.post("order/global/", {"service_id": 77, "country_id": 4})
    assert (response.status_code, response.get_json()["error"]) == (404, "Service not found")


def test_rental_order_is_flat_with_an_expiry_date_and_renews(d) -> None:  # type: ignore[no-untyped-def]
    response = d.post("order/rental/", {"service": "whatsapp", "duration": 3})
    assert response.status_code == 201
    rental = response.get_json()
    assert rental == {
        "success": True,
        "order_id": rental["order_id"],
        "phone": rental["phone"],
        "sell_price": 4.0,
        "price": 4.0,
        "status": "active",
        "expiry_date": "2026-01-04T00:00:00Z",
    }
    assert d.balance() == Decimal("6.00")
    status = d.status(rental["order_id"])
    assert (status["time_left_seconds"], status["days_left"]) == (3 * 86400, 3)
    d.advance(86400 + 30)
    renewed = d.post(f"order/{rental['order_id']}/renew/").get_json()
    assert renewed == {
        "success": True,
        "data": {"order_id": rental["order_id"], "status": "active", "phone": rental["phone"]},
    }
    assert d.balance() == Decimal("2.00")
    status = d.status(rental["order_id"])
    assert status["time_left_seconds"] == 5 * 86400 - 30 and status["days_left"] == 4
    response = d.post(f"order/{rental['order_id']}/renew/")  # 4.00 > 2.00
    assert (response.status_code, response.get_json()["error"]) == (402, "Insufficient balance")
    d.advance(5 * 86400)
    assert d.status(rental["order_id"])["status"] == "expired"
    assert d.status(rental["order_id"])["time_left_seconds"] == 0
    assert d.post("order/rental/", {"service": "Nope", "duration": 3}).get_json() == {
        "error": "Service not found"
    }


def test_rent_1day_and_30days_report_time_left() -> None:
    d = driver_for(balance="50.00")
    one = d.order("rent-1day", service_id=4421)
    status = d.status(one["order_id"])
    assert (status["status"], status["time_left_seconds"], status["days_left"]) == (
        "pending",
        86400,
        1,
    )
    d.deliver(one["order_id"], otp="111")
    d.deliver(one["order_id"], otp="222")  # a rental keeps receiving
    assert d.status(one["order_id"])["otp"] == "222"
    assert d.status(one["order_id"])["status"] == "active"
    d.advance(86400)
    assert d.status(one["order_id"])["status"] == "expired"
    thirty = d.order("rent-30days", service_id=7821)
    assert d.status(thirty["order_id"])["days_left"] == 30
    assert d.balance() == Decimal("36.80")  # 50.00 - 1.20 - 12.00


def test_esim_order_has_an_activation_code() -> None:
    d = driver_for(balance="20.00")
    response = d.post("order/esim/", {"plan": "usa 5gb / 30 days"})
    assert response.status_code == 201
    body = response.get_json()
    assert re.fullmatch(r"SIM-\d{10}", body["activation_code"])
    assert body == {
        "success": True,
        "order_id": body["order_id"],
        "activation_code": body["activation_code"],
        "sell_price": 12.0,
        "price": 12.0,
        "status": "active",
    }
    assert d.balance() == Decimal("8.00")
    assert d.post("order/esim/", {"plan": "Mars 1TB"}).get_json() == {"error": "Plan not found"}
    cancel = d.post(f"order/{body['order_id']}/cancel/")
    assert (cancel.status_code, cancel.get_json()["error"]) == (400, "Order cannot be cancelled")


def test_orders_are_private_to_their_key(d) -> None:  # type: ignore[no-untyped-def]
    mine = d.order()
    for path in (f"order/{mine['order_id']}/status/",):
        response = d.get(path, key=OTHER)
        assert (response.status_code, response.get_json()) == (
            404,
            {"success": False, "error": "Order not found"},
        )
    for path in (f"order/{mine['order_id']}/cancel/", f"order/{mine['order_id']}/renew/"):
        response = d.post(path, key=OTHER)
        assert (response.status_code, response.get_json()["error"]) == (404, "Order not found")
    assert d.get("orders/", key=OTHER).get_json() == []
    assert d.status(mine["order_id"])["status"] == "pending"  # untouched


def test_orders_list_is_the_50_newest_newest_first() -> None:
    d = driver_for(balance="100.00", yaml_text="smsverify:\n  rate_limit: {enabled: false}\n")
    ids = [d.order(service_id=30)["order_id"] for _ in range(55)]
    listed = d.get("orders/").get_json()
    assert [o["order_id"] for o in listed] == list(reversed(ids))[:50]
    assert listed[0] == {
        "order_id": ids[-1],
        "service": "Discord",
        "status": "pending",
        "sell_price": 0.2,
        "price": 0.2,
        "phone": listed[0]["phone"],
        "created_at": "2026-01-01T00:00:00Z",
    }
    assert d.balance() == Decimal("89.00")  # 100.00 - 55 x 0.20


def test_cancel_refunds_a_waiting_order_once_and_refuses_the_rest(d) -> None:  # type: ignore[no-untyped-def]
    order = d.order()
    assert d.balance() == Decimal("9.60")
    response = d.post(f"order/{order['order_id']}/cancel/")
    assert response.get_json() == {
        "success": True,
        "data": {"order_id": order["order_id"], "status": "cancelled"},
    }
    assert d.balance() == Decimal("10.00")
    again = d.post(f"order/{order['order_id']}/cancel/")
    assert (again.status_code, again.get_json()) == (
        400,
        {"success": False, "error": "Order cannot be cancelled"},
    )
    assert d.balance() == Decimal("10.00")
    d.advance(3600)  # its SMS and expiry events were dropped with it
    assert d.status(order["order_id"])["status"] == "cancelled"
    assert d.balance() == Decimal("10.00")
    done = d.order()
    d.advance(20)
    assert d.post(f"order/{done['order_id']}/cancel/").status_code == 400
    assert d.balance() == Decimal("9.60")


def test_renew_is_for_rentals_only(d) -> None:  # type: ignore[no-untyped-def]
    order = d.order()
    response = d.post(f"order/{order['order_id']}/renew/")
    assert (response.status_code, response.get_json()) == (
        400,
        {"success": False, "error": "Order cannot be renewed"},
    )
    assert d.balance() == Decimal("9.60")


def test_delivering_an_sms_through_the_control_api(d) -> None:  # type: ignore[no-untyped-def]
    order = d.order()
    response = d.deliver(
        order["order_id"], otp="545", message="Your PayPal OTP is 545", sender="8843"
    )
    assert response.status_code == 200
    assert response.get_json()["otp"] == "545"
    assert d.status(order["order_id"])["message"] == "Your PayPal OTP is 545"
    assert d.deliver(order["order_id"]).status_code == 409  # completed
    assert d.client.post("/_mock/smsverify/orders/999/sms").status_code == 404
