"""A request as the pipeline sees it: read once, with no web framework attached.

Two readers make the same :class:`HttpRequest`: :func:`parsed_request` from what the HTTP
server's parser read (the served path), :func:`read_request` from a WSGI environ (Flask's test
client, any WSGI server). Both take the ``/worlds/NAME/`` prefix off the path (as a server
mounted under a path does: the rest is what routes, journal entries and fault rules read) and
hold the body whole, within the size limit, so no later step reads the socket.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes

from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Request

WORLDS_PREFIX = "/worlds/"


CACHED_NAME_CHARS = 64  # header names up to this long are remembered (1,024 of them at most)


def _wsgi_key(name: str) -> str:
    """``x-api-key`` -> ``X_API_KEY``; the few names clients send over and over are looked up,
    not computed (the cache is bounded in names and, by their length, in bytes)."""
    if len(name) <= CACHED_NAME_CHARS:
        return _cached_key(name)
    return name.upper().replace("-", "_")


def _title(key: str) -> str:
    if len(key) <= CACHED_NAME_CHARS:
        return _cached_title(key)
    return key.replace("_", "-").title()


@lru_cache(maxsize=1024)
def _cached_key(name: str) -> str:
    return name.upper().replace("-", "_")


@lru_cache(maxsize=1024)
def _cached_title(key: str) -> str:
    return key.replace("_", "-").title()


def _raw_name(name: bytes) -> tuple[str, str]:
    """A header name as the parser read it -> its WSGI key and its title, remembered as
    :func:`_wsgi_key` remembers names."""
    if len(name) <= CACHED_NAME_CHARS:
        return _cached_raw_name(name)
    return _name_parts(name)


def _name_parts(name: bytes) -> tuple[str, str]:
    key = _wsgi_key(name.decode("latin-1"))
    return key, _title(key)


_cached_raw_name = lru_cache(maxsize=1024)(_name_parts)


class RequestHeaders(Mapping[str, str]):
    """Request headers named as WSGI names them: looked up in any case, ``-`` and ``_`` alike,
    listed as ``Title-Case``, a header sent twice joined with commas (werkzeug's reading of an
    environ, without the environ)."""

    __slots__ = ("_values",)

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        values: dict[str, tuple[str, str]] = {}
        for name, value in pairs:
            key = _wsgi_key(name)
            _add(values, key, _title(key), value)
        self._values = values

    @classmethod
    def of_raw(cls, pairs: Iterable[tuple[bytes, bytes]]) -> RequestHeaders:
        """The headers as an HTTP parser read them (Latin-1 bytes)."""
        values: dict[str, tuple[str, str]] = {}
        for name, value in pairs:
            key, title = _raw_name(name)
            _add(values, key, title, value.decode("latin-1"))
        headers = cls.__new__(cls)
        headers._values = values
        return headers

    def __getitem__(self, name: str) -> str:
        return self._values[_wsgi_key(name)][1]

    def get(self, name: str, default: Any = None) -> Any:
        found = self._values.get(_wsgi_key(name))
        return default if found is None else found[1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _wsgi_key(name) in self._values

    def __iter__(self) -> Iterator[str]:
        return (title for title, _ in self._values.values())

    def __len__(self) -> int:
        return len(self._values)

    def items(self) -> Iterator[tuple[str, str]]:  # type: ignore[override]
        return iter(self._values.values())


def _add(values: dict[str, tuple[str, str]], key: str, title: str, value: str) -> None:
    if key == "TRANSFER_ENCODING":  # the parser has taken the chunks apart already
        return
    seen = values.get(key)
    values[key] = (title, value) if seen is None else (seen[0], f"{seen[1]},{value}")


def split_world(path: str) -> tuple[str | None, str, str]:
    """``/worlds/NAME/rest`` -> (NAME, ``/worlds/NAME``, ``/rest``); any other path is its own."""
    if not path.startswith(WORLDS_PREFIX):
        return None, "", path
    world, _, rest = path[len(WORLDS_PREFIX) :].partition("/")
    return world, WORLDS_PREFIX + world, "/" + rest


@dataclass
class HttpRequest:
    """One request: where it goes, what it carries, who sent it."""

    method: str
    path: str  # within its world: /createorder, /api/v1/balance/
    query: dict[str, list[str]]
    query_string: str
    headers: Mapping[str, str]
    body: bytes
    content_type: str | None
    client: str  # the client's address (rate limits per client)
    root: str = ""  # what came before ``path``: /worlds/NAME, or nothing
    world: str | None = None  # the world the path named, if it named one
    body_problem: HTTPException | None = None  # the body could not be read (too large, cut)

    @property
    def is_json(self) -> bool:
        mimetype = (self.content_type or "").split(";")[0].strip().lower()
        return mimetype == "application/json" or mimetype.endswith("+json")

    @property
    def body_too_large(self) -> bool:
        return isinstance(self.body_problem, RequestEntityTooLarge)


def read_request(environ: dict[str, Any], max_body_bytes: int | None) -> HttpRequest:
    """The request in ``environ``; the world of a ``/worlds/NAME/`` path taken off its path."""
    world, prefix, path = split_world(environ.get("PATH_INFO", "") or "/")
    root = environ.get("SCRIPT_NAME", "") + prefix
    environ["SCRIPT_NAME"], environ["PATH_INFO"] = root, path
    request = Request(environ)
    request.max_content_length = max_body_bytes
    problem: HTTPException | None = None
    try:
        body = request.get_data(cache=True)
    except RequestEntityTooLarge:
        body, problem = b"", RequestEntityTooLarge(f"the limit is {max_body_bytes} bytes")
    except HTTPException as exc:  # the client sent less than it said, say
        body, problem = b"", exc
    args = request.args
    return HttpRequest(
        method=request.method,
        path=request.path,
        query={k: args.getlist(k) for k in args},
        query_string=request.query_string.decode("latin-1"),
        headers=request.headers,
        body=body,
        content_type=request.content_type,
        client=request.remote_addr or "unknown",
        root=root,
        world=world,
        body_problem=problem,
    )


def parsed_request(
    *,
    method: str,
    target: bytes,
    headers: Iterable[tuple[bytes, bytes]],
    body: bytes,
    too_large: bool,
    max_body_bytes: int | None,
    client: str,
) -> HttpRequest:
    """The request an HTTP parser read: its method, request target (path and query, as sent),
    headers and whole body; ``too_large``: the body was over ``max_body_bytes`` and not kept."""
    raw_path, _, raw_query = target.partition(b"?")
    # As werkzeug reads an environ: the path unquoted, then UTF-8; the query parsed from UTF-8.
    if b"%" in raw_path:
        raw_path = unquote_to_bytes(raw_path)
    world, root, path = split_world(raw_path.decode("utf-8", "replace") or "/")
    query_string = raw_query.decode("latin-1")
    query: dict[str, list[str]] = {}
    if raw_query:
        for name, value in parse_qsl(
            raw_query.decode("utf-8", "replace"),
            keep_blank_values=True,
            errors="werkzeug.url_quote",
        ):
            query.setdefault(name, []).append(value)
    fields = RequestHeaders.of_raw(headers)
    problem = RequestEntityTooLarge(f"the limit is {max_body_bytes} bytes") if too_large else None
    return HttpRequest(
        method=method,
        path="/" + path.lstrip("/"),
        query=query,
        query_string=query_string,
        headers=fields,
        body=b"" if too_large else body,
        content_type=fields.get("Content-Type"),
        client=client,
        root=root,
        world=world,
        body_problem=problem,
    )
