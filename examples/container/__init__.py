"""sms-mock as a container, started by a Python test suite through the testcontainers package."""
