from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mock_server.engine.clock import Clock, ClockError, iso_utc, parse_duration, parse_iso

START = datetime(2026, 1, 1, tzinfo=UTC)


class FakeWall:
    """A wall clock the test moves by hand, so real mode is tested without waiting."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_virtual_clock_stands_still_until_advanced() -> None:
    wall = FakeWall()
    clock = Clock("virtual", start=START, wall=wall)
    wall.now += 3600
    assert clock.now() == START
    assert clock.advance(90) == datetime(2026, 1, 1, 0, 1, 30, tzinfo=UTC)
    assert clock.millis() == int(START.timestamp() * 1000) + 90_000


def test_real_clock_follows_the_wall_plus_the_advanced_offset() -> None:
    wall = FakeWall()
    clock = Clock("real", start=START, wall=wall)
    wall.now += 10
    assert clock.timestamp() == START.timestamp() + 10
    clock.advance(1260)
    wall.now += 5
    assert clock.timestamp() == START.timestamp() + 10 + 1260 + 5


def test_real_clock_speed_multiplies_wall_time() -> None:
    wall = FakeWall()
    clock = Clock("real", start=START, speed=60, wall=wall)
    wall.now += 21  # 21 wall seconds at 60x are 21 simulated minutes
    assert clock.now() == datetime(2026, 1, 1, 0, 21, tzinfo=UTC)


def test_real_clock_without_start_begins_at_wall_time() -> None:
    wall = FakeWall(1_767_225_600.0)
    assert Clock("real", wall=wall).now() == START


@pytest.mark.parametrize("mode", ["real", "virtual"])
def test_clock_never_moves_backwards(mode: str) -> None:
    clock = Clock(mode, start=START, wall=FakeWall())  # type: ignore[arg-type]
    with pytest.raises(ClockError, match="backwards"):
        clock.advance(-1)
    with pytest.raises(ClockError, match="backwards"):
        clock.move_to(datetime(2025, 12, 31, tzinfo=UTC))
    assert clock.now() == START


def test_move_to_lands_exactly_on_the_target() -> None:
    clock = Clock("virtual", start=START)
    target = datetime(2026, 1, 1, 0, 21, tzinfo=UTC)
    assert clock.move_to(target) == target


def test_unknown_mode_and_bad_speed_are_refused() -> None:
    with pytest.raises(ClockError, match="unknown clock mode"):
        Clock("sundial")  # type: ignore[arg-type]
    with pytest.raises(ClockError, match="positive"):
        Clock("real", speed=0)


def test_naive_start_is_taken_as_utc() -> None:
    naive = datetime(2026, 1, 1)  # noqa: DTZ001 - the point of the test
    assert Clock("virtual", start=naive).now() == START


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("20m", 1200),
        ("1h30m", 5400),
        ("2d", 172800),
        ("1w", 604800),
        ("250ms", 0.25),
        ("45", 45),
        (12.5, 12.5),
        (7, 7),
    ],
)
def test_parse_duration(text: str | float, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "m", "20x", "1.2.3m", "abc"])
def test_parse_duration_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_parse_duration_refuses_booleans() -> None:
    with pytest.raises(ValueError):
        parse_duration(True)  # type: ignore[arg-type]


def test_iso_round_trip() -> None:
    assert iso_utc(START) == "2026-01-01T00:00:00Z"
    assert parse_iso("2026-01-01T00:00:00Z") == START
    assert parse_iso("2026-01-01T01:00:00+01:00") == START
    assert iso_utc(datetime(2026, 1, 1, 0, 0, 0, 250000, tzinfo=UTC)) == "2026-01-01T00:00:00.250Z"


def test_the_clock_stops_short_of_the_year_10000() -> None:
    clock = Clock("virtual", start=START)
    with pytest.raises(ClockError, match="year 9999"):
        clock.advance(8000 * 365 * 86400)
    with pytest.raises(ClockError, match="year 9999"):
        clock.move_to(datetime(9999, 6, 1, tzinfo=UTC))
    assert clock.now() == START


def test_one_instant_is_one_float_so_orders_made_in_it_share_it() -> None:
    clock = Clock("virtual", start=datetime(2026, 1, 1, tzinfo=UTC))
    first, again = clock.timestamp(), clock.timestamp()
    assert first is again  # 100,000 orders of a frozen clock hold one float, not 100,000
    clock.advance(1.5)
    later = clock.timestamp()
    assert later == first + 1.5 and later is clock.timestamp() and later is not first
