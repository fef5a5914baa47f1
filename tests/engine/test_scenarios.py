from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from mock_server.engine.scenarios import ScenarioError, ScenarioLibrary
from mock_server.resources import scenarios_dir


@pytest.fixture
def library() -> ScenarioLibrary:
    return ScenarioLibrary()


def test_every_scenario_in_the_library_is_valid(library: ScenarioLibrary) -> None:
    names = library.names()
    assert {"default", "manual", "virtual", "slow-code", "schema-drift"} <= set(names)
    for name in names:
        assert library.load(name).name == name, f"{name}.yaml must be named {name}"


def test_default_scenario_fields(library: ScenarioLibrary) -> None:
    scenario = library.load("default")
    assert scenario.clock.mode == "real"
    assert scenario.seed == 1
    assert scenario.accounts("smsverify")[0]["api_key"] == "test-smsverify-key"


def test_virtual_scenario_starts_at_its_fixed_instant(library: ScenarioLibrary) -> None:
    scenario = library.load("virtual")
    assert scenario.clock.mode == "virtual"
    assert scenario.clock.start == datetime(2026, 1, 1, tzinfo=UTC)


def test_unknown_name_lists_the_known_ones(library: ScenarioLibrary) -> None:
    with pytest.raises(ScenarioError, match=r"unknown scenario 'nope'; known scenarios: .*default"):
        library.load("nope")


def test_missing_file_is_named(library: ScenarioLibrary, tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="does not exist"):
        library.load(str(tmp_path / "missing.yaml"))


def _problems(library: ScenarioLibrary, text: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(ScenarioError) as caught:
        library.load_text(text, source="broken.yaml")
    assert str(caught.value).startswith("broken.yaml")
    return [(p.line, p.field, p.reason) for p in caught.value.problems]


def test_wrong_type_is_reported_with_line_and_field(library: ScenarioLibrary) -> None:
    text = "name: broken\nseed: 1\nclock:\n  mode: sundial\n"
    [(line, field, reason)] = _problems(library, text)
    assert (line, field) == (4, "clock.mode")
    assert "sundial" in reason


def test_nested_account_problem_points_at_its_line(library: ScenarioLibrary) -> None:
    text = (
        "name: broken\n"
        "accounts:\n"
        "  sms4sats:\n"
        "    - api_key: a\n"
        "      balance: -5\n"
        "  smsverify:\n"
        "    - api_key: b\n"
        "      balance: '12.345'\n"
    )
    problems = _problems(library, text)
    assert (5, "accounts.sms4sats[0].balance") in [(p[0], p[1]) for p in problems]
    assert (8, "accounts.smsverify[0].balance") in [(p[0], p[1]) for p in problems]


def test_unknown_field_is_refused_with_the_allowed_ones(library: ScenarioLibrary) -> None:
    [(line, field, reason)] = _problems(library, "name: x\nsede: 3\n")
    assert line == 1
    assert field == "(document)"
    assert "'sede' was unexpected" in reason
    assert "seed" in reason


def test_missing_name_is_refused(library: ScenarioLibrary) -> None:
    [(_, _, reason)] = _problems(library, "seed: 3\n")
    assert "'name' is a required property" in reason


def test_duplicate_account_keys_are_refused(library: ScenarioLibrary) -> None:
    text = "name: x\naccounts:\n  sms4sats:\n    - api_key: k\n    - api_key: k\n"
    [(line, field, reason)] = _problems(library, text)
    assert (line, field) == (5, "accounts.sms4sats[1].api_key")
    assert "duplicate" in reason


def test_invalid_yaml_reports_the_line(library: ScenarioLibrary) -> None:
    [(line, _, reason)] = _problems(library, "name: x\nseed: [1, 2\n")
    assert line == 3
    assert "not valid YAML" in reason


def test_non_mapping_document_is_refused(library: ScenarioLibrary) -> None:
    [(_, _, reason)] = _problems(library, "- just\n- a list\n")
    assert "mapping" in reason


def test_bad_start_time_is_refused(library: ScenarioLibrary) -> None:
    problems = _problems(library, "name: x\nclock:\n  mode: virtual\n  start: 'yesterday'\n")
    assert any(p[1] == "clock.start" and p[0] == 4 for p in problems)


def test_unquoted_yaml_timestamp_is_accepted(library: ScenarioLibrary) -> None:
    scenario = library.load_text(
        "name: x\nclock:\n  mode: virtual\n  start: 2026-03-01T10:00:00Z\n"
    )
    assert scenario.clock.start == datetime(2026, 3, 1, 10, tzinfo=UTC)


def test_api_sections_refuse_unknown_keys(library: ScenarioLibrary) -> None:
    [(line, where, _)] = _problems(library, "name: x\nsms4sats:\n  pricez: {}\n")
    assert (line, where) == (3, "sms4sats")


def test_a_library_folder_of_ones_own(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text("name: mine\nseed: 7\n")
    library = ScenarioLibrary(tmp_path)
    assert library.names() == ["mine"]
    assert library.load("mine").seed == 7
    assert library.schema_path == scenarios_dir() / "schema.json"


def test_the_reference_page_is_in_step_with_the_schema() -> None:
    """docs/scenarios.md is what `sms-mock scenarios reference` prints: regenerate it after
    changing scenarios/schema.json."""
    from mock_server.engine.scenario_reference import EXAMPLE, render

    page = render()
    assert (EXAMPLE.parents[1] / "scenarios.md").read_text(encoding="utf-8") == page
    rows = [line for line in page.splitlines() if line.startswith("| `")]
    assert len(rows) > 150
    assert [r for r in rows if r.endswith("| (none) |")] == []  # every field has an example
    assert [r for r in rows if "|  |" in r] == []  # and a description


def test_the_every_field_example_is_a_valid_scenario(library: ScenarioLibrary) -> None:
    from mock_server.engine.scenario_reference import EXAMPLE

    assert library.load(str(EXAMPLE)).name == "every-field"


def test_the_scenario_schema_is_a_valid_draft_2020_12_schema(library: ScenarioLibrary) -> None:
    """Checked here rather than at every start of the simulator."""
    schema = json.loads(library.schema_path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)  # raises SchemaError
    assert schema["$schema"].endswith("2020-12/schema")
