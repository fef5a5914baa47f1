"""The fault tests use the served simulator of tests/conftest.py (`faulty`)."""
