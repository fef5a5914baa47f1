"""Scenarios: YAML files that say what the simulated world looks like and how it behaves.

A scenario is validated against ``scenarios/schema.json`` when it is loaded; a file that does
not fit is refused with its file, line, field and the reason, so a tester sees at once which
line to mend. Scenarios are found by name in the library folder or given as a path.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from mock_server.engine.clock import ClockMode, iso_utc, parse_iso
from mock_server.resources import scenario_schema, scenarios_dir

SCHEMA_FILE = "schema.json"
INLINE = "<inline>"  # the source of a scenario sent as text, not read from a file
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")  # the schema's pattern for a scenario's name


class ScenarioError(ValueError):
    """A scenario that cannot be loaded; the message names the file, line and field."""

    def __init__(self, message: str, problems: Sequence[ScenarioProblem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


class ScenarioFieldError(ValueError):
    """Fields an API cannot use, each named as in the file (``sms4sats.outcomes[0].country``)
    with the reason: one, or all of those :func:`check_all` found."""

    def __init__(self, field: str, reason: str, *more: tuple[str, str]) -> None:
        self.fields = [(field, reason), *more]
        super().__init__("; ".join(f"{f}: {r}" for f, r in self.fields))


def check_all(checks: Iterable[Callable[[], None]]) -> None:
    """Run every check; raise one ScenarioFieldError naming every field any of them refused."""
    found = []
    for check in checks:
        try:
            check()
        except ScenarioFieldError as exc:
            found += exc.fields
    if found:
        raise ScenarioFieldError(*found[0], *found[1:])


def nearest(value: object, choices: Iterable[object], count: int = 3) -> str:
    """`` (nearest: a, b)`` naming the choices closest to ``value``, or nothing."""
    close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=count, cutoff=0.6)
    return f" (nearest: {', '.join(close)})" if close else ""


@dataclass(frozen=True)
class ScenarioProblem:
    """One reason a scenario file is refused."""

    source: str
    line: int | None
    field: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.field}: {self.reason}" if self.field else f"{where}: {self.reason}"


@dataclass(frozen=True)
class ClockSettings:
    mode: ClockMode = "real"
    start: datetime | None = None
    speed: float = 1.0


@dataclass(frozen=True)
class Scenario:
    """A loaded, validated scenario. ``data`` keeps the whole document for the API sections."""

    name: str
    description: str = ""
    seed: int = 0
    clock: ClockSettings = field(default_factory=ClockSettings)
    journal_capacity: int = 1000
    journal_max_bytes: int = 8 * 1024 * 1024
    journal_entry_bytes: int = 8 * 1024
    callback_capacity: int = 1000
    callback_max_pending: int = 1000
    callback_max_bytes: int = 8 * 1024 * 1024
    source: str = "<inline>"
    data: dict[str, Any] = field(default_factory=dict)
    node: Any = field(default=None, compare=False, repr=False)  # the YAML, to find lines in

    def refuse(self, error: ScenarioFieldError) -> ScenarioError:
        """The ScenarioError for the fields an API refused, each on its line."""
        return self.error([self.problem(f, r) for f, r in error.fields])

    def problem(self, field_name: str, reason: str) -> ScenarioProblem:
        """A problem with one field, located on its line of the file."""
        return ScenarioProblem(
            self.source, _line_of(self.node, _path_of(field_name)), field_name, reason
        )

    def error(self, problems: Sequence[ScenarioProblem]) -> ScenarioError:
        return ScenarioError("\n".join(str(p) for p in problems), problems)

    def section(self, key: str) -> dict[str, Any]:
        """An API's behaviour section (``sms4sats``, ``smsverify``); empty when absent."""
        return dict(self.data.get(key) or {})

    def accounts(self, api: str) -> list[dict[str, Any]]:
        """The seed accounts for one API."""
        return [dict(a) for a in (self.data.get("accounts") or {}).get(api) or []]

    def summary(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "source": self.source}


@cache
def _validator(schema_path: Path) -> Draft202012Validator:
    # The schema is checked against the metaschema by the tests, not at every start (~70 ms).
    return Draft202012Validator(scenario_schema(schema_path), format_checker=FormatChecker())


