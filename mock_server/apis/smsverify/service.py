"""smsVerificationService as the rest of the simulator knows it (plain facts, no imports)."""

from mock_server.services import Service

SERVICE = Service(
    name="smsverify",
    title="smsVerificationService",
    spec_file="smsverificationservice.yaml",
    root="/api/v1/",
    real_url="https://smsverificationservice.com",
    remote="mock_server.apis.smsverify.remote",
    package="mock_server.apis.smsverify",
    definition="mock_server.apis.smsverify.routes:SMSVERIFY_API",
    key_variable="SMSVERIFY_API_KEY",
    key_header="Authorization: Bearer {key}",
    order_id=r"[0-9]+",
    code_field="otp",
)
