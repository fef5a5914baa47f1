"""Request parsing and validation from the description, compiled once per operation.

Parameters arrive as text; they are read into the types their schemas name (the one place that
knows how), then every location and the JSON body are checked by Draft 2020-12 validators built
at start-up against a ``referencing`` registry holding the whole document, so ``$ref`` resolves
without copying schemas. Messages name the field and say what is wrong with it.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from mock_server.engine import jsonio
from mock_server.engine.errors import InvalidRequest, NotFound
from mock_server.engine.jsonio import json_type
from mock_server.engine.numbers import ascii_int
from mock_server.spec.document import Operation, Parameter, SpecDocument

_NUMBER = re.compile(r"-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?")
_FORMATS = FormatChecker()
MAX_MESSAGE = 300


def registry_for(doc: SpecDocument) -> Registry:
    """A registry in which ``<doc.uri>#/components/...`` names the document's parts."""
    resource = Resource.from_contents(doc.raw, default_specification=DRAFT202012)
    return Registry().with_resource(doc.uri, resource)


def inline(node: Any, doc: SpecDocument, seen: tuple[str, ...] = ()) -> Any:
    """A copy of ``node`` with its local ``$ref`` replaced by what they name.

    Resolving a reference at every validation costs more than the rest of the check, and the
    descriptions' schemas are not recursive; a reference that would recurse stays a reference
    (absolute, so the registry still resolves it).
    """
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            if ref in seen:
                return {**node, "$ref": f"{doc.uri}{ref}"}
            target = inline(doc.resolve({"$ref": ref}), doc, (*seen, ref))
            siblings = {k: inline(v, doc, seen) for k, v in node.items() if k != "$ref"}
            return {"allOf": [target], **siblings} if siblings else target  # both constraints hold
        return {k: inline(v, doc, seen) for k, v in node.items()}
    if isinstance(node, list):
        return [inline(v, doc, seen) for v in node]
    return node


class Schema:
    """One compiled schema: jsonschema-rs says quickly whether a value is valid (about 0.3 µs
    against 50 µs), and jsonschema, the authority, says what is wrong when it is not.

    jsonschema-rs checks formats strictly (an email, a date-time), so what it accepts jsonschema
    accepts too; a value it refuses is judged again by jsonschema. A schema that still holds a
    ``$ref`` (recursive) is left to jsonschema alone: jsonschema-rs would fetch it over HTTP.
    """

    def __init__(self, schema: Any, doc: SpecDocument, registry: Registry) -> None:
        inlined = inline(schema, doc)
        self.python = Draft202012Validator(inlined, registry=registry, format_checker=_FORMATS)
        self.fast: Any = None
        if not _has_ref(inlined):
            try:
                self.fast = jsonschema_rs.Draft202012Validator(inlined, validate_formats=True)
            except (ValueError, jsonschema_rs.ValidationError):
                self.fast = None  # a schema jsonschema-rs cannot compile: jsonschema alone

    def valid_at_once(self, value: Any) -> bool:
        """Whether jsonschema-rs says ``value`` is valid (False: ask jsonschema)."""
        if self.fast is None:
            return False
        try:
            return bool(self.fast.is_valid(value))
        except (ValueError, TypeError):  # a Python value it cannot read
            return False

    def iter_errors(self, value: Any) -> Iterator[ValidationError]:
        """Every reason ``value`` is invalid (none when it is valid)."""
        return iter(()) if self.valid_at_once(value) else self.python.iter_errors(value)

    def first_error(self, value: Any) -> ValidationError | None:
        """The error that best says what is wrong, or None (the usual case: no iterator)."""
        if self.valid_at_once(value):
            return None
        return best_match(self.python.iter_errors(value))


