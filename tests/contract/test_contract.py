"""The simulator conforms to its descriptions: schemathesis with every check, in-process.

Per operation: examples, coverage and fuzzing phases with every check schemathesis has
(server errors, status codes, content types, response schemas and headers, negative data
rejected, positive data accepted, methods, auth). Then stateful runs that follow the
descriptions' `links` (create an order -> its status, cancel, renew; fund -> history).
Check expectations that differ from schemathesis' defaults are in schemathesis.toml, with why.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, Phase, settings

from mock_server.app import create_app, simulation_of
from mock_server.resources import openapi_dir

EXAMPLES = 25  # per operation and phase; see the README's testing section
APP = create_app("contract", strict=True)
SIM = simulation_of(APP)
FAST = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
)


def _schema(name: str) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_path(openapi_dir() / name)
    schema.app = APP
    return schema


SMS4SATS = _schema("sms4sats.yaml")
SMSVERIFY = _schema("smsverificationservice.yaml")
L402 = _schema("sms4sats-l402.yaml")
CONTROL = _schema("control.yaml").exclude(
    # Resetting or switching the scenario mid-run would pull the state from under the other
    # operations' checks; both are exercised by tests/control.
    operation_id=["reset", "putScenario"]
)


@SMS4SATS.parametrize()
@FAST
def test_sms4sats_conforms(case: schemathesis.Case) -> None:
    # Credentials come from schemathesis.toml ([auth.openapi.*]), so its auth checks can take
    # them away or spoil them; what sms4sats answers instead (a documented 400) is said there
    # too, for this suite and `sms-mock contract` alike.
    case.call_and_validate()


@SMSVERIFY.parametrize()
@FAST
def test_smsverify_conforms(case: schemathesis.Case) -> None:
    case.call_and_validate()


@L402.parametrize()
@FAST
def test_l402_conforms(case: schemathesis.Case) -> None:
    # No credentials are generated (an L402 token is per order): each paid operation answers
    # its documented 402 challenge, or 401 to credentials it cannot read, 404 to unknown ids.
    case.call_and_validate()


@CONTROL.parametrize()
@FAST
def test_control_conforms(case: schemathesis.Case) -> None:
    case.call_and_validate()


def _workflows(schema: schemathesis.BaseSchema, excluded: list) -> type:
    machine = schema.as_state_machine()

    class Workflows(machine):  # type: ignore[misc, valid-type]
        def setup(self) -> None:
            SIM.reset("contract")

        def validate_response(self, response, case, additional_checks=(), **kwargs):  # type: ignore[no-untyped-def]
            case.validate_response(response, excluded_checks=excluded)

    Workflows.TestCase.settings = settings(
        FAST, max_examples=15, stateful_step_count=6, phases=[Phase.generate]
    )
    return Workflows


test_sms4sats_workflows = _workflows(SMS4SATS, []).TestCase
test_smsverify_workflows = _workflows(SMSVERIFY, []).TestCase
