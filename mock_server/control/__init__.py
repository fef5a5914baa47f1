"""The control API (/_mock): the simulator's own routes, each API's from its package, and the
dashboard (/_mock/ui)."""

from mock_server.control.dashboard import DASHBOARD_API
from mock_server.control.routes import control_api

__all__ = ["DASHBOARD_API", "control_api"]
