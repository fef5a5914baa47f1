"""Many isolated worlds in one server: each a whole :class:`Simulation` of its own.

A world holds everything a simulation has (clock, scenario, seed, accounts, orders, invoices,
events, rate-limit windows, fault counters, journal, callbacks). A request picks its world by
name (``X-Mock-World`` or a ``/worlds/NAME/`` path prefix, read at the HTTP edge); without one
it is in ``default``, the world a server without worlds always had. Worlds are built by one
factory the app gives (this module knows no API), so a new world, a reset and a restore are
the same thing: build one.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mock_server.engine.clock import ClockMode
from mock_server.engine.errors import InvalidRequest, NotFound, SimulatorError
from mock_server.engine.persistence import StateFile, StateFileError, world_prefix
from mock_server.engine.ticker import Ticker

if TYPE_CHECKING:
    from mock_server.engine.scenarios import Scenario
    from mock_server.engine.simulation import Simulation

WORLD_HEADER = "X-Mock-World"
DEFAULT_WORLD = "default"
WORLD_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
NAME_RULE = "1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"
SWEEP_EVERY = 1.0  # wall seconds between two looks for idle worlds
EXPIRED_KEPT = 1000  # names of worlds dropped for idleness, remembered to say so


@dataclass(frozen=True)
class WorldLimits:
    """How many worlds a server holds and for how long; what each may buffer.

    ``explicit``: a request to an unknown world is a 404 instead of creating it. The byte caps
    bound the journal and the callback log of every world but ``default`` (whose caps are its
    scenario's), so a thousand worlds hold at most a thousand times that much.
    """

    max_worlds: int = 1000
    idle_seconds: float = 3600.0
    explicit: bool = False
    journal_bytes: int = 256 * 1024
    callback_bytes: int = 256 * 1024


@dataclass(frozen=True)
class WorldSpec:
    """What a world is made from; None takes the server's (its scenario, seed, clock mode)."""

    scenario: Scenario | str | None = None
    seed: int | None = None
    clock: ClockMode | None = None


# Builds the simulation of a new world (the app's factory: backends, checks, token, caps).
WorldBuilder = Callable[[str, WorldSpec, WorldLimits | None], "Simulation"]


class BadWorldName(InvalidRequest):
    deliberate = True


class UnknownWorld(NotFound):
    deliberate = True


class WorldExists(SimulatorError):
    status = 409
    kind = "conflict"
    deliberate = True


class TooManyWorlds(SimulatorError):
    """The server holds its limit of worlds: a 503 (it is full, not the client too fast)."""

    status = 503
    kind = "too_many_worlds"
    deliberate = True


def check_name(name: str) -> str:
    """``name`` if it may name a world; else :class:`BadWorldName` saying what may."""
    if not WORLD_NAME.fullmatch(name):
        shown = name if len(name) <= 80 else name[:80] + "…"
        raise BadWorldName(f"{shown!r} cannot name a world: a world's name is {NAME_RULE}")
    return name


class Worlds:
    """Every world of one server, by name; ``default`` always exists.

    ``wall`` is the wall clock idleness is measured on (monotonic seconds): never a world's
    own clock, which a test may have moved a year on.
    """

    def __init__(
        self,
        build: WorldBuilder,
        limits: WorldLimits | None = None,
        *,
        wall: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits or WorldLimits()
        self._build = build
        self.wall = wall
        self._lock = threading.Lock()  # the registry's dicts
        self._creating = threading.Lock()  # one world made at a time: limit and file stay true
        self._sweeping = threading.Lock()
        self.ticker = Ticker(workers=8)
        self.serving = False
        self._worlds: dict[str, Simulation] = {}
        self._used: dict[str, float] = {}
        self._expired: OrderedDict[str, float] = OrderedDict()  # name -> wall time dropped
        self._last_sweep = wall()
        self.state: StateFile | None = None  # every world's state file (serve --state)
        self._add(DEFAULT_WORLD, build(DEFAULT_WORLD, WorldSpec(), None))

    # -- finding ---------------------------------------------------------------------------
    @property
    def default(self) -> Simulation:
        return self._worlds[DEFAULT_WORLD]

    def get(self, name: str | None) -> Simulation:
        """The world a request names (``None``: ``default``); an unknown one is created from
        the server's scenario, unless the limits say worlds are created only when asked."""
        if name is None or name == DEFAULT_WORLD:
            return self._worlds[DEFAULT_WORLD]
        now = self.wall()
        if not 0 <= now - self._last_sweep < SWEEP_EVERY:  # (a wall replaced may run behind)
            self.sweep(now)
        world = self._worlds.get(name)
        if world is not None:
            self._used[name] = now
            return world
        check_name(name)
        if self.limits.explicit:
            raise UnknownWorld(self._unknown(name))
        try:
            return self.create(name)
        except WorldExists:  # another request made it meanwhile
            return self._worlds[name]

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._worlds)

    def find(self, name: str) -> Simulation:
        """An existing world, or :class:`UnknownWorld` (for the control API: never creates)."""
        world = self._worlds.get(check_name(name))
        if world is None:
            raise UnknownWorld(self._unknown(name))
        return world

    def describe(self, name: str) -> dict[str, Any]:
        world = self.find(name)
        now = self.wall()
        return {
            **world.describe(),
            "journal_entries": len(world.journal),
            "pending_events": world.scheduler.pending_count(),
            "idle_seconds": round(now - self._used.get(name, now), 3),
            "expires_in_seconds": None
            if name == DEFAULT_WORLD
            else round(self._used.get(name, now) + self.limits.idle_seconds - now, 3),
        }

    # -- creating and dropping -------------------------------------------------------------
    def create(self, name: str, spec: WorldSpec | None = None) -> Simulation:
        """A new world ``name`` built from ``spec``; refused when it exists or the server
        holds its limit (after dropping the idle ones)."""
        check_name(name)
        if len(self._worlds) >= self.limits.max_worlds:
            self.sweep()
        with self._creating:  # about 1 ms; requests to existing worlds do not wait for it
            if name in self._worlds:
                raise WorldExists(
                    f"world {name!r} exists already; DELETE /_mock/worlds/{name} first"
                )
            if len(self._worlds) >= self.limits.max_worlds:
                raise TooManyWorlds(
                    f"this simulator holds its limit of {self.limits.max_worlds} worlds; drop"
                    " one (DELETE /_mock/worlds/NAME) or wait: a world idle for"
                    f" {self.limits.idle_seconds:g} s is dropped",
                    headers={"Retry-After": "60"},
                )
            world = self._build(name, spec or WorldSpec(), self.limits)
            if self.state is not None:
                self.state.forget(world_prefix(name))  # what a world of this name left
                world.keep_state(self.state, world_prefix(name))
            with self._lock:
                self._add(name, world)
        if self.serving:
            world.start()
        return world

    def drop(self, name: str) -> None:
        """Drop world ``name`` and everything in it; ``default`` is reset instead, never gone."""
        if name == DEFAULT_WORLD:
            raise WorldExists(
                "the world 'default' cannot be dropped; POST /_mock/reset starts it afresh"
            )
        self.find(name)
        with self._lock:
            world = self._worlds.pop(name, None)
            self._used.pop(name, None)
        if world is not None:
            world.persistence = None  # its records go, rather than a last commit
            world.close()
            if self.state is not None:
                self.state.forget(world_prefix(name))

    def sweep(self, now: float | None = None) -> list[str]:
        """Drop the worlds idle longer than the limit (one sweep at a time: a request that
        finds another sweeping goes on); returns their names."""
        if not self._sweeping.acquire(blocking=False):
            return []
        try:
            now = self.wall() if now is None else now
            self._last_sweep = now
            cutoff = now - self.limits.idle_seconds
            with self._lock:
                idle = [n for n, used in self._used.items() if used < cutoff and n != DEFAULT_WORLD]
            dropped = []
            for name in idle:
                world = self._worlds.get(name)
                if world is None or world.held_requests():
                    continue
                try:
                    self.drop(name)
                except UnknownWorld:  # dropped through the control API meanwhile
                    continue
                dropped.append(name)
                self._expired[name] = now
                self._expired.move_to_end(name)
                while len(self._expired) > EXPIRED_KEPT:
                    self._expired.popitem(last=False)
            return dropped
        finally:
            self._sweeping.release()

    # -- a state file ----------------------------------------------------------------------
    def keep_state(self, path: str | Path) -> bool:
        """Keep every world in the SQLite file at ``path`` from now on, and bring back every
        world it holds; True when the default world was carried on from it."""
        state = StateFile(path)
        try:
            # The default world closes the file: a user closing it alone closes the server's.
            restored = self.default.keep_state(state, world_prefix(None), owns_file=True)
            for name in state.worlds():
                if not WORLD_NAME.fullmatch(name) or name in self._worlds:
                    continue  # a foreign record's name: not a world this server can serve
                world = self._build(name, WorldSpec(), self.limits)
                world.keep_state(state, world_prefix(name))
                self._add(name, world)
        except StateFileError:
            state.close()
            raise
        self.state = state
        return restored

    # -- serving ---------------------------------------------------------------------------
    def start(self) -> None:
        """Serving from now on: every world on a real clock runs its events by itself."""
        self.serving = True
        for world in list(self._worlds.values()):
            world.start()

    def close(self) -> None:
        """Stop every world, write what changed, close the state file."""
        self.serving = False
        try:
            for _, world in sorted(self._worlds.items(), key=lambda w: w[0] == DEFAULT_WORLD):
                world.close()  # the default world last: it closes the state file
        finally:
            self.ticker.close()
            if self.state is not None:
                self.state.close()
                self.state = None

    def release_held(self) -> None:
        for world in list(self._worlds.values()):
            world.release_held()

    # -- helpers ---------------------------------------------------------------------------
    def _add(self, name: str, world: Simulation) -> None:
        world.name = name
        world.scheduler.ticker = self.ticker
        now = self.wall()
        self._worlds[name] = world
        self._used[name] = now
        self._expired.pop(name, None)

    def _unknown(self, name: str) -> str:
        dropped = self._expired.get(name)
        if dropped is not None:
            ago = self.wall() - dropped
            return (
                f"world {name!r} was dropped {ago:.0f} s ago after"
                f" {self.limits.idle_seconds:g} s idle; create it again:"
                f' POST /_mock/worlds {{"name": "{name}"}}'
            )
        how = (
            f'create it first: POST /_mock/worlds {{"name": "{name}"}}'
            if self.limits.explicit
            else "a request to it creates it"
        )
        return f"no world {name!r} on this simulator; {how}"
