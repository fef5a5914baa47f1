"""Fault rules checked against the descriptions: a rule that can never fire is refused.

JSON Schema can say that `operation` is a string; only the descriptions know that
`getOrderStatuz` is no operation, that no documented path looks like `/api/v1/oder/*`, or
that getBalance documents no 500 to answer with. Each is refused with the field and the
nearest valid names, when the scenario is loaded and by ``sms-mock scenarios check``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase
from typing import Any

from mock_server.engine.faults import listed
from mock_server.engine.scenarios import Scenario, ScenarioProblem, nearest
from mock_server.spec.document import Operation, SpecDocument

_PARAMETER = re.compile(r"\{[^}/]+\}")


class FaultRuleCheck:
    """Checks the fault rules of a scenario against the served descriptions."""

    def __init__(self, docs: Iterable[SpecDocument]) -> None:
        self.docs = {doc.api: doc for doc in docs}

    def problems(self, scenario: Scenario) -> list[ScenarioProblem]:
        found: list[ScenarioProblem] = []
        for index, rule in enumerate(scenario.data.get("faults") or ()):
            where = f"faults[{index}]"
            for field_name, reason in self._rule(rule):
                found.append(scenario.problem(f"{where}.{field_name}", reason))
        return found

    def _rule(self, rule: dict[str, Any]) -> list[tuple[str, str]]:
        match = rule.get("match") or {}
        apis = listed(match.get("api")) or list(self.docs)
        ops = [op for api in apis if api in self.docs for op in self.docs[api].operations]
        problems: list[tuple[str, str]] = []
        if "operation" in match:
            known = {op.operation_id for op in ops}
            for name in listed(match["operation"]):
                if name not in known:
                    scope = " of " + " or ".join(apis) if "api" in match else ""
                    reason = f"no operation{scope} is called {name!r}{nearest(name, known)}"
                    problems.append(("match.operation", reason))
            ops = [op for op in ops if op.operation_id in listed(match["operation"])]
        if "method" in match:
            methods = {m.upper() for m in listed(match["method"])}
            ops = [op for op in ops if op.method in methods]
        if "path" in match:
            patterns = listed(match["path"])
            for pattern in patterns:
                if not any(path_can_match(pattern, op.path) for op in ops):
                    paths = sorted({op.path for op in ops})
                    reason = f"no documented path matches {pattern!r}{nearest(pattern, paths)}"
                    problems.append(("match.path", reason))
            ops = [op for op in ops if any(path_can_match(p, op.path) for p in patterns)]
        if problems:
            return problems
        if not ops:
            return [("match", "no documented operation fits all of it: the rule can never fire")]
        respond = rule.get("respond")
        if isinstance(respond, dict) and respond.get("documented"):
            problems += self._documented(respond, ops)
        return problems

    def _documented(
        self, respond: dict[str, Any], ops: Sequence[Operation]
    ) -> list[tuple[str, str]]:
        documented, status = respond["documented"], str(respond.get("status"))
        if documented is True:
            missing = [op for op in ops if not _has_example(op, status)]
            if not missing:
                return []
            names = ", ".join(f"{op.operation_id} ({op.api})" for op in missing[:5])
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            statuses = ", ".join(sorted(missing[0].responses))
            verb = "documents" if len(missing) == 1 else "document"
            reason = (
                f"{names}{more} {verb} no {status} example to answer with"
                f" ({missing[0].operation_id} documents {statuses}); give a body instead,"
                " or match only operations that document it"
            )
            return [("respond.documented", reason)]
        apis = {op.api for op in ops}
        for api in apis:
            responses = self.docs[api].raw.get("components", {}).get("responses") or {}
            if documented not in responses:
                reason = (
                    f"{self.docs[api].path.name} has no response {documented!r}"
                    f"{nearest(documented, responses)}"
                )
                return [("respond.documented", reason)]
        return []


def path_can_match(pattern: str, template: str) -> bool:
    """Whether a rule's path (exact, template or glob) can match a request to ``template``."""
    if pattern == template or fnmatchcase(template, pattern):
        return True
    exact = "[^/]+".join(re.escape(part) for part in _PARAMETER.split(template))
    if re.fullmatch(exact, pattern):
        return True
    given, wanted = pattern.split("/"), template.split("/")
    return len(given) == len(wanted) and all(
        _PARAMETER.fullmatch(w) is not None or fnmatchcase(w, g) or g == w
        for g, w in zip(given, wanted, strict=True)
    )


def _has_example(op: Operation, status: str) -> bool:
    try:
        op.example(status)
    except (KeyError, StopIteration):
        return False
    return True
