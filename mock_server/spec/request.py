"""A request as the pipeline sees it: read once from WSGI, with no web framework attached.

:func:`read_request` takes the ``/worlds/NAME/`` prefix off the path (as a server mounted under
a path does: the rest is what routes, journal entries and fault rules read) and reads the body
once, within the size limit, so no later step reads the socket.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Request

WORLDS_PREFIX = "/worlds/"


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
    environ: dict[str, Any] | None = None  # the WSGI environ, for the edge alone

    @property
    def is_json(self) -> bool:
        mimetype = (self.content_type or "").split(";")[0].strip().lower()
        return mimetype == "application/json" or mimetype.endswith("+json")

    @property
    def body_too_large(self) -> bool:
        return isinstance(self.body_problem, RequestEntityTooLarge)


def read_request(environ: dict[str, Any], max_body_bytes: int | None) -> HttpRequest:
    """The request in ``environ``; the world of a ``/worlds/NAME/`` path taken off its path."""
    path = environ.get("PATH_INFO", "") or "/"
    world = None
    root = environ.get("SCRIPT_NAME", "")
    if path.startswith(WORLDS_PREFIX):
        world, _, rest = path[len(WORLDS_PREFIX) :].partition("/")
        root += WORLDS_PREFIX + world
        path = "/" + rest
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
        environ=environ,
    )
