"""Serve an app on a free port in a thread, and stop it cleanly."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mock_server.serving import ServerLimits, create_server


@contextmanager
def serving(app: Any, *, threads: int = 8, limits: ServerLimits | None = None) -> Iterator[str]:
    """Serve ``app`` as `sms-mock serve` does, on 127.0.0.1 and a free port; yields the base URL."""
    server = create_server(app, host="127.0.0.1", port=0, threads=threads, limits=limits)
    thread = threading.Thread(target=server.run, name="sms-mock", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=5)
