"""An AI agent buying an SMS verification code over L402."""
