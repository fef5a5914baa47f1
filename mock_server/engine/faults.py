"""Fault rules: make an API misbehave on purpose, from a scenario's ``faults:`` list.

A rule *matches* a request by API, method, operation, path (exact, template or glob), headers
and body fields; it *fires* on a match when its count conditions (``nth``, ``every``, ``after``,
``times``) and its ``probability`` (drawn from a random source seeded by the scenario's seed and
the rule's place, so runs repeat) allow. The first rule that fires decides the request's
:class:`Fault`; a request no rule fires on is never touched. How a fault is served (a status, a
delay, a closed socket) is the web layer's business; this module only decides.
"""

from __future__ import annotations

import copy
import hashlib
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

ACTIONS = ("latency", "respond", "rate_limit", "reset", "empty", "malformed", "timeout", "drift")


@dataclass(frozen=True)
class RequestFacts:
    """What a rule can look at."""

    api: str
    method: str
    path: str
    template: str | None  # the description's path, e.g. /api/v1/order/{order_id}/status/
    operation: str | None
    headers: Mapping[str, str]
    body: Any


@dataclass(frozen=True)
class Fault:
    """A rule that fired: which one, and what to do."""

    rule: str  # its name, or faults[i]
    action: str
    params: dict[str, Any]
    delay: float = 0.0  # seconds of latency or hold, drawn when the rule fired

    def describe(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "action": self.action,
            **({"delay": self.delay} if self.delay else {}),
        }


@dataclass
class FaultRule:
    index: int
    name: str
    action: str
    params: dict[str, Any]
    match: dict[str, Any]
    nth: tuple[int, ...] = ()
    every: int | None = None
    after: int | None = None
    times: int | None = None
    probability: float | None = None
    matched: int = 0
    fired: int = 0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    @classmethod
    def from_scenario(cls, index: int, raw: dict[str, Any], seed: int) -> FaultRule:
        action = next(a for a in ACTIONS if a in raw)
        params = raw[action] if isinstance(raw[action], dict) else {"value": raw[action]}
        nth = raw.get("nth")
        digest = hashlib.sha256(f"{seed}:fault:{index}".encode()).digest()
        return cls(
            index=index,
            name=raw.get("name") or f"faults[{index}]",
            action=action,
            params=dict(params),
            match=dict(raw.get("match") or {}),
            nth=tuple(nth if isinstance(nth, list) else [nth]) if nth is not None else (),
            every=raw.get("every"),
            after=raw.get("after"),
            times=raw.get("times"),
            probability=raw.get("probability"),
            rng=random.Random(int.from_bytes(digest[:8], "big")),
        )

    # -- matching ------------------------------------------------------------------------
    def matches(self, facts: RequestFacts) -> bool:
        m = self.match
        if "api" in m and facts.api not in listed(m["api"]):
            return False
        if "method" in m and facts.method.upper() not in {x.upper() for x in listed(m["method"])}:
            return False
        if "operation" in m and facts.operation not in listed(m["operation"]):
            return False
        if "path" in m and not any(_path_matches(p, facts) for p in listed(m["path"])):
            return False
        for name, wanted in (m.get("headers") or {}).items():
            value = _header(facts.headers, name)
            if value is None or not fnmatchcase(value, str(wanted)):
                return False
        for dotted, wanted in (m.get("body") or {}).items():
            found, value = _field(facts.body, dotted)
            if not found or not _equal(value, wanted):
                return False
        return True

    def fires(self) -> bool:
        """Count a match and decide whether this one fires."""
        self.matched += 1
        n = self.matched
        if self.times is not None and self.fired >= self.times:
            return False
        if self.nth and n not in self.nth:
            return False
        if self.every is not None and n % self.every != 0:
            return False
        if self.after is not None and n <= self.after:
            return False
        if self.probability is not None and self.rng.random() >= self.probability:
            return False
        self.fired += 1
        return True

    def fault(self) -> Fault:
        return Fault(self.name, self.action, self.params, self._delay())

    def _delay(self) -> float:
        if self.action == "latency":
            if "min" in self.params:
                return self.rng.uniform(float(self.params["min"]), float(self.params["max"]))
            return float(self.params.get("seconds", self.params.get("value", 0)))
        if self.action == "timeout":
            return float(self.params.get("seconds", self.params.get("value", 30)))
        return 0.0