class ScenarioLibrary:
    """The scenarios in a folder, by name, plus loading from any path or text."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or scenarios_dir()
        self.schema_path = self.folder / SCHEMA_FILE
        if not self.schema_path.is_file():
            self.schema_path = scenarios_dir() / SCHEMA_FILE

    def names(self) -> list[str]:
        """Every scenario name in the library, sorted."""
        return sorted(p.stem for p in self.folder.glob("*.yaml"))

    def resolve(self, name_or_path: str) -> Path:
        """The file for a scenario name, or a path given directly."""
        candidate = Path(name_or_path)
        if candidate.suffix in {".yaml", ".yml"} or candidate.is_file():
            if not candidate.is_file():
                raise ScenarioError(f"scenario file {name_or_path} does not exist")
            return candidate
        path = self.folder / f"{name_or_path}.yaml"
        if not path.is_file():
            known = ", ".join(self.names()) or "(none)"
            raise ScenarioError(f"unknown scenario {name_or_path!r}; known scenarios: {known}")
        return path

    def load_named(self, name: str) -> Scenario:
        """A scenario of the library by its name only: never a path (what a public request
        names must not read files of the server's choosing)."""
        if not _NAME.fullmatch(name) or name not in self.names():
            known = ", ".join(self.names()) or "(none)"
            raise ScenarioError(f"unknown scenario {name!r}; known scenarios: {known}")
        scenario = self.load(str(self.folder / f"{name}.yaml"))
        if scenario.name != name:
            raise ScenarioError(f"{scenario.source} names itself {scenario.name!r}, not {name!r}")
        return scenario

    def load(self, name_or_path: str) -> Scenario:
        path = self.resolve(name_or_path)
        return self.load_text(path.read_text(encoding="utf-8"), source=str(path))

    def load_text(self, text: str, source: str = INLINE) -> Scenario:
        """Parse and validate a scenario from YAML text."""
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            _check_size(node, source)
            data = yaml.safe_load(text)
        except RecursionError:
            problem = ScenarioProblem(source, None, "(document)", "nested too deeply")
            raise ScenarioError(str(problem), [problem]) from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            reason = getattr(exc, "problem", None) or str(exc)
            problem = ScenarioProblem(source, line, "(document)", f"not valid YAML: {reason}")
            raise ScenarioError(str(problem), [problem]) from None
        if not isinstance(data, dict):
            problem = ScenarioProblem(source, 1, "(document)", "a scenario is a mapping of fields")
            raise ScenarioError(str(problem), [problem])
        clock = data.get("clock")
        if isinstance(clock, dict) and isinstance(clock.get("start"), datetime):
            # YAML reads an unquoted timestamp as a datetime; take it as the time it says.
            clock["start"] = iso_utc(clock["start"])
        problems = self.check(data, node, source)
        if problems:
            raise ScenarioError("\n".join(str(p) for p in problems), problems)
        return build_scenario(data, source, node)

    def check(self, data: Any, node: yaml.Node | None, source: str) -> list[ScenarioProblem]:
        """Every reason ``data`` does not fit the scenario schema, each located in the file."""
        validator = _validator(self.schema_path)
        errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path)))
        # A oneOf of forms on a value that is not even a mapping: its type error says it all.
        errors = [e for e in errors if e.validator != "oneOf" or isinstance(e.instance, dict)]
        problems = [_problem(e, node, source) for e in errors]
        problems += _semantic_problems(data, node, source)
        return problems


def _problem(error: ValidationError, node: yaml.Node | None, source: str) -> ScenarioProblem:
    path = list(error.absolute_path)
    reason = error.message
    if error.validator == "additionalProperties":
        reason = f"{reason} (allowed: {', '.join(sorted(error.schema.get('properties', {})))})"
    if error.validator == "anyOf" and error.context:
        reason = f"{error.instance!r} fits none of the allowed forms: " + "; ".join(
            sorted({c.message for c in error.context})
        )
    forms = error.schema.get("oneOf") if error.validator == "oneOf" else None
    if forms and all(set(form) == {"required"} for form in forms):
        reason = _one_of_required(error.instance, [form["required"] for form in forms])
    return ScenarioProblem(source, _line_of(node, path), _field_name(path), reason)


def _one_of_required(instance: Any, forms: list[list[str]]) -> str:
    """A sentence for a oneOf of `required` lists: which forms were given, which are allowed."""
    names = ["+".join(form) for form in forms]
    allowed = ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]
    given = [
        n
        for n, form in zip(names, forms, strict=True)
        if isinstance(instance, dict) and all(k in instance for k in form)
    ]
    if len(given) > 1:
        return f"gives {' and '.join(given)}: give exactly one of {allowed}"
    return f"needs exactly one of {allowed}"


