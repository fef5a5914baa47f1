"""The sms4sats L402 agent API: orders paid per request with Lightning (L402 tokens)."""
