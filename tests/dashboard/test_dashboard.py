"""The dashboard in a real headless Chromium: what a QA engineer sees and does on /_mock/ui.

Orders made by the test appear by themselves; the page pays an invoice, advances the clock,
delivers a code, switches the scenario and adds an account, each through the control API, and
says what it did; the journal filters; a token locks it all; keyboard alone is enough. Waits
are for the page's own refresh (its polling), never for the simulator: its clock is virtual.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from mock_server.app import create_app
from mock_server.testing.server import serving
from tests.support import BEARER

ORDER = {"country": 187, "service": "tg"}


def wait(browser: Any, condition: Callable[[Any], Any], timeout: float = 10) -> Any:
    """Until ``condition`` holds; a table the page rebuilt meanwhile is read again."""
    return WebDriverWait(
        browser, timeout, poll_frequency=0.05, ignored_exceptions=(StaleElementReferenceException,)
    ).until(condition)


def press(browser: Any, api: str, order_id: str, button: str) -> None:
    """Press a button of an order's row (found and pressed in one go: rows are rebuilt)."""

    def pressed(b: Any) -> bool:
        order_row(b, api, order_id).find_element(By.XPATH, f".//button[text()='{button}']").click()
        return True

    wait(browser, pressed)


def open_page(browser: Any, url: str) -> None:
    browser.get(url)
    wait(browser, lambda b: b.find_element(By.ID, "world").is_displayed())


def order_row(browser: Any, api: str, order_id: str) -> Any:
    return wait(
        browser,
        lambda b: (
            b.find_elements(By.CSS_SELECTOR, f"#orders-{api} tr[data-order='{order_id}']") or False
        ),
    )[0]


def cells(row: Any) -> list[str]:
    return [td.text for td in row.find_elements(By.TAG_NAME, "td")]


def status_says(browser: Any, text: str) -> str:
    return wait(browser, lambda b: text in (t := b.find_element(By.ID, "status").text) and t)


def invoice_of(browser: Any, api: str, order_id: str) -> str:
    return wait(browser, lambda b: cells(order_row(b, api, order_id))[6])


def test_an_order_made_by_a_test_appears_without_a_reload(browser: Any, base: str) -> None:
    open_page(browser, f"{base}/_mock/ui")
    assert "no orders yet" in browser.find_element(By.ID, "orders-sms4sats").text
    order = requests.post(f"{base}/createorder", json=ORDER, timeout=5).json()
    kind, status, price, charged = wait(
        browser, lambda b: cells(order_row(b, "sms4sats", order["orderId"]))[1:5]
    )
    assert (kind, status, price, charged) == (
        "receive",
        "waiting for payment",
        "3000 sats",
        "0 sats",
    )
    assert invoice_of(browser, "sms4sats", order["orderId"]) == "OPEN"
    assert browser.execute_script("return performance.getEntriesByType('navigation').length") == 1


def test_pay_from_the_page_then_advance_21_minutes(browser: Any, base: str) -> None:
    order = requests.post(f"{base}/createorder", json=ORDER, timeout=5).json()
    open_page(browser, f"{base}/_mock/ui")
    press(browser, "sms4sats", order["orderId"], "Pay invoice")
    said = status_says(browser, "Paid the invoice")
    assert said == f"Paid the invoice of {order['orderId'][:12]}…: it is ACCEPTED."
    wait(browser, lambda b: invoice_of(b, "sms4sats", order["orderId"]) == "ACCEPTED")
    invoice = requests.get(f"{base}/_mock/lightning/invoices/{order['orderId']}", timeout=5).json()
    assert invoice["state"] == "ACCEPTED"  # the page went through the control API
    browser.find_element(By.XPATH, "//button[text()='Advance 21 min']").click()
    assert "Advanced the clock 21m" in status_says(browser, "Advanced the clock 21m")
    wait(browser, lambda b: invoice_of(b, "sms4sats", order["orderId"]) == "CANCELED")
    assert "00:21:00" in browser.find_element(By.ID, "clock").text
    row = wait(browser, lambda b: cells(order_row(b, "sms4sats", order["orderId"])))
    assert "No code received in time" in row[2] and row[5] == "3000 sats"


def test_deliver_a_code_and_see_the_timeline(browser: Any, base: str) -> None:
    order = requests.post(f"{base}/createorder", json=ORDER, timeout=5).json()
    requests.post(f"{base}/_mock/lightning/pay", json={"payreq": order["payreq"]}, timeout=5)
    open_page(browser, f"{base}/_mock/ui")
    press(browser, "sms4sats", order["orderId"], "Deliver code")
    status_says(browser, "Delivered a code")
    wait(browser, lambda b: invoice_of(b, "sms4sats", order["orderId"]) == "SETTLED")
    press(browser, "sms4sats", order["orderId"], "Timeline")
    picture = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, "#timeline svg"))
    label = picture.get_attribute("aria-label")
    for step in ("created at", "paid at", "number at", "code at", "settled at"):
        assert step in label, label
    assert len(picture.find_elements(By.CSS_SELECTOR, "circle.done")) == 5
    about = browser.find_element(By.CSS_SELECTOR, "#timeline .order-requests")
    wait(browser, lambda b: "POST /createorder 200" in about.text)  # from the journal


