"""The sms4sats L402 API as the rest of the simulator knows it (plain facts, no imports)."""

from mock_server.services import Service

SERVICE = Service(
    name="l402",
    title="sms4sats L402",
    spec_file="sms4sats-l402.yaml",
    root="/v2/l402/",  # its index; /health and /.well-known/l402-services are at the host's root
    real_url="https://api.sms4sats.com",
    remote="mock_server.apis.l402.remote",
    package="mock_server.apis.l402",
    definition="mock_server.apis.l402.routes:L402_API",
    key_variable="SMS4SATS_L402_TOKEN",  # a paid token, "<macaroon>:<preimage>"
    key_header="Authorization: L402 {key}",
    order_id=r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
    code_field="code",
)
