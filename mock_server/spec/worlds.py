"""Which world a request is in, read at the HTTP edge: a ``/worlds/NAME/`` path prefix (for apps
that can change their base URL but not add a header) or the ``X-Mock-World`` header.

:class:`WorldPaths` takes the prefix off before routing, as a WSGI server mounted under a path
does (``SCRIPT_NAME``), so every documented path, journal entry and fault rule reads the same in
every world.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from mock_server.engine.worlds import WORLD_HEADER, BadWorldName, check_name

PREFIX = "/worlds/"
PATH_KEY = "sms_mock.world"  # in the WSGI environ: the world the path named


class WorldPaths:
    """WSGI middleware: ``/worlds/NAME/createorder`` is ``/createorder`` in world ``NAME``."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith(PREFIX):
            name, _, rest = path[len(PREFIX) :].partition("/")
            environ[PATH_KEY] = name
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + PREFIX + name
            environ["PATH_INFO"] = "/" + rest
        return self.app(environ, start_response)


def world_name(environ: Mapping[str, Any], headers: Mapping[str, str]) -> str | None:
    """The world a request names (None: ``default``); a name that cannot be one, or a path and a
    header that name two different worlds, is a 400."""
    from_path = environ.get(PATH_KEY)
    from_header = (headers.get(WORLD_HEADER) or "").strip() or None
    if from_path is not None and from_header is not None and from_header != from_path:
        raise BadWorldName(
            f"the path names the world {from_path!r} and {WORLD_HEADER} names {from_header!r};"
            " name one world"
        )
    name = from_path if from_path is not None else from_header
    return None if name is None else check_name(name)
