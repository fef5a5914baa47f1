"""sms4sats: its service facts (service.py), domain model, handlers and control routes."""
