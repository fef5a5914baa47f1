"""PNGs of the dashboard's main views, under test-output/dashboard/, for a person to look at;
and the checks that make them legible at 1280x800 and usable at 390 px wide."""

from __future__ import annotations

from typing import Any

import requests
from selenium.webdriver.common.by import By

from tests.dashboard.test_dashboard import ORDER, open_page, press, wait
from tests.support import BEARER


def _busy_world(base: str) -> str:
    """Orders of every API in every state worth seeing, a fault, a failing callback."""
    paid = requests.post(f"{base}/createorder", json=ORDER, timeout=5).json()
    requests.post(f"{base}/_mock/lightning/pay", json={"payreq": paid["payreq"]}, timeout=5)
    requests.post(f"{base}/_mock/sms4sats/orders/{paid['orderId']}/sms", timeout=5)
    requests.post(f"{base}/createorder", json={"country": 187, "service": "wa"}, timeout=5)
    held = requests.post(f"{base}/createorder", json={"country": 187, "service": "go"}, timeout=5)
    requests.post(f"{base}/_mock/lightning/pay", json={"payreq": held.json()["payreq"]}, timeout=5)
    requests.post(
        f"{base}/api/v1/order/temporary/", json={"service_id": 1012}, headers=BEARER, timeout=5
    )
    requests.post(f"{base}/v2/l402/order", json={"type": "receive-sms", "service": "tg"}, timeout=5)
    requests.get(f"{base}/getnumbersstatus", timeout=5)  # a 400 in the journal
    requests.post(f"{base}/_mock/clock/advance", json={"seconds": 30}, timeout=5)
    return str(paid["orderId"])


def _fits(browser: Any) -> bool:
    """Nothing wider than the window but the tables, which scroll in their own box."""
    return bool(
        browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    )


def test_screenshots_of_the_main_views(browser: Any, base: str, screenshot) -> None:  # type: ignore[no-untyped-def]
    order_id = _busy_world(base)
    open_page(browser, f"{base}/_mock/ui")
    wait(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, "tr[data-order]")) == 5)
    press(browser, "sms4sats", order_id, "Timeline")
    wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, "#timeline svg"))
    browser.execute_script("window.scrollTo(0, 0)")
    shots = [screenshot("desktop-1280x800")]
    assert _fits(browser)
    smallest = browser.execute_script(
        "return Math.min(...[...document.querySelectorAll('body *')]"
        ".filter(e => e.childElementCount === 0 && e.textContent.trim() && e.offsetParent)"
        ".map(e => parseFloat(getComputedStyle(e).fontSize)))"
    )
    assert smallest >= 12  # legible: no text under 12 px
    browser.execute_script("document.getElementById('h-orders').scrollIntoView()")
    shots.append(screenshot("desktop-orders-and-timeline"))
    browser.execute_script("document.getElementById('h-requests').scrollIntoView()")
    shots.append(screenshot("desktop-journal"))

    browser.set_window_size(390, 844)
    wait(browser, lambda b: b.execute_script("return window.innerWidth") <= 390)
    browser.execute_script("window.scrollTo(0, 0)")
    shots.append(screenshot("phone-390"))
    assert _fits(browser)  # usable at 390 px: no page-wide sideways scrolling
    advance = browser.find_element(By.XPATH, "//button[text()='Advance 21 min']")
    assert advance.size["height"] >= 32 and advance.is_displayed()
    advance.click()
    wait(browser, lambda b: "Advanced the clock 21m" in b.find_element(By.ID, "status").text)
    shots.append(screenshot("phone-390-after-21-min"))
    for shot in shots:
        assert shot.stat().st_size > 10_000, shot  # a rendered page, not a blank one
