"""The fast path of validation never accepts what jsonschema refuses.

:class:`Schema` lets jsonschema-rs wave valid values through and asks jsonschema about the rest.
That is only sound if everything jsonschema-rs accepts jsonschema accepts too: checked here on
every schema of the three descriptions with values chosen to sit on the edges (formats, integers
written as floats, booleans, nulls, wrong types), and with values Hypothesis makes up.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server.resources import openapi_dir
from mock_server.spec.document import SpecDocument
from mock_server.spec.validation import Schema, registry_for

EDGES: list[Any] = [
    None,
    True,
    0,
    1,
    1.0,
    1.5,
    -1,
    2**40,
    Decimal("0.40"),
    "",
    "x",
    "187",
    "2026-01-01T00:00:00Z",
    "2026-01-01t00:00:00z",
    "2026-01-01T00:00:60Z",
    "2026-01-01 00:00:00",
    "2026-13-01T00:00:00Z",
    "someone@example.org",
    "someone@",
    "not an email",
    "https://example.org/hook",
    "example.org/hook",
    "http://",
    [],
    [1, "a"],
    {},
]


def schemas() -> list[tuple[str, Any, SpecDocument]]:
    found = []
    for path in sorted(openapi_dir().glob("*.yaml")):
        doc = SpecDocument(path, path.stem)
        for op in doc.operations:
            if op.body is not None:
                found.append((f"{op.operation_id} body", op.body["schema"], doc))
            for param in op.parameters:
                found.append((f"{op.operation_id} {param.name}", param.schema, doc))
            for status, response in op.responses.items():
                media = (response.get("content") or {}).get("application/json")
                if media:
                    found.append((f"{op.operation_id} {status}", media.get("schema", {}), doc))
    return found


SCHEMAS = schemas()


def values_for(schema: Any, doc: SpecDocument) -> list[Any]:
    """The edges, and the same edges as every property of an object schema."""
    resolved = doc.resolve(schema)
    names = list((resolved.get("properties") or {}) if isinstance(resolved, dict) else {})
    objects = [{name: value for name in names} for value in EDGES]
    objects += [{name: value} for name in names for value in EDGES]
    return EDGES + objects


def agree(schema: Schema, value: Any) -> None:
    fast_says_valid = schema.fast is not None and schema.fast.is_valid(value)
    if fast_says_valid:
        errors = list(schema.python.iter_errors(value))
        assert not errors, f"jsonschema-rs accepted {value!r}; jsonschema: {errors[0].message}"


def test_most_schemas_get_the_fast_path() -> None:
    compiled = [Schema(schema, doc, registry_for(doc)) for _, schema, doc in SCHEMAS]
    assert len(compiled) > 100
    assert sum(c.fast is not None for c in compiled) / len(compiled) > 0.95


@pytest.mark.parametrize(("name", "schema", "doc"), SCHEMAS, ids=[s[0] for s in SCHEMAS])
def test_what_the_fast_path_accepts_jsonschema_accepts(
    name: str, schema: Any, doc: SpecDocument
) -> None:
    compiled = Schema(schema, doc, registry_for(doc))
    for value in values_for(schema, doc):
        agree(compiled, value)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(index=st.integers(min_value=0, max_value=len(SCHEMAS) - 1), value=JSON)
def test_made_up_values_agree(index: int, value: Any) -> None:
    _, schema, doc = SCHEMAS[index]
    agree(Schema(schema, doc, registry_for(doc)), value)