def _has_ref(node: Any) -> bool:
    if isinstance(node, dict):
        return "$ref" in node or any(_has_ref(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_ref(v) for v in node)
    return False


def compile_schema(schema: Any, doc: SpecDocument, registry: Registry) -> Schema:
    return Schema(schema, doc, registry)


@dataclass
class ParsedRequest:
    """What the pipeline hands a handler: typed parameters and the parsed body."""

    path: dict[str, Any]
    query: dict[str, Any]
    headers: dict[str, Any]
    body: Any


class RequestValidator:
    """Parses and checks one operation's requests."""

    def __init__(self, op: Operation, doc: SpecDocument, registry: Registry) -> None:
        self.op = op
        self.doc = doc
        self._params: dict[str, list[Parameter]] = {}
        for param in op.parameters:
            self._params.setdefault(param.location, []).append(param)
        self._location_validators = {
            location: compile_schema(
                {
                    "type": "object",
                    "properties": {p.name: p.schema for p in params},
                    "required": [p.name for p in params if p.required],
                },
                doc,
                registry,
            )
            for location, params in self._params.items()
        }
        self._types = {(p.location, p.name): _allowed_types(p.schema, doc) for p in op.parameters}
        self._body_validator = (
            compile_schema(op.body["schema"], doc, registry) if op.body is not None else None
        )

    # -- parameters ----------------------------------------------------------------------
    def parse(
        self,
        *,
        path: Mapping[str, str],
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        content_type: str | None,
        raw_body: bytes,
    ) -> ParsedRequest:
        """Read and check everything; raise :class:`InvalidRequest` naming the first bad field."""
        params = self._params
        path_values = self._read("path", {k: [v] for k, v in path.items()}) if path else {}
        query_values = self._read("query", query) if "query" in params or query else {}
        header_values = (
            self._read(
                "header", {k.lower(): [v] for k, v in headers.items()}, case_insensitive=True
            )
            if "header" in params
            else {}
        )
        body = self._read_body(content_type, raw_body)
        return ParsedRequest(path_values, query_values, header_values, body)

    def _read(
        self,
        location: str,
        raw: Mapping[str, list[str]],
        *,
        case_insensitive: bool = False,
    ) -> dict[str, Any]:
        params = self._params.get(location, [])
        values: dict[str, Any] = {}
        for param in params:
            key = param.name.lower() if case_insensitive else param.name
            texts = raw.get(key)
            if not texts:
                continue
            types = self._types[(location, param.name)]
            if "array" in types:
                values[param.name] = [_coerce(t, types) for t in texts]
            else:
                values[param.name] = _coerce(texts[0], types)
        validator = self._location_validators.get(location)
        if validator is not None:
            error = validator.first_error(values)
            if error is not None:
                raise self._param_error(location, error)
        return values

    def _param_error(self, location: str, error: ValidationError) -> InvalidRequest:
        if error.validator == "required":
            missing = _missing_property(error)
            return InvalidRequest(f"{missing} {location} parameter is required")
        name = str(error.absolute_path[0]) if error.absolute_path else "?"
        if location == "path":
            # A path that does not parse names no resource: the real servers' URL patterns
            # (e.g. Django's <int:order_id>) answer 404, not 400.
            return NotFound(f"no resource at this path ({name}: {_message(error)})")
        return InvalidRequest(f"{location} parameter {name}: {_message(error)}")

    # -- body ----------------------------------------------------------------------------
    def _read_body(self, content_type: str | None, raw_body: bytes) -> Any:
        spec = self.op.body
        if spec is None:
            return None
        if not raw_body.strip():
            if spec["required"]:
                raise InvalidRequest("request body is required (a JSON object)")
            return None
        if not _is_json(content_type):
            # 400, not 415: every documented POST answers 400 for a bad body (assumptions.md).
            raise InvalidRequest(
                "request body must be JSON (Content-Type: application/json),"
                f" not {content_type or 'no content type'}"
            )
        try:
            body = jsonio.loads(raw_body)
        except jsonio.JsonError as exc:
            raise InvalidRequest(f"request body is not valid JSON: {_short(str(exc))}") from None
        assert self._body_validator is not None
        error = self._body_validator.first_error(body)
        if error is not None:
            raise InvalidRequest(_body_message(error))
        return body


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    mime = content_type.split(";", 1)[0].strip().lower()
    return mime == "application/json" or mime.endswith("+json")


def _allowed_types(schema: Any, doc: SpecDocument) -> set[str]:
    """Every JSON type a parameter's schema admits, following $ref, anyOf and oneOf."""
    schema = doc.resolve(schema)
    if not isinstance(schema, dict):
        return {"string"}
    types: set[str] = set()
    declared = schema.get("type")
    if isinstance(declared, str):
        types.add(declared)
    elif isinstance(declared, list):
        types.update(declared)
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            types |= _allowed_types(sub, doc)
    for value in [*schema.get("enum", []), *([schema["const"]] if "const" in schema else [])]:
        types.add(json_type(value))
    return types or {"string"}


def _coerce(text: str, types: set[str]) -> Any:
    """A parameter's text read as the first type its schema admits that fits it."""
    if "integer" in types and (number := ascii_int(text)) is not None:
        return number
    if "number" in types and len(text) <= 64 and _NUMBER.fullmatch(text):
        value = float(text)
        return value if math.isfinite(value) else text
    if "boolean" in types and text in ("true", "false"):
        return text == "true"
    if "null" in types and text == "null":
        return None
    return text


def _missing_property(error: ValidationError) -> str:
    match = re.match(r"'(.+)' is a required property", error.message)
    return match.group(1) if match else error.message


def _field(path: Any) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _body_message(error: ValidationError) -> str:
    where = _field(error.absolute_path)
    if error.validator == "required":
        missing = _missing_property(error)
        return f"{where + '.' if where else ''}{missing} is required"
    if error.validator == "additionalProperties" and not where:
        return f"request body: {_message(error)}"
    return f"{where or 'request body'}: {_message(error)}"


def _message(error: ValidationError) -> str:
    if error.validator in ("anyOf", "oneOf") and not error.context:
        return _short(f"{error.instance!r} does not match the allowed forms")
    return _short(error.message)


def _short(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


class ResponseValidator:
    """Checks what the simulator answers against the operation's documented responses.

    Only strict mode and the tests ask, so the schemas are compiled on first use: a server that
    never checks its answers does not pay for them at start or in memory.
    """

    def __init__(self, op: Operation, doc: SpecDocument, registry: Registry) -> None:
        self.op = op
        self._doc = doc
        self._registry = registry
        self._compiled: tuple[dict[str, Schema | None], dict[str, list[str]]] | None = None
        self._lock = threading.Lock()

    def _schemas(self) -> tuple[dict[str, Schema | None], dict[str, list[str]]]:
        with self._lock:
            if self._compiled is None:
                doc, registry = self._doc, self._registry
                validators: dict[str, Schema | None] = {}
                headers: dict[str, list[str]] = {}
                for status, response in self.op.responses.items():
                    media = (response.get("content") or {}).get("application/json")
                    validators[status] = (
                        compile_schema(media.get("schema", {}), doc, registry) if media else None
                    )
                    headers[status] = [
                        name
                        for name, header in (response.get("headers") or {}).items()
                        if doc.resolve(header).get("required")
                    ]
                self._compiled = (validators, headers)
            return self._compiled

    def problems(self, status: int, body: Any, headers: Mapping[str, str]) -> list[str]:
        """Why a response does not conform (empty when it does)."""
        validators, required_headers = self._schemas()
        key = str(status)
        if key not in validators:
            key = f"{key[0]}XX" if f"{key[0]}XX" in validators else "default"
        if key not in validators:
            return [f"status {status} is not documented for {self.op.operation_id}"]
        found: list[str] = []
        lowered = {k.lower() for k in headers}
        found += [
            f"header {h} is missing"
            for h in required_headers.get(key, [])
            if h.lower() not in lowered
        ]
        validator = validators[key]
        if validator is not None:
            found += [
                f"{_field(e.absolute_path) or 'body'}: {_short(e.message)}"
                for e in validator.iter_errors(body)
            ]
        return found
