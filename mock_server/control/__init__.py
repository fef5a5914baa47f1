"""The control API (/_mock): the simulator's own routes, and each API's from its package."""

from mock_server.control.routes import control_api

__all__ = ["control_api"]
