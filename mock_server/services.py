"""The simulated services, by name: what everything outside an API's package may know of it.

Each API package has a ``service.py`` with its :class:`Service` (plain facts, cheap to import:
the CLI, the client and drift read them without loading the simulator) and names the module
of its :class:`~mock_server.spec.api.ApiDefinition`. The app, the control API, the CLI and
drift are built from :data:`SERVICES`: a new API is a new package and one line here.
"""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import dataclass
from importlib import resources
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mock_server.spec.api import ApiDefinition


@dataclass(frozen=True)
class Service:
    """One real service and how the simulator serves it."""

    name: str  # as the CLI, the control API and the journal call it: sms4sats
    title: str  # as people call it
    spec_file: str  # its description in openapi/
    root: str  # where its described paths begin on the simulator ("/", "/api/v1/")
    real_url: str  # the real service's host root
    definition: str  # "module:attribute" of its ApiDefinition, imported when it is served
    remote: str  # the module of what drift and contract ask of the real service (probes, grades)
    package: str  # its package: scenario.json there is its part of the scenario schema
    key_variable: str  # the environment variable drift and contract take its key from
    key_header: str  # the header its key goes in, and how: "X-API-Key: {key}"
    order_id: str  # a regular expression of its order ids (sms-mock deliver tells them apart)
    code_field: str  # what POST /_mock/NAME/orders/{id}/sms calls the code it delivers

    @property
    def prefix(self) -> str:
        """The root as a path prefix: "" for "/", "/api/v1" for "/api/v1/"."""
        return self.root.rstrip("/")

    def key_headers(self, key: str) -> dict[str, str]:
        name, _, value = self.key_header.partition(": ")
        return {name: value.format(key=key)}

    def owns_order(self, order_id: str) -> bool:
        return re.fullmatch(self.order_id, order_id) is not None

    def api(self) -> ApiDefinition:
        module, _, attribute = self.definition.partition(":")
        return getattr(importlib.import_module(module), attribute)  # type: ignore[no-any-return]

    def scenario_fragment(self) -> dict[str, Any]:
        """Its part of the scenario schema: ``settings`` (the scenario's ``NAME:`` section)
        and ``accounts`` (``accounts.NAME``)."""
        text = resources.files(self.package).joinpath("scenario.json").read_text("utf-8")
        fragment: dict[str, Any] = json.loads(text)
        return fragment

    def remote_checks(self) -> ModuleType:
        """Its probes, grades, pace and price ceiling (see drift and contract)."""
        return importlib.import_module(self.remote)

    def service_root(self, base_url: str | None) -> str:
        """The host root the described paths hang from: the real service by default; a URL
        ending in the service's own root (the plugin's ``smsverify_url``) works as well."""
        root = (base_url or self.real_url).rstrip("/")
        prefix = self.prefix
        return root[: -len(prefix)] if prefix and root.endswith(prefix) else root


def _services() -> dict[str, Service]:
    from mock_server.apis.l402.service import SERVICE as L402
    from mock_server.apis.sms4sats.service import SERVICE as SMS4SATS
    from mock_server.apis.smsverify.service import SERVICE as SMSVERIFY

    return {s.name: s for s in (SMS4SATS, SMSVERIFY, L402)}


SERVICES: dict[str, Service] = _services()
REAL_URLS = {name: s.real_url for name, s in SERVICES.items()}


def service_root(api: str, base_url: str | None) -> str:
    return SERVICES[api].service_root(base_url)