def test_the_timeline_shows_what_is_still_to_come(browser: Any, base: str) -> None:
    order = requests.post(f"{base}/createorder", json=ORDER, timeout=5).json()
    requests.post(f"{base}/_mock/lightning/pay", json={"payreq": order["payreq"]}, timeout=5)
    open_page(browser, f"{base}/_mock/ui")
    press(browser, "sms4sats", order["orderId"], "Timeline")
    picture = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, "#timeline svg"))
    assert "auto-cancel due 2026-01-01 00:21:00" in picture.get_attribute("aria-label")
    assert len(picture.find_elements(By.CSS_SELECTOR, "circle.pending")) >= 1


def test_the_journal_filters_by_api_operation_and_status(browser: Any, base: str) -> None:
    requests.get(f"{base}/price", timeout=5)
    requests.get(f"{base}/getnumbersstatus", timeout=5)  # 400
    requests.get(f"{base}/api/v1/balance/", headers=BEARER, timeout=5)
    requests.post(f"{base}/v2/l402/order", json={"type": "receive-sms", "service": "tg"}, timeout=5)
    open_page(browser, f"{base}/_mock/ui")

    def shown() -> list[str]:
        rows = browser.find_elements(By.CSS_SELECTOR, "#requests tbody tr")
        return [" ".join(cells(r)[1:5]) for r in rows]

    wait(browser, lambda b: len(shown()) == 4)
    assert shown()[0] == "l402 POST /v2/l402/order createL402Order 402"  # the newest first
    Select(browser.find_element(By.ID, "filter-api")).select_by_value("smsverify")
    wait(browser, lambda b: shown() == ["smsverify GET /api/v1/balance/ getBalance 200"])
    Select(browser.find_element(By.ID, "filter-api")).select_by_value("")
    Select(browser.find_element(By.ID, "filter-status")).select_by_visible_text("4xx")
    wait(
        browser,
        lambda b: (
            shown()
            == [
                "l402 POST /v2/l402/order createL402Order 402",
                "sms4sats GET /getnumbersstatus getNumbersStatus 400",
            ]
        ),
    )
    Select(browser.find_element(By.ID, "filter-status")).select_by_value("")
    browser.find_element(By.ID, "filter-operation").send_keys("getPrice")
    wait(browser, lambda b: shown() == ["sms4sats GET /price getPrice 200"])


def test_a_fault_that_fired_is_shown_with_its_request(browser: Any, base: str) -> None:
    rules = (
        "name: f\nseed: 1\nclock: {mode: virtual}\nfaults:\n"
        "  - {match: {operation: getPrice}, respond: {status: 503, body: {x: 1}}}\n"
    )
    requests.put(f"{base}/_mock/scenario", json={"yaml": rules}, timeout=5)
    requests.get(f"{base}/price", timeout=5)
    open_page(browser, f"{base}/_mock/ui")
    row = wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#requests tbody tr") or False)[
        0
    ]
    assert cells(row)[4:6] == ["503", "faults[0]: respond"]


def test_switch_reset_and_add_an_account_say_what_they_did(browser: Any, base: str) -> None:
    open_page(browser, f"{base}/_mock/ui")
    wait(browser, lambda b: len(Select(b.find_element(By.ID, "scenario-name")).options) > 5)
    Select(browser.find_element(By.ID, "scenario-name")).select_by_value("no-numbers")
    browser.find_element(By.XPATH, "//button[text()='Switch, keeping state']").click()
    status_says(browser, "Switched to the scenario no-numbers")
    wait(browser, lambda b: "In force: no-numbers" in b.find_element(By.ID, "scenario-now").text)
    assert requests.get(f"{base}/_mock/scenario", timeout=5).json()["name"] == "no-numbers"

    Select(browser.find_element(By.ID, "account-api")).select_by_value("sms4sats")
    browser.find_element(By.ID, "account-key").send_keys("qa-team")
    browser.find_element(By.ID, "account-balance").send_keys("25000")
    browser.find_element(By.XPATH, "//button[text()='Add account']").click()
    assert status_says(browser, "Added the account") == (
        "Added the account qa-team to sms4sats: its balance is 25000."
    )
    wait(browser, lambda b: "qa-team 25000 sats" in b.find_element(By.ID, "accounts").text)

    Select(browser.find_element(By.ID, "scenario-name")).select_by_value("manual")
    browser.find_element(By.ID, "reset").click()
    status_says(browser, "Reset the world to the scenario manual")
    wait(browser, lambda b: "qa-team" not in b.find_element(By.ID, "accounts").text)


def test_an_l402_order_is_paid_from_the_page(browser: Any, base: str) -> None:
    body = {"type": "receive-sms", "service": "tg"}
    challenge = requests.post(f"{base}/v2/l402/order", json=body, timeout=5).json()
    open_page(browser, f"{base}/_mock/ui")
    press(browser, "l402", challenge["orderId"], "Pay invoice")
    assert status_says(browser, "Paid the invoice").endswith("it is SETTLED.")  # ordinary
    wait(browser, lambda b: cells(order_row(b, "l402", challenge["orderId"]))[2] == "paid")


