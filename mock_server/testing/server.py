"""Serve an app on a free port in a thread, and stop it cleanly."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from waitress.wasyncore import close_all

from mock_server.serving import ServerLimits, create_server


@contextmanager
def serving(app: Any, *, threads: int = 8, limits: ServerLimits | None = None) -> Iterator[str]:
    """Serve ``app`` as `sms-mock serve` does, on 127.0.0.1 and a free port; yields the base URL."""
    server = create_server(app, host="127.0.0.1", port=0, threads=threads, limits=limits)
    stopping = threading.Event()

    def run() -> None:
        try:
            server.run()
        except (OSError, ValueError):
            # Its sockets are closed from this thread's outside when stopping; the polling loop
            # may see a closed descriptor once before it notices. Anything else is real.
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=run, name="sms-mock", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stopping.set()
        server.task_dispatcher.shutdown()  # workers first: none may write to a closed socket
        close_all(server._map)  # every dispatcher: the listener, its trigger, open connections
        thread.join(timeout=5)
