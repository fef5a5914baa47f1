from mock_server.apis.smsverify.routes import SMSVERIFY_API

__all__ = ["SMSVERIFY_API"]
