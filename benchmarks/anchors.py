"""The mock servers sms-mock is measured against, installed and started on demand.

Every anchor is installed from a registry this machine reaches, into ``benchmarks/.anchors``
(npm: Prism, WireMock's standalone jar, Mockoon's CLI, mountebank; Java from Debian when
missing). Prism mocks the same descriptions; the three static stubs serve sms-mock's own
answers to the benchmark's requests, matched on method and path, and keep no state.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ANCHORS = ROOT / "benchmarks" / ".anchors"
BIN = ANCHORS / "node_modules" / ".bin"
PACKAGES = ("@stoplight/prism-cli@5", "wiremock@3", "@mockoon/cli@9", "mountebank@2")

# One stub a request: (method, path, status, JSON body text)
Stub = tuple[str, str, int, str]
JSON = {"Content-Type": "application/json"}


def ensure_installed() -> None:
    """npm packages into benchmarks/.anchors, and a Java runtime for WireMock."""
    if not all((BIN / tool).exists() for tool in ("prism", "mockoon-cli", "mb")) or not _jar():
        ANCHORS.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(ANCHORS), *PACKAGES],
            check=True,
        )
    if shutil.which("java") is None:
        if not (shutil.which("apt-get") and os.geteuid() == 0):
            raise SystemExit("WireMock needs Java: apt-get install default-jre-headless")
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "default-jre-headless"], check=True)


def versions() -> dict[str, str]:
    def version(package: str) -> str:
        manifest = ANCHORS / "node_modules" / package / "package.json"
        return str(json.loads(manifest.read_text())["version"])

    return {
        "Prism": version("@stoplight/prism-cli"),
        "WireMock": version("wiremock"),
        "Mockoon": version("@mockoon/cli"),
        "mountebank": version("mountebank"),
    }


def _jar() -> Path | None:
    return next((ANCHORS / "node_modules" / "wiremock").glob("**/wiremock-standalone-*.jar"), None)


def prism_command(spec: Path) -> list[str]:
    return [str(BIN / "prism"), "mock", "-h", "127.0.0.1", str(spec), "-p"]


@contextmanager
def wiremock_files(stubs: list[Stub]) -> Iterator[list[str]]:
    """WireMock's command (the port follows) and its stub mappings, as its docs lay them out."""
    with tempfile.TemporaryDirectory(prefix="sms-mock-wiremock-") as root:
        mappings = Path(root) / "mappings"
        mappings.mkdir()
        for i, (method, path, status, body) in enumerate(stubs):
            mapping = {
                "request": {"method": method, "urlPath": path},
                "response": {
                    "status": status,
                    "body": body,
                    "headers": {"Content-Type": "application/json"},
                },
            }
            (mappings / f"{i}.json").write_text(json.dumps(mapping))
        jar = _jar()
        assert jar is not None
        yield ["java", "-jar", str(jar), "--root-dir", root, "--disable-banner", "--port"]


@contextmanager
def mockoon_files(stubs: list[Stub]) -> Iterator[list[str]]:
    """Mockoon's command (the port follows) and an environment of one route per stub."""
    routes = []
    for method, path, status, body in stubs:
        response = {
            "uuid": str(uuid.uuid4()),
            "body": body,
            "statusCode": status,
            "headers": [{"key": "Content-Type", "value": "application/json"}],
            "default": True,
        }
        routes.append(
            {
                "uuid": str(uuid.uuid4()),
                "type": "http",
                "method": method.lower(),
                "endpoint": path.lstrip("/"),
                "responses": [response],
            }
        )
    environment = {
        "uuid": str(uuid.uuid4()),
        "lastMigration": 33,
        "name": "sms-mock benchmark",
        "port": 3000,
        "routes": routes,
        "rootChildren": [{"type": "route", "uuid": r["uuid"]} for r in routes],
    }
    with tempfile.TemporaryDirectory(prefix="sms-mock-mockoon-") as root:
        data = Path(root) / "environment.json"
        data.write_text(json.dumps(environment))
        quiet = "--disable-log-to-file"
        yield [str(BIN / "mockoon-cli"), "start", quiet, "--data", str(data), "--port"]


@contextmanager
def mountebank_files(stubs: list[Stub], port_holder: list[int]) -> Iterator[list[str]]:
    """mountebank's command (its admin port follows) and one HTTP imposter on the port that
    ``port_holder`` gives (mountebank serves an imposter on a port of its own)."""
    stub_list = [
        {
            "predicates": [{"equals": {"method": method, "path": path}}],
            "responses": [{"is": {"statusCode": status, "headers": JSON, "body": body}}],
        }
        for method, path, status, body in stubs
    ]
    imposters = {"imposters": [{"port": port_holder[0], "protocol": "http", "stubs": stub_list}]}
    with tempfile.TemporaryDirectory(prefix="sms-mock-mountebank-") as root:
        config = Path(root) / "imposters.json"
        config.write_text(json.dumps(imposters))
        files = ["--pidfile", str(Path(root) / "mb.pid"), "--logfile", str(Path(root) / "mb.log")]
        yield [str(BIN / "mb"), "start", "--configfile", str(config), *files, "--port"]
