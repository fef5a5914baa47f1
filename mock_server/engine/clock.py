"""The simulator's one clock: every timestamp the simulator produces comes from here.

Two modes:

- ``virtual``: time stands still until it is advanced or set. Tests drive it.
- ``real``: wall time, optionally sped up (``speed``), plus an offset that ``advance`` moves
  forward. A developer can serve in real time and still jump 21 minutes ahead.

The clock never moves backwards: a simulator whose time ran back would re-order events and
rate-limit windows in ways no real service does (Stripe's test clocks refuse it too). Reset the
simulator to start again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

from mock_server.engine.persistence import Latest

ClockMode = Literal["real", "virtual"]
CLOCK_MODES: tuple[ClockMode, ...] = ("real", "virtual")
# The last moment the clock may reach: datetime (and ISO 8601 timestamps) end with year 9999.
LATEST = datetime(9999, 1, 1, tzinfo=UTC).timestamp()


class ClockError(ValueError):
    """A clock operation that would break time's order (moving backwards, negative advance)."""


def _wall() -> float:
    return time.time()


class Clock:
    """Simulated time in UTC.

    ``wall`` is injectable so tests of real mode do not depend on the machine's time.
    """

    def __init__(
        self,
        mode: ClockMode = "virtual",
        *,
        start: datetime | None = None,
        speed: float = 1.0,
        wall: Callable[[], float] = _wall,
    ) -> None:
        if mode not in CLOCK_MODES:
            raise ClockError(f"unknown clock mode {mode!r}; expected one of {CLOCK_MODES}")
        if speed <= 0:
            raise ClockError("clock speed must be positive")
        self.mode: ClockMode = mode
        self.speed = speed
        self._wall = wall
        self._lock = threading.Lock()
        origin = _as_utc(start) if start is not None else datetime.fromtimestamp(wall(), UTC)
        # Simulated time = _origin + (wall elapsed since _wall_origin) * speed + _offset (real),
        # or _origin + _offset (virtual).
        self._origin = origin.timestamp()
        self._wall_origin = wall()
        self._offset = 0.0
        self._same_instant = Latest(0.0)  # a frozen clock gives 100,000 orders one float

    # -- reading -------------------------------------------------------------------------
    def timestamp(self) -> float:
        """Seconds since the Unix epoch, simulated."""
        with self._lock:
            return self._timestamp()

    def now(self) -> datetime:
        """The simulated time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.timestamp(), UTC)

    def millis(self) -> int:
        """Milliseconds since the epoch, as JavaScript's ``Date.now()`` gives them."""
        return int(self.timestamp() * 1000)

    # -- moving --------------------------------------------------------------------------
    def advance(self, seconds: float) -> datetime:
        """Move forward by ``seconds`` (>= 0) and return the new time."""
        if seconds < 0:
            raise ClockError("the clock cannot move backwards; reset the simulator instead")
        with self._lock:
            _check_reachable(self._timestamp() + seconds)
            self._offset += seconds
            return datetime.fromtimestamp(self._timestamp(), UTC)

    def move_to(self, when: datetime | float) -> datetime:
        """Move forward to ``when``; a time in the past is refused."""
        target = when if isinstance(when, int | float) else _as_utc(when).timestamp()
        with self._lock:
            current = self._timestamp()
            if target < current - 1e-6:
                raise ClockError(
                    f"the clock cannot move backwards (now {iso_at(current)},"
                    f" asked {iso_at(target)})"
                )
            _check_reachable(target)
            self._offset += max(0.0, target - current)
            return datetime.fromtimestamp(self._timestamp(), UTC)

    def set_mode(self, mode: ClockMode, speed: float = 1.0) -> None:
        """Run ``real`` (at ``speed``) or ``virtual`` from now on; time goes on from where it is."""
        if mode not in CLOCK_MODES:
            raise ClockError(f"unknown clock mode {mode!r}; expected one of {CLOCK_MODES}")
        if speed <= 0:
            raise ClockError("clock speed must be positive")
        with self._lock:
            now = self._timestamp()
            self.mode = mode
            self.speed = speed if mode == "real" else 1.0
            self._origin = now - self._offset
            self._wall_origin = self._wall()

    # -- state files ---------------------------------------------------------------------
    def state(self) -> dict[str, object]:
        """What rebuilds this clock in another process: a real clock goes on counting wall
        time from the same origin, so the time a server was down has passed when it is back."""
        with self._lock:
            return {
                "mode": self.mode,
                "speed": self.speed,
                "origin": self._origin,
                "wall_origin": self._wall_origin,
                "offset": self._offset,
                "now": self._timestamp(),
            }

    def restore_state(self, state: dict[str, object]) -> None:
        """Take over a clock's :meth:`state`: the simulator's own history, so this clock may
        start behind or ahead of where it was; it never starts before the stored ``now``."""
        mode = state["mode"]
        if mode not in CLOCK_MODES:
            raise ClockError(f"unknown clock mode {mode!r}")
        with self._lock:
            self.mode = mode  # type: ignore[assignment]
            self.speed = float(state["speed"])  # type: ignore[arg-type]
            self._origin = float(state["origin"])  # type: ignore[arg-type]
            self._wall_origin = float(state["wall_origin"])  # type: ignore[arg-type]
            self._offset = float(state["offset"])  # type: ignore[arg-type]
            # A machine whose wall clock is now behind the stored one must not run time back:
            # the clock then goes on from where it was.
            behind = float(state.get("now", 0.0)) - self._timestamp()  # type: ignore[arg-type]
            if behind > 0:
                self._offset += behind

    # -- helpers -------------------------------------------------------------------------
    def _timestamp(self) -> float:
        if self.mode == "virtual":
            now = self._origin + self._offset
        else:
            now = self._origin + (self._wall() - self._wall_origin) * self.speed + self._offset
        result: float = self._same_instant(now)
        return result

    def describe(self) -> dict[str, object]:
        """The clock's state as the control API shows it."""
        now = self.timestamp()
        return {
            "mode": self.mode,
            "now": iso_at(now),
            "timestamp": now,
            "speed": self.speed,
            "offset_seconds": round(self._offset, 3),
        }


