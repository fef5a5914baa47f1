from mock_server.apis.sms4sats.routes import SMS4SATS_API

__all__ = ["SMS4SATS_API"]
