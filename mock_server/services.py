"""The real services: where they are, and where their described paths begin."""

from __future__ import annotations

REAL_URLS = {
    "sms4sats": "https://api2.sms4sats.com",
    "smsverify": "https://smsverificationservice.com",
}
API_PREFIXES = {"sms4sats": "", "smsverify": "/api/v1"}


def service_root(api: str, base_url: str | None) -> str:
    """The host root the described paths hang from: the real service by default; for
    smsVerificationService its ``/api/v1`` (the plugin's ``smsverify_url``) works as well."""
    root = (base_url or REAL_URLS[api]).rstrip("/")
    prefix = API_PREFIXES[api]
    return root[: -len(prefix)] if prefix and root.endswith(prefix) else root
