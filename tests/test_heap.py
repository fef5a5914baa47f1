"""The heap policy keeps long-lived objects out of full collections and still frees cycles."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from mock_server.heap import Heap, collection_paused


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def heap() -> Iterator[tuple[Heap, FakeClock]]:
    clock = FakeClock()
    heap = Heap(freeze_every=1, idle_collect_every=300, collect_every=1800, clock=clock)
    heap.start()
    try:
        yield heap, clock
    finally:
        heap.stop()


def test_start_freezes_what_start_up_built(heap: tuple[Heap, FakeClock]) -> None:
    assert gc.get_freeze_count() > 0
    assert gc.get_count()[0] < 700  # nothing left young


def _unfrozen(objects: list[Node]) -> int:
    """How many of ``objects`` a collection would still scan (they are in no generation when
    frozen)."""
    ids = {id(o) for o in objects}
    return sum(1 for g in range(3) for o in gc.get_objects(generation=g) if id(o) in ids)


def test_long_lived_objects_are_frozen_every_second(heap: tuple[Heap, FakeClock]) -> None:
    policy, clock = heap
    kept = [Node() for _ in range(1000)]
    clock.now = 0.5
    policy.tick(idle=False)
    assert _unfrozen(kept) == len(kept)  # not yet
    clock.now = 1.0
    policy.tick(idle=False)
    assert _unfrozen(kept) == 0
    assert policy.full_collections == 0


def _frozen_garbage(policy: Heap, clock: FakeClock) -> weakref.ref[Node]:
    """A cycle frozen while alive, then dropped: garbage no ordinary collection sees."""
    node = Node()
    gone = weakref.ref(node)
    clock.now = 1.0
    policy.tick(idle=False)
    del node
    gc.collect()
    assert gone() is not None
    return gone


def test_frozen_cycles_are_freed_by_a_full_collection_while_idle(
    heap: tuple[Heap, FakeClock],
) -> None:
    policy, clock = heap
    gone = _frozen_garbage(policy, clock)
    clock.now = 299.0
    policy.tick(idle=True)
    assert gone() is not None and policy.full_collections == 0  # not due yet
    clock.now = 301.0
    policy.tick(idle=False)
    assert gone() is not None  # due, but the server is busy
    policy.tick(idle=True)
    assert gone() is None and policy.full_collections == 1


def test_a_server_never_idle_still_collects_in_full_now_and_then(
    heap: tuple[Heap, FakeClock],
) -> None:
    policy, clock = heap
    gone = _frozen_garbage(policy, clock)
    clock.now = 1801.0
    policy.tick(idle=False)
    assert gone() is None and policy.full_collections == 1


def test_stop_gives_every_object_back() -> None:
    policy = Heap()
    policy.start()
    policy.stop()
    assert gc.get_freeze_count() == 0


def test_collection_paused_pauses_and_restores() -> None:
    assert gc.isenabled()
    with collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
