"""A real headless Chromium (Debian's chromium and chromium-driver, through Selenium) on a
served simulator. Where the browser is missing the tests are skipped, except in CI (CI=true),
where .ci/run installs it and a missing browser is a failure."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from mock_server.app import create_app, simulation_of
from mock_server.testing.server import serving

CHROMIUM = os.environ.get("SMS_MOCK_CHROMIUM", "/usr/bin/chromium")
DRIVER = os.environ.get("SMS_MOCK_CHROMEDRIVER", "/usr/bin/chromedriver")
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "dashboard"
# No call home from a closed machine (see the env notes): without these Chromium keeps trying.
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--force-device-scale-factor=1",
]


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    if not (Path(CHROMIUM).exists() and Path(DRIVER).exists() and shutil.which(DRIVER)):
        message = (
            f"no Chromium at {CHROMIUM} with its driver at {DRIVER}"
            " (apt-get install chromium chromium-driver)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    os.environ.setdefault("SE_AVOID_STATS", "true")  # Selenium Manager: no statistics sent
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium')}")
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_window_size(1280, 800)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="session")
def dashboard_app() -> Flask:
    return create_app("manual", clock="virtual", strict=True)


@pytest.fixture(scope="session")
def dashboard_url(dashboard_app: Flask) -> Iterator[str]:
    with serving(dashboard_app) as url:
        yield url


@pytest.fixture
def base(dashboard_url: str, dashboard_app: Flask, browser) -> str:  # type: ignore[no-untyped-def]
    """The served simulator, its default world reset to `manual`, the browser on a blank page."""
    simulation_of(dashboard_app).reset("manual")
    browser.set_window_size(1280, 800)
    browser.get("about:blank")
    return dashboard_url


@pytest.fixture
def screenshot(browser) -> Callable[[str], Path]:  # type: ignore[no-untyped-def]
    OUTPUT.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = OUTPUT / f"{name}.png"
        browser.save_screenshot(str(path))
        return path

    return take
