"""The HTTP edge: a WSGI request in, the pipeline's reply out. The only place that knows WSGI.

A reply the pipeline marks as a reset leaves as a closed connection (:class:`ResetConnections`
does that at ``start_response``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.wrappers import Response

from mock_server.spec.faults import RESET_KEY
from mock_server.spec.pipeline import Pipeline, encode
from mock_server.spec.request import read_request


class Edge:
    """The simulator as a WSGI application: every request goes to :meth:`Pipeline.handle`."""

    def __init__(self, pipeline: Pipeline, max_body_bytes: int | None) -> None:
        self.pipeline = pipeline
        self.max_body_bytes = max_body_bytes

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        served = self.pipeline.handle(read_request(environ, self.max_body_bytes))
        if served.reset:
            environ[RESET_KEY] = True
        reply = served.reply
        response = Response(encode(reply), status=reply.status, mimetype="application/json")
        for name, value in reply.headers.items():
            response.headers[name] = value
        return response(environ, start_response)
