"""sms4sats as the rest of the simulator knows it (plain facts, no imports)."""

from mock_server.services import Service

SERVICE = Service(
    name="sms4sats",
    title="sms4sats",
    spec_file="sms4sats.yaml",
    root="/",
    real_url="https://api2.sms4sats.com",
    remote="mock_server.apis.sms4sats.remote",
    package="mock_server.apis.sms4sats",
    definition="mock_server.apis.sms4sats.routes:SMS4SATS_API",
    key_variable="SMS4SATS_API_KEY",
    key_header="X-API-Key: {key}",
    order_id=r"[0-9a-fA-F]{64}",  # the payment hash of its invoice
    code_field="code",
)
