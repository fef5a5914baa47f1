from __future__ import annotations

import pytest

from mock_server.engine.ratelimit import RateLimiter


def test_the_61st_request_in_a_minute_is_refused_with_retry_after() -> None:
    limiter = RateLimiter(60, 60)
    for i in range(60):
        assert limiter.check("k", 1000 + i * 0.5).allowed  # 60 requests over 29.5 s
    refused = limiter.check("k", 1030)
    assert (refused.allowed, refused.retry_after) == (False, 30)  # the first leaves at 1060
    assert not limiter.check("k", 1059.9).allowed
    assert limiter.check("k", 1030 + refused.retry_after).allowed


def test_refused_requests_do_not_count() -> None:
    limiter = RateLimiter(2, 10)
    assert limiter.check("k", 0).allowed and limiter.check("k", 1).allowed
    for t in range(2, 10):
        assert not limiter.check("k", t).allowed
    assert limiter.check("k", 10).allowed  # the window slid past the first hit
    assert not limiter.check("k", 10.5).allowed
    assert limiter.check("k", 11).allowed


def test_keys_are_limited_independently() -> None:
    limiter = RateLimiter(1, 60)
    assert limiter.check("a", 0).allowed
    assert not limiter.check("a", 1).allowed
    assert limiter.check("b", 1).allowed


def test_retry_after_is_whole_seconds_rounded_up() -> None:
    limiter = RateLimiter(1, 60)
    limiter.check("k", 0.25)
    assert limiter.check("k", 10).retry_after == 51  # 50.25 s -> 51
    assert limiter.check("k", 60.2).retry_after == 1


def test_remaining_counts_down_and_reset_forgets() -> None:
    limiter = RateLimiter(3, 60)
    assert [limiter.check("k", 0).remaining for _ in range(3)] == [2, 1, 0]
    limiter.reset()
    assert limiter.check("k", 1).remaining == 2


def test_bad_limits_are_refused() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0, 60)
    with pytest.raises(ValueError):
        RateLimiter(1, 0)