def _semantic_problems(data: Any, node: yaml.Node | None, source: str) -> list[ScenarioProblem]:
    """Rules JSON Schema cannot say: times that parse, unique account keys."""
    problems: list[ScenarioProblem] = []
    start = (data.get("clock") or {}).get("start") if isinstance(data, dict) else None
    if isinstance(start, str):
        try:
            parse_iso(start)
        except ValueError:
            path: list[str | int] = ["clock", "start"]
            problems.append(
                ScenarioProblem(source, _line_of(node, path), "clock.start", "not an ISO 8601 time")
            )
    accounts = data.get("accounts") if isinstance(data, dict) else None
    for api, items in (accounts or {}).items() if isinstance(accounts, dict) else ():
        seen: set[str] = set()
        for i, item in enumerate(items or []) if isinstance(items, list) else ():
            key = item.get("api_key") if isinstance(item, dict) else None
            if isinstance(key, str) and key in seen:
                path = ["accounts", api, i, "api_key"]
                problems.append(
                    ScenarioProblem(
                        source, _line_of(node, path), _field_name(path), f"duplicate key {key!r}"
                    )
                )
            if isinstance(key, str):
                seen.add(key)
    return problems


MAX_NODES = 100_000  # values in a scenario, aliases counted each time they are used
MAX_DEPTH = 64


def _check_size(root: yaml.Node | None, source: str) -> None:
    """Refuse a document that nests over MAX_DEPTH or that, with its aliases expanded, holds
    over MAX_NODES values: a few lines of anchors can otherwise stand for billions of them."""
    sizes: dict[int, int] = {}

    def size(node: yaml.Node, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise _TooLarge(f"nested more than {MAX_DEPTH} levels deep")
        known = sizes.get(id(node))
        if known is not None:
            return known
        total = 1
        if isinstance(node, yaml.MappingNode):
            total += sum(size(k, depth + 1) + size(v, depth + 1) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total += sum(size(v, depth + 1) for v in node.value)
        if total > MAX_NODES:
            raise _TooLarge(f"more than {MAX_NODES} values once its aliases are expanded")
        sizes[id(node)] = total
        return total

    if root is None:
        return
    try:
        size(root, 0)
    except _TooLarge as exc:
        problem = ScenarioProblem(source, None, "(document)", str(exc))
        raise ScenarioError(str(problem), [problem]) from None


class _TooLarge(Exception):
    pass


def _field_name(path: Iterable[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


def _path_of(field_name: str) -> list[str | int]:
    """``faults[0].match.operation`` -> ``["faults", 0, "match", "operation"]``."""
    return [
        int(index) if index else name
        for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", field_name)
    ]


def _line_of(node: yaml.Node | None, path: Sequence[str | int]) -> int | None:
    """The 1-based line of the YAML node at ``path`` (or of its nearest existing parent)."""
    if node is None:
        return None
    current = node
    for part in path:
        child = None
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                if key_node.value == str(part):
                    child = value_node
                    break
        elif (
            isinstance(current, yaml.SequenceNode)
            and isinstance(part, int)
            and 0 <= part < len(current.value)
        ):
            child = current.value[part]
        if child is None:
            break
        current = child
    return current.start_mark.line + 1


def build_scenario(data: dict[str, Any], source: str, node: Any = None) -> Scenario:
    """A :class:`Scenario` from data validated already (a library file, a state file)."""
    clock = data.get("clock") or {}
    start = clock.get("start")
    journal = data.get("journal") or {}
    callbacks = data.get("callbacks") or {}
    defaults = Scenario(name="")
    return Scenario(
        name=data["name"],
        description=str(data.get("description") or "").strip(),
        seed=int(data.get("seed", 0)),
        clock=ClockSettings(
            mode=clock.get("mode", "real"),
            start=parse_iso(start) if start else None,
            speed=float(clock.get("speed", 1.0)),
        ),
        journal_capacity=int(journal.get("capacity", defaults.journal_capacity)),
        journal_max_bytes=int(journal.get("max_bytes", defaults.journal_max_bytes)),
        journal_entry_bytes=int(journal.get("entry_bytes", defaults.journal_entry_bytes)),
        callback_capacity=int(callbacks.get("capacity", defaults.callback_capacity)),
        callback_max_pending=int(callbacks.get("max_pending", defaults.callback_max_pending)),
        callback_max_bytes=int(callbacks.get("max_bytes", defaults.callback_max_bytes)),
        source=source,
        data=data,
        node=node,
    )