def test_a_worlds_page_shows_that_world_only(browser: Any, base: str) -> None:
    requests.delete(f"{base}/_mock/worlds/qa-1", timeout=5)
    mine = requests.post(f"{base}/worlds/qa-1/createorder", json=ORDER, timeout=5).json()
    for _ in range(2):  # the default world's: other ids (one is the same, from the same seed)
        requests.post(f"{base}/createorder", json=ORDER, timeout=5)
    open_page(browser, f"{base}/worlds/qa-1/_mock/ui")
    order_row(browser, "sms4sats", mine["orderId"])
    assert "world qa-1" in browser.find_element(By.TAG_NAME, "h1").text
    rows = wait(
        browser,
        lambda b: [
            r.get_attribute("data-order")
            for r in b.find_elements(By.CSS_SELECTOR, "#orders-sms4sats tbody tr[data-order]")
        ],
    )
    assert rows == [mine["orderId"]]


def test_the_keyboard_alone_advances_the_clock(browser: Any, base: str) -> None:
    open_page(browser, f"{base}/_mock/ui")
    body = browser.find_element(By.TAG_NAME, "body")
    for _ in range(10):
        body.send_keys(Keys.TAB)
        if browser.switch_to.active_element.text == "Advance 2 min":
            break
    assert browser.switch_to.active_element.text == "Advance 2 min"
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    status_says(browser, "Advanced the clock 2m")
    assert requests.get(f"{base}/_mock/clock", timeout=5).json()["offset_seconds"] == 120


def test_every_control_is_labelled_and_every_table_described(browser: Any, base: str) -> None:
    requests.post(f"{base}/createorder", json=ORDER, timeout=5)
    open_page(browser, f"{base}/_mock/ui")
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#orders-sms4sats tr[data-order]"))
    unnamed = browser.execute_script(
        """return [...document.querySelectorAll('button')].filter(
             b => !(b.textContent.trim() || b.getAttribute('aria-label'))).length"""
    )
    unlabelled = browser.execute_script(
        """return [...document.querySelectorAll('input, select')].filter(
             i => !document.querySelector(`label[for="${i.id}"]`)).map(i => i.id)"""
    )
    tables = browser.find_elements(By.TAG_NAME, "table")
    assert unnamed == 0 and unlabelled == []
    assert all(t.find_elements(By.TAG_NAME, "caption") for t in tables)
    assert all(
        th.get_attribute("scope") == "col"
        for th in browser.find_elements(By.CSS_SELECTOR, "thead th")
    )


def test_with_a_control_token_nothing_is_shown_or_done_without_it(browser: Any) -> None:
    app = create_app("manual", clock="virtual", strict=True, control_token="s3cret")
    with serving(app) as url:
        order = requests.post(f"{url}/createorder", json=ORDER, timeout=5).json()
        browser.get(f"{url}/_mock/ui")
        form = wait(
            browser, lambda b: (f := b.find_element(By.ID, "token-form")).is_displayed() and f
        )
        assert not browser.find_element(By.ID, "world").is_displayed()
        assert order["orderId"] not in browser.page_source  # nothing of the world
        form.find_element(By.ID, "token").send_keys("wrong", Keys.ENTER)
        wait(
            browser, lambda b: "not this simulator's" in b.find_element(By.ID, "token-problem").text
        )
        token = browser.find_element(By.ID, "token")
        token.clear()
        token.send_keys("s3cret", Keys.ENTER)
        order_row(browser, "sms4sats", order["orderId"])
        browser.find_element(By.XPATH, "//button[text()='Advance 2 min']").click()
        status_says(browser, "Advanced the clock 2m")
        clock = requests.get(
            f"{url}/_mock/clock", headers={"Authorization": "Bearer s3cret"}, timeout=5
        ).json()
        assert clock["offset_seconds"] == 120
        browser.execute_script("sessionStorage.clear()")


def test_an_sms_is_delivered_to_a_smsverify_order_from_the_page(browser: Any, base: str) -> None:
    placed = requests.post(
        f"{base}/api/v1/order/temporary/", json={"service_id": 1012}, headers=BEARER, timeout=5
    ).json()["data"]
    order_id = str(placed["order_id"])
    open_page(browser, f"{base}/_mock/ui")
    assert cells(order_row(browser, "smsverify", order_id))[2] == "pending"
    press(browser, "smsverify", order_id, "Deliver SMS")
    assert status_says(browser, "Delivered") == f"Delivered an SMS to {order_id}."
    row = wait(
        browser,
        lambda b: (c := cells(order_row(b, "smsverify", order_id)))[2] == "completed" and c,
    )
    otp = requests.get(f"{base}/api/v1/order/{order_id}/status/", headers=BEARER, timeout=5).json()[
        "data"
    ]
    assert row[7].endswith(f"/ {otp['otp']}") and row[4] == "$0.40"
