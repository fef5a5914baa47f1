"""A larger fuzzing budget, with a fresh seed every run, over real HTTP against a served simulator.

The in-process suite (test_contract.py) runs a fixed budget; a 500 that only some random inputs
reach (a non-ASCII digit in a query) slipped past it and was found by schemathesis' CLI. This runs
that CLI. The seed is in the test's report header and in every failure; set SMS_MOCK_FUZZ_SEED to
run the same inputs again, SMS_MOCK_FUZZ_EXAMPLES to change the budget.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mock_server.app import create_app
from mock_server.resources import openapi_dir
from mock_server.testing.server import serving
from tests.contract.fuzzing import FUZZ_EXAMPLES, FUZZ_SEED

ROOT = Path(__file__).resolve().parents[2]
CHECKS = "not_a_server_error,content_type_conformance,response_schema_conformance"


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serving(create_app("contract", strict=True)) as base:
        yield base


@pytest.mark.parametrize(
    ("description", "excluded"),
    [
        ("sms4sats.yaml", []),
        ("smsverificationservice.yaml", []),
        ("sms4sats-l402.yaml", []),
        # Resetting or switching the scenario would pull the state from under the others.
        (
            "control.yaml",
            ["--exclude-operation-id", "reset", "--exclude-operation-id", "putScenario"],
        ),
    ],
)
def test_random_inputs_never_break_the_served_simulator(
    url: str, description: str, excluded: list[str]
) -> None:
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", str(openapi_dir() / description),
        "--url", url, "--seed", str(FUZZ_SEED), "--phases", "fuzzing",
        "--max-examples", str(FUZZ_EXAMPLES), "--checks", CHECKS, "--workers", "1",
        "--suppress-health-check", "all", "--warnings", "off", *excluded,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert result.returncode == 0, (
        f"schemathesis found failures with seed {FUZZ_SEED} "
        f"(SMS_MOCK_FUZZ_SEED={FUZZ_SEED} reruns them):\n{result.stdout[-6000:]}{result.stderr}"
    )
    assert f"Seed: {FUZZ_SEED}" in result.stdout