class FaultInjector:
    """The fault rules of each scenario in force, with their counts."""

    def __init__(self) -> None:
        self._rules: dict[str, list[FaultRule]] = {}
        self._lock = threading.Lock()

    def load(self, scenario_name: str, faults: list[dict[str, Any]], seed: int) -> None:
        """(Re)arm a scenario's rules; their counts start again."""
        with self._lock:
            self._rules[scenario_name] = [
                FaultRule.from_scenario(i, raw, seed) for i, raw in enumerate(faults)
            ]

    def armed(self, scenario_name: str) -> bool:
        """Whether the scenario has any fault rule (a request under it needs looking at)."""
        return bool(self._rules.get(scenario_name))

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def decide(self, scenario_name: str, facts: RequestFacts) -> Fault | None:
        """The fault for this request under a scenario's rules; None leaves the request alone."""
        with self._lock:
            for rule in self._rules.get(scenario_name, ()):
                if rule.matches(facts) and rule.fires():
                    return rule.fault()
        return None

    def rules(self, scenario_name: str) -> list[FaultRule]:
        with self._lock:
            return list(self._rules.get(scenario_name, ()))


def listed(value: Any) -> list[Any]:
    """A match field's values: one value or a list of them (none when absent)."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _path_matches(pattern: str, facts: RequestFacts) -> bool:
    return (
        pattern == facts.path
        or (facts.template is not None and pattern == facts.template)
        or fnmatchcase(facts.path, pattern)
    )


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def _field(body: Any, dotted: str) -> tuple[bool, Any]:
    current = body
    for part in dotted.split("."):
        if not isinstance(current, dict) or part not in current:
            return False, None
        current = current[part]
    return True, current


def _equal(value: Any, wanted: Any) -> bool:
    if isinstance(wanted, str) and isinstance(value, str):
        return fnmatchcase(value, wanted)
    return value == wanted or str(value) == str(wanted)


def apply_drift(body: Any, params: dict[str, Any]) -> Any:
    """A copy of a JSON body with fields renamed, removed or re-typed (top level or dotted)."""
    drifted = copy.deepcopy(body)
    for old, new in (params.get("rename") or {}).items():
        parent, key = _parent(drifted, old)
        if parent is not None and key in parent:
            parent[new.split(".")[-1]] = parent.pop(key)
    for dotted in params.get("remove") or []:
        parent, key = _parent(drifted, dotted)
        if parent is not None:
            parent.pop(key, None)
    for dotted, kind in (params.get("retype") or {}).items():
        parent, key = _parent(drifted, dotted)
        if parent is not None and key in parent:
            parent[key] = _retyped(parent[key], kind)
    return drifted


def _parent(body: Any, dotted: str) -> tuple[dict[str, Any] | None, str]:
    *path, key = dotted.split(".")
    current = body
    for part in path:
        if not isinstance(current, dict) or not isinstance(current.get(part), dict):
            return None, key
        current = current[part]
    return (current, key) if isinstance(current, dict) else (None, key)


def _retyped(value: Any, kind: str) -> Any:
    if kind == "string":
        return str(value)
    if kind == "number":
        try:
            return float(value)
        except (TypeError, ValueError):
            return 0.0
    if kind == "integer":
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return 0
    if kind == "boolean":
        return bool(value)
    if kind == "null":
        return None
    if kind == "array":
        return [value]
    if kind == "object":
        return {"value": value}
    raise ValueError(f"unknown type {kind!r}")
