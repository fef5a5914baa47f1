"""The container image (Dockerfile), run by a real Docker engine.

The image is built before the tests, by `.ci/docker-image` (which `.ci/run` calls): it names it
in $SMS_MOCK_IMAGE. Where Docker cannot run, or no image was built, these tests say so and are
skipped; everything else in the suite runs.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

IMAGE_VARIABLE = "SMS_MOCK_IMAGE"
TOKEN = "container-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def docker(*args: str, timeout: float = 60, check: bool = True) -> str:
    done = subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and done.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


@pytest.fixture(scope="session")
def image() -> str:
    name = os.environ.get(IMAGE_VARIABLE)
    if not name:
        pytest.skip(f"no image to test: .ci/docker-image builds one, then set ${IMAGE_VARIABLE}")
    if shutil.which("docker") is None:
        pytest.skip("no docker command on this machine")
    engine = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=30)
    if engine.returncode != 0:
        pytest.skip(f"the Docker engine does not answer: {engine.stderr.strip()[:200]}")
    if subprocess.run(["docker", "image", "inspect", name], capture_output=True).returncode:
        pytest.skip(f"no image {name} (build it with .ci/docker-image)")
    return name


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Container:
    """One running container of the image, removed at the end of its test."""

    id: str
    url: str
    names: list[str] = field(default_factory=list)

    def logs(self) -> str:
        done = subprocess.run(
            ["docker", "logs", self.id], capture_output=True, text=True, timeout=30
        )
        return done.stdout + done.stderr

    def inspect(self) -> dict[str, Any]:
        return json.loads(docker("inspect", self.id))[0]

    def wait_until_answering(self, timeout: float = 60) -> dict[str, Any]:
        """Until the server in the container answers its health (a process starting: real
        time), then that answer."""
        deadline = time.monotonic() + timeout
        pause = threading.Event()
        while time.monotonic() < deadline:
            if not self.inspect()["State"]["Running"]:
                raise AssertionError(f"the container stopped:\n{self.logs()}")
            try:
                answer = requests.get(f"{self.url}/_mock/health", headers=AUTH, timeout=2)
            except requests.ConnectionError:
                pause.wait(0.1)  # real-time: the container is starting
                continue
            assert answer.status_code == 200, answer.text
            return answer.json()
        raise AssertionError(f"nothing answered at {self.url} within {timeout} s:\n{self.logs()}")

    def wait_for_health(self, timeout: float = 60) -> list[str]:
        """Docker's health states seen until its HEALTHCHECK says healthy or unhealthy."""
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        pause = threading.Event()
        while time.monotonic() < deadline:
            status = self.inspect()["State"].get("Health", {}).get("Status", "none")
            if not seen or seen[-1] != status:
                seen.append(status)
            if status in ("healthy", "unhealthy", "none"):
                return seen
            pause.wait(0.25)  # real-time: Docker runs the check every few seconds
        return seen

    def wait_for_exit(self, timeout: float = 60) -> dict[str, Any]:
        """The container's state once its process has ended."""
        docker("wait", self.id, timeout=timeout)
        return self.inspect()["State"]


@pytest.fixture
def run(image: str) -> Iterator[Any]:
    """Start a container of the image: ``run(*serve_args, docker=[...], network_host=...)``."""
    started: list[Container] = []

    def start(
        *serve_args: str,
        docker_args: tuple[str, ...] = (),
        network_host: bool = True,
        token: bool = True,
    ) -> Container:
        name = f"sms-mock-test-{uuid.uuid4().hex[:10]}"
        env = ("-e", f"SMS_MOCK_CONTROL_TOKEN={TOKEN}") if token else ()
        if network_host:  # every address on the host's loopback: callbacks reach the test
            port = free_port()
            where = ("--network", "host")
            serve_args = (*serve_args, "--port", str(port))
        else:
            port = free_port()
            where = ("-p", f"127.0.0.1:{port}:8080")
        container_id = docker(
            "run", "-d", "--name", name, *where, *env, *docker_args, image, *serve_args
        )
        container = Container(container_id, f"http://127.0.0.1:{port}", [name])
        started.append(container)
        return container

    yield start
    for container in started:
        docker("rm", "-f", container.id, check=False)
