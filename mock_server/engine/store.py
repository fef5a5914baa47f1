"""Where an API's mutable state lives: one :class:`Backend` per API, behind one lock.

As in moto, a backend declares every collection in ``__init__`` and :meth:`Backend.reset`
rebuilds it from ``__init__``, so a reset cannot forget a field. The :class:`Store` holds the
backends and the lock that makes compound updates (debit a wallet *and* create the order)
atomic with respect to other requests and to scheduled events.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from mock_server.engine.persistence import Rows
    from mock_server.engine.simulation import Simulation

B = TypeVar("B", bound="Backend")


class Backend:
    """Base of an API's state. Subclasses declare their collections in ``__init__``.

    A backend whose state should survive a restart (``serve --state``) also implements the
    three record methods and calls :meth:`changed` for every record it changes.
    """

    name = ""  # set when the backend is registered

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim

    def reset(self) -> None:
        """Drop all state by running ``__init__`` again on a clean object."""
        sim, name = self.sim, self.name
        self.__dict__.clear()
        self.name = name
        self.__init__(sim)  # type: ignore[misc]

    # -- state files ---------------------------------------------------------------------
    def changed(self, table: str, key: object) -> None:
        """Mark a record as changed: the next commit writes it (when a state file is kept)."""
        self.sim.changes.mark(self.name, table, key)

    def dump_records(self) -> Iterable[tuple[str, str, Any]]:
        """Every (table, key, record) of this backend's state."""
        return ()

    def record(self, table: str, key: str) -> Any | None:
        """The current record of ``key`` in ``table``; None when it is gone."""
        return None

    def restore_records(self, tables: Rows) -> None:
        """Rebuild the state from the records a state file kept."""

    def read_settings(self, scenario: Any) -> Any:
        """This API's settings from a scenario; raise ScenarioError to refuse the scenario."""
        return None

    def check_scenario(self, scenario: Any) -> None:
        """Refuse a scenario this API cannot use before any state changes."""
        self.read_settings(scenario)

    def load_scenario(self, scenario: Any) -> None:
        """Seed state from the scenario (accounts, catalogs). Default: nothing to seed."""

    def request_settings(self) -> Any:
        """The settings of the scenario the current request is served under (X-Mock-Scenario,
        or the one in force), read once per scenario and kept until the next (re)load."""
        scenario = self.sim.request_scenario()
        cache: dict[str, Any] = self.__dict__.setdefault("_settings_by_scenario", {})
        if scenario.name not in cache:
            cache[scenario.name] = self.read_settings(scenario)
        return cache[scenario.name]

    def forget_settings(self) -> None:
        self.__dict__.pop("_settings_by_scenario", None)


class Store:
    """The registry of backends and the lock around every compound update."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._backends: dict[str, Backend] = {}

    def register(self, name: str, backend: Backend) -> None:
        if name in self._backends:
            raise ValueError(f"a backend named {name!r} is registered already")
        backend.name = name
        self._backends[name] = backend

    def get(self, name: str) -> Backend:
        return self._backends[name]

    def backends(self) -> dict[str, Backend]:
        return dict(self._backends)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the state lock for a compound update."""
        with self.lock:
            yield

    def reset(self) -> None:
        with self.lock:
            for backend in self._backends.values():
                backend.reset()
