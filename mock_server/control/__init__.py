from mock_server.control.routes import CONTROL_API

__all__ = ["CONTROL_API"]