def _check_reachable(target: float) -> None:
    if target >= LATEST:
        raise ClockError("the clock cannot go past the year 9999; reset the simulator instead")


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def iso_at(ts: float) -> str:
    """A clock timestamp in ISO 8601 UTC."""
    return iso_utc(datetime.fromtimestamp(ts, UTC))


def iso_utc(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, milliseconds only when there are any."""
    value = _as_utc(value)
    if value.microsecond:
        text = value.isoformat(timespec="milliseconds")
    else:
        text = value.isoformat(timespec="seconds")
    return text.replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    """Parse an ISO 8601 timestamp; naive times are taken as UTC."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return _as_utc(value)


def parse_duration(value: str | float | int) -> float:
    """Seconds from a number or a duration such as ``"90s"``, ``"20m"``, ``"1h30m"``, ``"2d"``."""
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or a text such as '20m'")
    if isinstance(value, int | float):
        return float(value)
    text = value.strip().lower()
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    total = 0.0
    number = ""
    i = 0
    if not text:
        raise ValueError("empty duration")
    while i < len(text):
        ch = text[i]
        if "0" <= ch <= "9" or ch == ".":  # ASCII digits only (see engine/numbers.py)
            number += ch
            i += 1
            continue
        unit = "ms" if text.startswith("ms", i) else ch
        if unit not in units or not number:
            raise ValueError(f"cannot read duration {value!r} (use e.g. 90s, 20m, 1h30m, 2d)")
        total += _number(number, value) * units[unit]
        number = ""
        i += len(unit)
    if number:  # a bare trailing number counts as seconds
        total += _number(number, value)
    return total


def _number(text: str, whole: object) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"cannot read duration {whole!r} (use e.g. 90s, 20m, 1h30m, 2d)") from None


__all__ = [
    "CLOCK_MODES",
    "Clock",
    "ClockError",
    "ClockMode",
    "iso_utc",
    "parse_duration",
    "parse_iso",
]
