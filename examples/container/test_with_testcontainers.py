"""A test suite that starts sms-mock as a container with the testcontainers package, as a Node
suite does with Testcontainers' GenericContainer (README, "In a container"): the image, a
control token, the port, and a wait on the health path.

    docker build -t sms-mock .
    SMS_MOCK_IMAGE=sms-mock python -m pytest examples/container

Where no Docker engine answers, or the image was not built, the tests say so and are skipped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import requests

IMAGE = os.environ.get("SMS_MOCK_IMAGE", "")
TOKEN = "example-token"
CONTROL = {"Authorization": f"Bearer {TOKEN}"}


def image_or_skip() -> str:
    import docker
    from docker.errors import DockerException, ImageNotFound

    if not IMAGE:
        pytest.skip("set SMS_MOCK_IMAGE to an image built from this repository's Dockerfile")
    try:
        docker.from_env().images.get(IMAGE)
    except ImageNotFound:
        pytest.skip(f"no image {IMAGE}: docker build -t {IMAGE} .")
    except DockerException as exc:
        pytest.skip(f"no Docker engine answers: {exc}")
    return IMAGE


@pytest.fixture(scope="module")
def sms_mock() -> Iterator[str]:
    """The base URL of a sms-mock container on the virtual clock, removed after the tests."""
    from testcontainers.core.config import testcontainers_config
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.wait_strategies import HttpWaitStrategy

    image = image_or_skip()
    # The reaper is an image of its own from Docker Hub; the with-block removes the container.
    testcontainers_config.ryuk_disabled = True
    container = (
        DockerContainer(image)
        .with_env("SMS_MOCK_CONTROL_TOKEN", TOKEN)
        .with_exposed_ports(8080)
        .with_command("--scenario virtual")  # after the image's `sms-mock serve`
        .waiting_for(
            HttpWaitStrategy(8080, "/_mock/health").with_header("Authorization", f"Bearer {TOKEN}")
        )
    )
    with container:
        host, port = container.get_container_host_ip(), container.get_exposed_port(8080)
        yield f"http://{host}:{port}"


def test_an_order_is_paid_and_its_code_arrives_on_the_advanced_clock(sms_mock: str) -> None:
    order = requests.post(
        f"{sms_mock}/createorder", json={"country": "usa", "service": "tg"}, timeout=10
    ).json()
    paid = requests.post(
        f"{sms_mock}/_mock/lightning/pay",
        json={"payreq": order["payreq"]},
        headers=CONTROL,
        timeout=10,
    )
    assert paid.json()["state"] == "ACCEPTED"
    requests.post(
        f"{sms_mock}/_mock/clock/advance", json={"seconds": 18}, headers=CONTROL, timeout=10
    )
    status = requests.get(
        f"{sms_mock}/orderstatus", params={"orderId": order["orderId"]}, timeout=10
    ).json()
    assert status["paid"] is True and status["code"]


def test_a_code_that_never_comes_cancels_the_invoice_at_21_minutes(sms_mock: str) -> None:
    order = requests.post(
        f"{sms_mock}/createorder",
        json={"country": "usa", "service": "tg"},
        headers={"X-Mock-Scenario": "code-never-arrives"},  # this order only
        timeout=10,
    ).json()
    requests.post(
        f"{sms_mock}/_mock/lightning/pay",
        json={"payreq": order["payreq"]},
        headers=CONTROL,
        timeout=10,
    )
    requests.post(
        f"{sms_mock}/_mock/clock/advance", json={"seconds": 21 * 60}, headers=CONTROL, timeout=10
    )
    invoice = requests.get(
        f"{sms_mock}/_mock/lightning/invoices/{order['orderId']}", headers=CONTROL, timeout=10
    ).json()
    assert invoice["state"] == "CANCELED"  # the held sats go back to the payer
    status = requests.get(
        f"{sms_mock}/orderstatus", params={"orderId": order["orderId"]}, timeout=10
    ).json()
    assert "No code received in time" in status["error"]
