"""The next API is one new package plus one line: a toy API, made in a temporary folder, is
served, checked, in the control API's health, in the scenario schema, in the CLI and in drift,
once its Service is added to SERVICES (the line in mock_server/services.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PACKAGE = {
    "__init__.py": '"""A toy API: one operation."""\n',
    "echo.yaml": """openapi: 3.1.0
info: {title: echo, version: "1"}
paths:
  /echo/ping:
    get:
      operationId: getPing
      responses:
        "200":
          description: pong
          content:
            application/json:
              schema:
                type: object
                required: [pong]
                properties: {pong: {type: string}}
              example: {pong: hello}
""",
    "service.py": """from pathlib import Path
from mock_server.services import Service

SERVICE = Service(
    name="echo",
    title="Echo",
    spec_file=str(Path(__file__).with_name("echo.yaml")),
    root="/echo/",
    real_url="https://echo.invalid",
    remote="echo_api.remote",
    package="echo_api",
    definition="echo_api.routes:ECHO_API",
    key_variable="ECHO_API_KEY",
    key_header="X-Echo-Key: {key}",
    order_id=r"echo-[0-9]+",
    code_field="code",
)
""",
    "routes.py": """from mock_server.spec.api import ApiDefinition, Reply
from echo_api.service import SERVICE


def get_ping(req):
    return Reply({"pong": req.sim.scenario.data.get("echo", {}).get("greeting", "hello")})


def render_error(error, operation):
    return Reply({"echo_error": error.message}, error.status, dict(error.headers))


ECHO_API = ApiDefinition(
    name=SERVICE.name,
    spec_file=SERVICE.spec_file,
    handlers={"getPing": get_ping},
    render_error=render_error,
    prefix=SERVICE.root,
)
""",
    "remote.py": """from decimal import Decimal
from mock_server.drift.probes import SAFE, Probe

PER_MINUTE = 60
GRADES = {"getPing": SAFE}
KEYED_SPEND = ()


def price_ceiling():
    return Decimal(0)


def probes(results):
    yield Probe("ping", "getPing", "GET", "/echo/ping", credentials=False)
""",
    "scenario.json": """{
  "settings": {
    "type": "object",
    "additionalProperties": false,
    "properties": {"greeting": {"type": "string", "description": "what /echo/ping answers"}}
  },
  "accounts": {"type": "array", "items": {"type": "object"}}
}
""",
}

CHECK = """
import json
import mock_server.services as services
from echo_api.service import SERVICE
services.SERVICES[SERVICE.name] = SERVICE  # the one line

from mock_server.app import create_app, worlds_of
from mock_server.cli import build_parser
from mock_server.drift.runner import run_drift
from mock_server.engine.scenarios import ScenarioError, ScenarioLibrary
from mock_server.testing.server import serving

app = create_app("virtual", strict=True)
client = app.test_client()
assert client.get("/echo/ping").get_json() == {"pong": "hello"}
assert client.get("/worlds/w1/echo/ping").get_json() == {"pong": "hello"}
assert client.get("/echo/nope").get_json() == {"echo_error": "no such endpoint: GET /echo/nope"}
assert client.get("/_mock/health").get_json()["apis"]["echo"] == "/echo/"
assert [e["api"] for e in client.get("/_mock/requests").get_json()["requests"]] == ["echo", "echo"]

library = ScenarioLibrary()
mine = library.load_text("name: hi\\nseed: 1\\necho: {greeting: hi there}\\n")
worlds_of(app).default.use_scenario(mine)
assert client.get("/echo/ping").get_json() == {"pong": "hi there"}
try:
    library.load_text("name: bad\\nseed: 1\\necho: {greeting: 5}\\n")
    raise AssertionError("the echo part of the schema is not applied")
except ScenarioError as exc:
    assert "echo.greeting" in str(exc), exc
rules = "name: r\\nseed: 1\\nfaults:\\n  - {match: {api: echo}, respond: {status: 503}}\\n"
library.load_text(rules)

args = build_parser().parse_args(["drift", "--api", "echo"])
assert args.api == "echo"
with serving(app) as url:
    found = run_drift("echo", url)
assert [r.status for r in found.results] == [200] and not found.differences, found.results
print("ok")
"""


def test_a_new_api_is_one_package_plus_one_line(tmp_path: Path) -> None:
    package = tmp_path / "echo_api"
    package.mkdir()
    for name, text in PACKAGE.items():
        (package / name).write_text(text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", CHECK],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert result.stdout.strip().endswith("ok"), result.stdout + result.stderr
