"""smsVerificationService: its service facts (service.py), domain model, handlers and control
routes."""
