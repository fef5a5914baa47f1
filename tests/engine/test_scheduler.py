from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from mock_server.engine.clock import Clock, ClockError
from mock_server.engine.scheduler import Scheduler

START = datetime(2026, 1, 1, tzinfo=UTC).timestamp()


@pytest.fixture
def clock() -> Clock:
    return Clock("virtual", start=datetime(2026, 1, 1, tzinfo=UTC))


@pytest.fixture
def scheduler(clock: Clock) -> Scheduler:
    return Scheduler(clock)


def test_events_run_in_time_order_each_at_its_own_time(clock: Clock, scheduler: Scheduler) -> None:
    seen: list[tuple[str, float]] = []
    scheduler.after(
        1260, "auto-cancel", lambda: seen.append(("auto-cancel", clock.timestamp() - START))
    )
    scheduler.after(90, "code", lambda: seen.append(("code", clock.timestamp() - START)))
    scheduler.after(
        90, "second at same time", lambda: seen.append(("same", clock.timestamp() - START))
    )

    assert scheduler.advance(3600) == 3
    assert seen == [("code", 90), ("same", 90), ("auto-cancel", 1260)]
    assert clock.timestamp() - START == 3600


def test_nothing_runs_before_it_is_due(clock: Clock, scheduler: Scheduler) -> None:
    seen: list[str] = []
    scheduler.after(60, "later", lambda: seen.append("later"))
    assert scheduler.advance(59.9) == 0
    assert seen == []
    assert scheduler.advance(0.1) == 1
    assert seen == ["later"]


def test_events_scheduled_by_events_run_in_the_same_advance(
    clock: Clock, scheduler: Scheduler
) -> None:
    """A callback retried with backoff: each retry is scheduled by the previous attempt."""
    attempts: list[float] = []

    def attempt() -> None:
        attempts.append(clock.timestamp() - START)
        if len(attempts) < 5:
            scheduler.after(2 ** len(attempts) * 60, "retry", attempt)

    scheduler.after(0, "first", attempt)
    scheduler.advance(24 * 3600)
    assert attempts == [0, 120, 360, 840, 1800]


def test_an_event_scheduled_past_the_target_waits(clock: Clock, scheduler: Scheduler) -> None:
    seen: list[str] = []
    scheduler.after(10, "chain", lambda: scheduler.after(100, "next", lambda: seen.append("next")))
    scheduler.advance(50)
    assert seen == []
    assert [e.name for e in scheduler.pending()] == ["next"]
    scheduler.advance(60)
    assert seen == ["next"]


def test_cancelled_events_do_not_run(scheduler: Scheduler) -> None:
    seen: list[str] = []
    event = scheduler.after(5, "cancel me", lambda: seen.append("ran"))
    event.cancel()
    assert scheduler.advance(10) == 0
    assert seen == []
    assert scheduler.pending() == []


def test_a_failing_event_is_recorded_and_the_rest_still_run(scheduler: Scheduler) -> None:
    seen: list[str] = []

    def broken() -> None:
        raise RuntimeError("boom")

    scheduler.after(1, "broken", broken)
    scheduler.after(2, "fine", lambda: seen.append("fine"))
    assert scheduler.advance(5) == 2
    assert seen == ["fine"]
    assert [(f.name, f.error) for f in scheduler.failures] == [("broken", "RuntimeError: boom")]


def test_advance_to_refuses_the_past(clock: Clock, scheduler: Scheduler) -> None:
    scheduler.advance(100)
    with pytest.raises(ClockError, match="backwards"):
        scheduler.advance_to(START + 50)
    with pytest.raises(ClockError):
        scheduler.advance(-1)
    assert scheduler.advance_to(START + 200) == 0
    assert clock.timestamp() == START + 200


def test_clear_drops_pending_events(scheduler: Scheduler) -> None:
    scheduler.after(5, "x", lambda: None)
    scheduler.clear()
    assert scheduler.pending() == []


def test_real_mode_background_thread_runs_due_events() -> None:
    """Real mode: the scheduler's thread runs an event once wall time reaches it."""
    wall = [1_000_000.0]
    clock = Clock("real", start=datetime(2026, 1, 1, tzinfo=UTC), wall=lambda: wall[0])
    scheduler = Scheduler(clock)
    fired = threading.Event()
    scheduler.after(30, "due in 30s", fired.set)
    scheduler.start(interval=0.01)
    try:
        assert not fired.wait(0.1)  # not due: wall time has not moved
        wall[0] += 30
        assert fired.wait(5), "the background thread did not run the due event"
    finally:
        scheduler.stop()
    assert not scheduler.running


