"""For the people who test against sms-mock: a client of the control API."""

from mock_server.testing.client import ControlClient, ControlError, SimulatorUnavailable

__all__ = ["ControlClient", "ControlError", "SimulatorUnavailable"]
