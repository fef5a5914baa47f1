"""Compare a real response with its operation's description, by shape only.

Values that change on every call (ids, prices, times) are ignored; what is reported is a
:class:`Difference` of one of these kinds: a new field, a missing field, a type changed, a new
status code, a new error text, or an endpoint gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mock_server.engine.jsonio import json_type
from mock_server.spec.document import Operation, SpecDocument

_JSON_TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
}


@dataclass(frozen=True)
class Difference:
    api: str
    operation: str
    probe: str
    kind: str
    where: str
    detail: str

    def line(self) -> str:
        return (
            f"{self.api} {self.operation} [{self.probe}] {self.kind}: {self.where} - {self.detail}"
        )


def compare_response(
    doc: SpecDocument,
    op: Operation,
    probe: str,
    status: int,
    content_type: str,
    body: Any,
    *,
    expected_text: str | None = None,
) -> list[Difference]:
    """Every difference between one real answer and what ``op`` documents."""

    def diff(kind: str, where: str, detail: str) -> Difference:
        return Difference(doc.api, op.operation_id, probe, kind, where, detail)

    json_answer = content_type.split(";")[0].strip() == "application/json" and body is not NOT_JSON
    documented = op.responses.get(str(status)) or op.responses.get(f"{str(status)[0]}XX")
    if status in (404, 405) and (documented is None or not json_answer):
        return [diff("endpoint gone", f"{op.method} {op.path}", f"answered {status}")]
    if documented is None:
        codes = ", ".join(sorted(op.responses))
        return [diff("new status code", str(status), f"documented: {codes}")]
    if not json_answer:
        return [diff("type changed", "body", f"not JSON ({content_type or 'no content type'})")]
    media = (documented.get("content") or {}).get("application/json")
    found: list[Difference] = []
    if media is not None:
        found += [diff(k, w, d) for k, w, d in _shape(doc, media.get("schema", {}), body, "body")]
    if expected_text is not None:
        text = _error_text(body)
        if text is not None and text != expected_text:
            found.append(diff("new error text", "body", f"{text!r} (expected {expected_text!r})"))
    return found


# The body of an answer that was not JSON at all.
NOT_JSON: Any = object()


def _error_text(body: Any) -> str | None:
    if isinstance(body, dict):
        for key in ("error", "reason", "detail", "message"):
            if isinstance(body.get(key), str):
                return body[key]
    return None


def _shape(doc: SpecDocument, schema: Any, value: Any, where: str) -> list[tuple[str, str, str]]:
    """Shape differences of ``value`` against ``schema`` (follows $ref; best of anyOf/oneOf)."""
    schema = doc.resolve(schema)
    if not isinstance(schema, dict) or not schema:
        return []
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [_shape(doc, option, value, where) for option in schema[key]]
            return min(options, key=len)
    if "allOf" in schema:
        return [d for part in schema["allOf"] for d in _shape(doc, part, value, where)]
    if not _type_fits(schema, value):
        return [("type changed", where, f"{json_type(value)}, documented {_declared(schema)}")]
    found: list[tuple[str, str, str]] = []
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        for name in schema.get("required") or []:
            if name not in value:
                found.append(("missing field", f"{where}.{name}", "documented as required"))
        for name, item in value.items():
            if name in properties:
                found += _shape(doc, properties[name], item, f"{where}.{name}")
            elif properties or schema.get("additionalProperties") is False:
                found.append(("new field", f"{where}.{name}", f"{json_type(item)}, not documented"))
    elif isinstance(value, list) and "items" in schema:
        seen: set[tuple[str, str, str]] = set()
        for item in value:
            for kind, path, detail in _shape(doc, schema["items"], item, f"{where}[]"):
                seen.add((kind, path, detail))
        found += sorted(seen)
    return found


def _type_fits(schema: dict[str, Any], value: Any) -> bool:
    if "const" in schema:
        return type(value) is type(schema["const"]) or value == schema["const"]
    if "enum" in schema:
        return any(type(value) is type(option) for option in schema["enum"])
    declared = schema.get("type")
    if declared is None:
        return True
    kinds = declared if isinstance(declared, list) else [declared]
    return any(_is(kind, value) for kind in kinds)


def _is(kind: str, value: Any) -> bool:
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    expected = _JSON_TYPES.get(kind)
    return (
        expected is not None
        and isinstance(value, expected)
        and not (kind != "boolean" and isinstance(value, bool))
    )


def _declared(schema: dict[str, Any]) -> str:
    if "const" in schema:
        return repr(schema["const"])
    declared = schema.get("type", "any")
    return " or ".join(declared) if isinstance(declared, list) else str(declared)
