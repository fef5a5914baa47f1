"""One ticker runs the due events of every world on a real clock; a slow world holds up no other."""

from __future__ import annotations

import threading

from mock_server.engine.ticker import Ticker


class World:
    """A scheduler stand-in: due when told, and its run waits for ``release`` when given one."""

    def __init__(self, release: threading.Event | None = None) -> None:
        self.due = False
        self.runs = 0
        self.ran = threading.Event()
        self.release = release

    def is_due(self) -> bool:
        return self.due

    def run_due(self) -> int:
        self.due = False
        if self.release is not None:
            self.release.wait(5)
        self.runs += 1
        self.ran.set()
        return 1


def test_only_worlds_with_an_event_due_run_and_a_slow_one_blocks_no_other() -> None:
    ticker = Ticker(interval=0.001, workers=2)
    release = threading.Event()
    slow, quick, idle = World(release), World(), World()
    try:
        for world in (slow, quick, idle):
            ticker.add(world)
        slow.due = True
        quick.due = True
        assert quick.ran.wait(5)  # while the slow world's receiver still holds it
        assert slow.runs == 0 and idle.runs == 0
        release.set()
        assert slow.ran.wait(5)
        assert idle.runs == 0
    finally:
        ticker.close()


def test_removing_a_world_waits_for_its_events_and_runs_it_no_more() -> None:
    ticker = Ticker(interval=0.001)
    release = threading.Event()
    world = World(release)
    ticker.add(world)
    world.due = True
    removed = threading.Event()
    try:
        waiting = threading.Thread(target=lambda: (ticker.remove(world), removed.set()))
        for _ in range(5000):  # until the ticker has handed the world to a worker
            if ticker._busy:
                break
            removed.wait(0.001)
        waiting.start()
        assert not removed.wait(0.05)  # its event is still running
        release.set()
        assert removed.wait(5) and world.runs == 1
        world.due = True
        assert not ticker.runs(world)
    finally:
        ticker.close()
    assert world.runs == 1


def test_a_served_world_on_a_real_clock_runs_its_events_on_the_ticker() -> None:
    from mock_server.app import create_app, worlds_of
    from mock_server.engine.clock import Clock

    wall = [1_800_000_000.0]
    worlds = worlds_of(create_app("default", clock=Clock("real", wall=lambda: wall[0])))
    ran = threading.Event()
    try:
        worlds.start()
        default = worlds.default
        assert default.scheduler.running and default.scheduler._thread is None  # no own thread
        default.scheduler.after(10, "a test's event", ran.set)
        assert not ran.wait(0.2)  # the ticker looks every 50 ms: not due yet
        wall[0] += 10
        assert ran.wait(5)
    finally:
        worlds.close()
    assert not worlds.ticker.runs(default.scheduler)