def test_advance_refuses_to_pass_the_year_9999_and_runs_nothing(
    clock: Clock, scheduler: Scheduler
) -> None:
    seen: list[str] = []
    scheduler.after(10, "soon", lambda: seen.append("ran"))
    with pytest.raises(ClockError, match="year 9999"):
        scheduler.advance(8000 * 365 * 86400)
    assert seen == [] and clock.timestamp() == START


def test_named_events_run_their_kind_with_their_args_and_belong_to_their_owner(
    scheduler: Scheduler,
) -> None:
    seen: list[tuple[str, int]] = []
    scheduler.handle(
        "shop.ship",
        lambda order: seen.append(("ship", order)),
        owned=True,
        namer=lambda order: f"ship {order}",
    )
    scheduler.handle("shop.bill", lambda order: seen.append(("bill", order)), owned=True)
    scheduler.schedule_after(10, "shop.ship", 1)
    scheduler.schedule_after(20, "shop.bill", 1)
    scheduler.schedule_after(15, "shop.ship", 2)
    assert [e.name for e in scheduler.owned("shop", 1)] == ["ship 1", "shop.bill"]
    scheduler.cancel_owned("shop", 1, kind="shop.bill")
    assert [e.name for e in scheduler.owned("shop", 1)] == ["ship 1"]
    assert scheduler.advance(30) == 2
    assert seen == [("ship", 1), ("ship", 2)]
    assert scheduler.owned("shop", 1) == [] and scheduler.owned("shop", 2) == []


def test_an_owned_event_cancelled_directly_leaves_its_owner_when_its_time_comes(
    scheduler: Scheduler,
) -> None:
    scheduler.handle("shop.ship", lambda order: None, owned=True)
    first = scheduler.schedule_after(10, "shop.ship", 7)
    second = scheduler.schedule_after(20, "shop.ship", 7)
    first.cancel()  # not through the scheduler: the owner still lists it until it is due
    assert scheduler.owned("shop", 7) == [second]
    scheduler.advance(15)
    assert scheduler._owned["shop"][7] is second and second.sibling is None
    scheduler.advance(10)
    assert 7 not in scheduler._owned.get("shop", {})


def test_an_unknown_kind_is_refused(scheduler: Scheduler) -> None:
    with pytest.raises(KeyError, match="no handler registered"):
        scheduler.schedule(10, "nobody.handles", 1)


def test_cancelled_events_do_not_stay_in_the_heap(scheduler: Scheduler) -> None:
    ran: list[int] = []
    scheduler.handle("t.tick", ran.append)
    events = [scheduler.schedule_after(3600 + i, "t.tick", i) for i in range(5000)]
    for event in events[:4000]:  # due in an hour: they would sit there until then
        scheduler.cancel(event)
    assert len(scheduler._queue) < 2500
    scheduler.advance(3600 + 5000)
    assert ran == list(range(4000, 5000))


def test_the_failures_kept_are_bounded(scheduler: Scheduler) -> None:
    def broken() -> None:
        raise RuntimeError("boom")

    for _ in range(500):
        scheduler.after(0, "broken", broken)
    scheduler.advance(1)
    assert len(scheduler.failures) == 100


def test_the_pending_count_is_exact_through_cancels_runs_and_holds() -> None:
    """It is counted, not recounted (the dashboard asks every second): check it against a
    recount after every kind of change."""
    from mock_server.engine.simulation import Simulation

    sim = Simulation("virtual")
    scheduler = sim.scheduler

    def recount() -> int:
        return sum(1 for e in scheduler.pending())

    events = [scheduler.after(seconds, f"e{seconds}", lambda: None) for seconds in range(1, 40)]
    for event in events[::3]:
        scheduler.cancel(event)
    scheduler.cancel(events[0])  # twice: counted once
    assert scheduler.pending_count() == recount() == 26
    held = sim.hold(100, threading.Event())
    assert scheduler.pending_count() == recount() == 27
    sim.unhold(threading.Event(), held)
    assert scheduler.pending_count() == recount() == 26
    scheduler.advance(20)  # runs some, pops the cancelled ones on the way
    assert scheduler.pending_count() == recount()
    scheduler.cancel(events[1])  # ran already: nothing to cancel
    assert scheduler.pending_count() == recount()
    scheduler.advance(100)
    assert scheduler.pending_count() == recount() == 0


def test_the_next_events_are_read_off_the_heap_in_order(scheduler: Scheduler) -> None:
    import random

    rng = random.Random(7)
    events = [scheduler.after(rng.uniform(1, 1000), "e", lambda: None) for _ in range(500)]
    for event in rng.sample(events, 200):
        scheduler.cancel(event)
    assert scheduler.next_events(50) == scheduler.pending()[:50]
    assert scheduler.next_events(1000) == scheduler.pending()
