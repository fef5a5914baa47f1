"""Where the API descriptions and the scenario library are found.

In a built wheel they ship as ``mock_server/_data/{openapi,scenarios}``; in a source checkout or
an editable install they are the repository's top-level ``openapi/`` and ``scenarios/``.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"sms-mock cannot find its {name}/ folder (looked beside {_PACKAGE})")


def openapi_dir() -> Path:
    """The folder holding ``sms4sats.yaml``, ``smsverificationservice.yaml``, ``control.yaml``."""
    return _data_dir("openapi")


def scenarios_dir() -> Path:
    """The scenario library, with ``schema.json`` beside the scenarios."""
    return _data_dir("scenarios")


def schemathesis_config() -> Path:
    """The schemathesis.toml the contract suite and `sms-mock contract` share."""
    for candidate in (
        _PACKAGE / "_data" / "schemathesis.toml",
        _PACKAGE.parent / "schemathesis.toml",
    ):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"sms-mock cannot find its schemathesis.toml (looked beside {_PACKAGE})"
    )


@cache
def scenario_schema(base: Path) -> dict[str, Any]:
    """The scenario schema: ``base`` (what every scenario has) with each simulated API's part
    from its package (``scenario.json``: its settings and its seed accounts), and the fault
    rules' ``match.api`` naming the APIs. A base that has an API's part already keeps it."""
    from mock_server.services import SERVICES

    schema: dict[str, Any] = json.loads(base.read_text(encoding="utf-8"))
    properties = schema["properties"]
    tail = {k: properties.pop(k) for k in list(properties) if k in ("faults", "callbacks")}
    for service in SERVICES.values():
        fragment = service.scenario_fragment()
        properties.setdefault(service.name, fragment["settings"])
        properties["accounts"]["properties"].setdefault(service.name, fragment["accounts"])
    properties.update(tail)
    names = sorted(SERVICES)
    match = properties["faults"]["items"]["properties"]["match"]["properties"]
    match["api"] = {
        "anyOf": [
            {"enum": names},
            {"type": "array", "items": {"enum": names}, "minItems": 1},
        ],
        "description": match["api"].get("description", " or ".join(names)),
    }
    return schema
