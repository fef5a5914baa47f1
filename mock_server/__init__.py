"""sms-mock: a stateful simulator of the sms4sats and smsVerificationService APIs.

The app factory is ``mock_server.app.create_app``. This package imports nothing heavy on its own:
the pytest plugin is loaded by every pytest session once sms-mock is installed, and must not cost
those sessions Flask's import.
"""

__version__ = "0.1.0"
