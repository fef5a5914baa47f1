"""Drift detection: call the real services and report where they differ from the descriptions."""

from mock_server.drift.compare import Difference, compare_response
from mock_server.drift.runner import DriftRun, run_drift

__all__ = ["Difference", "DriftRun", "compare_response", "run_drift"]
