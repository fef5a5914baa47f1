"""The layering rules of DESIGN.md, checked so they cannot slip."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import mock_server

PACKAGE = Path(mock_server.__file__).parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_engine_knows_no_api_and_no_web_framework() -> None:
    offenders = {
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in (PACKAGE / "engine").rglob("*.py")
        for name in _imports(path)
        if name.startswith(
            ("mock_server.apis", "mock_server.control", "mock_server.spec", "flask", "werkzeug")
        )
    }
    assert offenders == set()


def test_no_api_reaches_into_another() -> None:
    apis = [
        p.name for p in (PACKAGE / "apis").iterdir() if p.is_dir() and not p.name.startswith("_")
    ]
    assert sorted(apis) == ["l402", "sms4sats", "smsverify"]
    offenders = set()
    for api in apis:
        for path in (PACKAGE / "apis" / api).rglob("*.py"):
            for name in _imports(path):
                for other in apis:
                    if other != api and name.startswith(f"mock_server.apis.{other}"):
                        offenders.add(f"{path.relative_to(PACKAGE)}: {name}")
    assert offenders == set()


WALL_TIME = re.compile(
    r"\b(time\.time|time\.monotonic|datetime\.now|datetime\.utcnow|date\.today)\("
)


def test_all_time_comes_from_the_clock() -> None:
    """Only the clock reads wall time (plus the journal's request duration, the HTTP server's
    connection timeouts, and `contract`'s pace against a real service: not simulated time)."""
    allowed = {Path("engine/clock.py"), Path("serving.py"), Path("contract/hooks.py")}
    offenders = [
        f"{path.relative_to(PACKAGE)}:{n}: {line.strip()}"
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE) not in allowed
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if WALL_TIME.search(line)
    ]
    assert offenders == []


def test_package_inits_only_hand_names_on() -> None:
    for path in PACKAGE.rglob("__init__.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        kinds = {type(node).__name__ for node in tree.body}
        assert kinds <= {"ImportFrom", "Import", "Assign", "Expr"}, path
