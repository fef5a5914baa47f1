"""sms-mock: a stateful simulator of the sms4sats and smsVerificationService APIs."""

__version__ = "0.1.0"

from mock_server.app import create_app

__all__ = ["__version__", "create_app"]
