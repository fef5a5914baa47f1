"""The HTTP server behind the simulator: waitress, with the limits a shared instance needs.

A server one team or a CI farm shares must keep answering new clients while hundreds of
connections sit idle in client pools, or trickle a request in byte by byte (slowloris):

- up to ``connection_limit`` connections at once (waitress' default is 100), polled with
  ``poll()`` rather than ``select()``, which cannot watch descriptors past 1,024;
- a connection with nothing in flight is closed after ``idle_timeout`` seconds;
- a request must arrive whole (headers and body) within ``request_timeout`` seconds of its
  first byte, however slowly it trickles, or its connection is closed;
- the process may open as many descriptors as its hard limit allows.

The checks run every ``check_interval`` seconds, so a connection is closed at most that long
after its limit. A request being answered (one held by a latency fault, say) is never cut.
"""

from __future__ import annotations

import contextlib
import resource
import time
from dataclasses import dataclass
from typing import Any

from waitress import create_server as waitress_server
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import BaseWSGIServer


@dataclass(frozen=True)
class ServerLimits:
    connection_limit: int = 1000
    idle_timeout: int = 30
    request_timeout: int = 30
    check_interval: int = 1


class _TimedParser(HTTPRequestParser):
    """A request being read, and when its first byte came."""

    def __init__(self, adj: Any) -> None:
        super().__init__(adj)
        self.started = time.time()


class _Channel(HTTPChannel):
    parser_class = _TimedParser


def create_server(
    app: Any, *, host: str, port: int, threads: int, limits: ServerLimits | None = None
) -> Any:
    """A waitress server for ``app`` that keeps to ``limits``; call ``run()`` to serve."""
    limits = limits or ServerLimits()
    _raise_descriptor_limit(limits.connection_limit)
    server = waitress_server(
        app,
        host=host,
        port=port,
        threads=threads,
        connection_limit=limits.connection_limit,
        channel_timeout=limits.idle_timeout,
        cleanup_interval=limits.check_interval,
        asyncore_use_poll=True,
    )
    listeners = (
        [server]
        if isinstance(server, BaseWSGIServer)
        else [d for d in server.map.values() if isinstance(d, BaseWSGIServer)]
    )
    for listener in listeners:
        _time_out_slow_requests(listener, limits.request_timeout)
    return server


def _time_out_slow_requests(server: BaseWSGIServer, timeout: int) -> None:
    server.channel_class = _Channel
    idle = server.maintenance

    def maintenance(now: float) -> None:
        idle(now)  # waitress' own: idle connections
        cutoff = now - timeout
        for channel in list(server.active_channels.values()):
            partial = channel.request
            if partial is not None and not channel.requests and partial.started < cutoff:
                channel.will_close = True

    server.maintenance = maintenance  # type: ignore[method-assign]


def _raise_descriptor_limit(connections: int) -> None:
    """Let the process open a descriptor per connection, and some for files, if it may."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + 64
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
