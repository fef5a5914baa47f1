"""An OpenAPI 3.1 description read into :class:`Operation` objects: the simulator's route table.

Only what the simulator needs is extracted (path, method, parameters, body, responses, security,
``x-`` extensions); schemas stay as written and are compiled by :mod:`.validators`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_TEMPLATE = re.compile(r"\{([^{}/]+)\}")


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # query, path, header, cookie
    required: bool
    schema: dict[str, Any]
    example: Any = None


@dataclass(frozen=True)
class SecurityScheme:
    name: str
    type: str  # apiKey, http
    location: str = "header"
    key_name: str = ""  # the header for apiKey schemes
    scheme: str = ""  # bearer, for http schemes


@dataclass
class Operation:
    """One operation of one API, with everything the request pipeline needs."""

    api: str
    operation_id: str
    method: str
    path: str
    pointer: str  # JSON pointer of the operation in the document
    parameters: list[Parameter]
    body: dict[str, Any] | None  # {"required": bool, "schema": ..., "pointer": ...}
    responses: dict[str, dict[str, Any]]
    security: list[dict[str, list[str]]]
    extensions: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def flask_rule(self) -> str:
        """The path as a Werkzeug rule: ``/order/{order_id}/`` -> ``/order/<order_id>/``."""
        return _TEMPLATE.sub(r"<\1>", self.path)

    @cached_property
    def handler_name(self) -> str:
        """The handler bound to this operation: its operationId in snake_case."""
        return snake_case(self.operation_id)

    def example(self, status: int | str, name: str | None = None) -> Any:
        """A documented example response body (the first one when there are several)."""
        media = self.response_media(str(status))
        if media is None:
            raise KeyError(f"{self.operation_id} documents no JSON response {status}")
        if "example" in media:
            return media["example"]
        examples = media.get("examples") or {}
        if name is not None:
            return examples[name]["value"]
        return next(iter(examples.values()))["value"]

    def response_media(self, status: str) -> dict[str, Any] | None:
        response = self.responses.get(status)
        if response is None:
            return None
        return (response.get("content") or {}).get("application/json")


class SpecDocument:
    """A loaded description: the raw document plus its operations and security schemes."""

    def __init__(self, path: Path, api: str) -> None:
        self.path = path
        self.api = api
        self.raw: dict[str, Any] = _read(path, path.stat().st_mtime_ns)
        self.uri = f"urn:sms-mock:{api}"
        self.security_schemes = {
            name: _scheme(name, body)
            for name, body in (self.raw.get("components", {}).get("securitySchemes") or {}).items()
        }
        self.operations = list(self._operations())

    def resolve(self, node: Any) -> Any:
        """Follow a local ``$ref`` (``#/components/...``) to what it names."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise ValueError(f"{self.path}: only local $ref are supported, not {ref}")
            node = self.raw
            for part in ref[2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            seen += 1
            if seen > 32:
                raise ValueError(f"{self.path}: $ref loop at {ref}")
        return node

    def _operations(self) -> Any:
        default_security = self.raw.get("security", [])
        for path, item in (self.raw.get("paths") or {}).items():
            shared = [self.resolve(p) for p in item.get("parameters", [])]
            for method in HTTP_METHODS:
                if method not in item:
                    continue
                op = item[method]
                pointer = f"/paths/{_escape(path)}/{method}"
                params = {(p["name"], p["in"]): p for p in shared}
                params.update(
                    {(p["name"], p["in"]): p for p in map(self.resolve, op.get("parameters", []))}
                )
                yield Operation(
                    api=self.api,
                    operation_id=op.get("operationId", ""),
                    method=method.upper(),
                    path=path,
                    pointer=pointer,
                    parameters=[
                        Parameter(
                            name=p["name"],
                            location=p["in"],
                            required=bool(p.get("required", p["in"] == "path")),
                            schema=p.get("schema", {}),
                            example=p.get("example"),
                        )
                        for p in params.values()
                    ],
                    body=self._body(op, pointer),
                    responses={
                        str(code): self.resolve(resp)
                        for code, resp in (op.get("responses") or {}).items()
                    },
                    security=op.get("security", default_security),
                    extensions={k: v for k, v in op.items() if k.startswith("x-")},
                    raw=op,
                )

    def _body(self, op: dict[str, Any], pointer: str) -> dict[str, Any] | None:
        body = self.resolve(op.get("requestBody"))
        if not body:
            return None
        media = (body.get("content") or {}).get("application/json")
        if media is None:
            return None
        return {
            "required": bool(body.get("required", False)),
            "schema": media.get("schema", {}),
            "example": media.get("example"),
            "pointer": f"{pointer}/requestBody/content/application~1json/schema",
        }


@cache
def _read(path: Path, mtime_ns: int) -> dict[str, Any]:
    """A description parsed once per version of the file (read-only: never mutate it).

    Parsing dominates start-up, so libyaml's loader is used when PyYAML was built with it.
    """
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)


def _scheme(name: str, body: dict[str, Any]) -> SecurityScheme:
    return SecurityScheme(
        name=name,
        type=body["type"],
        location=body.get("in", "header"),
        key_name=body.get("name", ""),
        scheme=str(body.get("scheme", "")).lower(),
    )


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def snake_case(name: str) -> str:
    """``getOrderStatus`` -> ``get_order_status``; ``orderRent1Day`` -> ``order_rent1_day``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()
