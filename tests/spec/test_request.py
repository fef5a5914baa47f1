"""The two readers of a request agree: what the server's parser read (``parsed_request``) is the
request a WSGI server would hand over (``read_request`` through werkzeug), field by field."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import unquote_to_bytes

from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server.spec.request import RequestHeaders, parsed_request, read_request

LIMIT = 64


def environ_of(
    method: str, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes
) -> dict[str, Any]:
    """The request as a WSGI server (PEP 3333) hands it over."""
    path, _, query = target.partition(b"?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
        "QUERY_STRING": query.decode("latin-1"),
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8080",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.7",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
    }
    for name, value in headers:
        key = name.decode("latin-1").upper().replace("-", "_")
        text = value.decode("latin-1")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = text
            continue
        key = "HTTP_" + key
        environ[key] = f"{environ[key]},{text}" if key in environ else text
    environ["CONTENT_LENGTH"] = str(len(body))
    return environ


def both(method: str, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes) -> tuple:
    ours = parsed_request(
        method=method,
        target=target,
        headers=headers,
        body=body,
        too_large=len(body) > LIMIT,
        max_body_bytes=LIMIT,
        client="10.0.0.7",
    )
    theirs = read_request(environ_of(method, target, headers, body), LIMIT)
    return ours, theirs


def assert_same(ours: Any, theirs: Any) -> None:
    for field in ("method", "path", "query", "query_string", "content_type", "client"):
        assert getattr(ours, field) == getattr(theirs, field), field
    assert (ours.root, ours.world) == (theirs.root, theirs.world)
    assert ours.body == theirs.body
    assert ours.body_too_large == theirs.body_too_large
    assert dict(ours.headers.items()) == {
        k: v for k, v in theirs.headers.items() if k != "Content-Length"
    }
    for name in ("x-api-key", "AUTHORIZATION", "X_Mock_World", "content-type", "nope"):
        assert ours.headers.get(name) == theirs.headers.get(name), name


def test_a_plain_request_reads_the_same() -> None:
    ours, theirs = both(
        "POST",
        b"/createorder?country=187&service=tg&service=wa&empty=",
        [(b"Content-Type", b"application/json"), (b"X-API-Key", b"k1")],
        b'{"country": 187}',
    )
    assert_same(ours, theirs)
    assert ours.query == {"country": ["187"], "service": ["tg", "wa"], "empty": [""]}
    assert ours.headers["x-api-key"] == "k1" and list(ours.headers) == ["Content-Type", "X-Api-Key"]


def test_a_world_in_the_path_and_escapes_read_the_same() -> None:
    for target in (
        b"/worlds/qa-1/createorder",
        b"/worlds/a%2Fb/price",
        b"/worlds/",
        b"//createorder",
        b"/price?country=%ff&service=a%20b&x",
        b"/caf%C3%A9?q=%E2%82%AC",
        b"/%ff%fe",
        b"",
    ):
        assert_same(*both("GET", target, [], b""))


def test_a_header_sent_twice_is_joined_and_chunking_is_not_a_header() -> None:
    headers = [
        (b"Authorization", b"Bearer a"),
        (b"authorization", b"Bearer b"),
        (b"Transfer-Encoding", b"chunked"),
    ]
    ours, theirs = both("GET", b"/api/v1/balance/", headers, b"")
    assert ours.headers["Authorization"] == "Bearer a,Bearer b"
    assert "Transfer-Encoding" not in ours.headers
    assert ours.headers.get("authorization") == theirs.headers.get("authorization")


def test_a_body_over_the_limit_is_dropped_and_said() -> None:
    ours, theirs = both("POST", b"/createorder", [], b"x" * (LIMIT + 1))
    assert ours.body == b"" and ours.body_too_large and theirs.body_too_large
    assert RequestHeaders([]).get("x", "none") == "none"


TEXT = st.text(
    st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="?#"), max_size=12
)


@settings(max_examples=300, deadline=None)
@given(
    segments=st.lists(TEXT, max_size=4),
    query=st.lists(st.tuples(TEXT, TEXT), max_size=4),
    headers=st.lists(
        st.tuples(
            st.sampled_from(["X-API-Key", "x-api-key", "Authorization", "X-Mock-World", "X_Odd"]),
            st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=10),
        ),
        max_size=4,
    ),
    world=st.one_of(st.none(), TEXT),
)
def test_any_request_reads_the_same(
    segments: list[str], query: list[tuple[str, str]], headers: list[tuple[str, str]], world: Any
) -> None:
    path = "/" + "/".join(segments)
    if world is not None:
        path = f"/worlds/{world}{path}"
    target = path + ("?" + "&".join(f"{k}={v}" for k, v in query) if query else "")
    raw = [(k.encode(), v.encode()) for k, v in headers]
    assert_same(*both("GET", target.encode(), raw, b""))


def test_long_header_names_are_not_remembered() -> None:
    from mock_server.spec import request

    request._cached_key.cache_clear()
    names = [f"X-{i}-" + "n" * 5000 for i in range(50)] + ["X-Api-Key"]
    headers = RequestHeaders((name, "v") for name in names)
    assert headers.get("x-api-key") == "v" and headers.get(names[0].lower()) == "v"
    assert request._cached_key.cache_info().currsize <= 2  # the short names only


def test_long_header_names_read_by_the_parser_are_not_remembered() -> None:
    from mock_server.spec import request

    request._cached_raw_name.cache_clear()
    names = [f"X-{i}-".encode() + b"n" * 5000 for i in range(50)] + [b"X-Api-Key"]
    headers = RequestHeaders.of_raw((name, b"v") for name in names)
    assert headers.get("x-api-key") == "v" and headers.get(names[0].decode().lower()) == "v"
    assert request._cached_raw_name.cache_info().currsize == 1  # the short name only
