"""Where the API descriptions and the scenario library are found.

In a built wheel they ship as ``mock_server/_data/{openapi,scenarios}``; in a source checkout or
an editable install they are the repository's top-level ``openapi/`` and ``scenarios/``.
"""

from __future__ import annotations

from pathlib import Path

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
