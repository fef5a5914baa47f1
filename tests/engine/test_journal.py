from __future__ import annotations

from mock_server.engine.journal import Journal, ServedRequest, clip, clip_values


def _entry(
    journal: Journal, path: str, api: str = "sms4sats", method: str = "GET"
) -> ServedRequest:
    return ServedRequest(
        id=journal.next_id(),
        at=1767225600.0,  # 2026-01-01T00:00:00Z
        api=api,
        method=method,
        path=path,
        query={},
        headers={},
        body=None,
        status=200,
        response=None,
    )


def test_the_journal_is_a_bounded_ring_buffer() -> None:
    journal = Journal(capacity=3)
    for i in range(5):
        journal.record(_entry(journal, f"/p{i}"))
    assert [e.path for e in journal.query()] == ["/p2", "/p3", "/p4"]
    assert journal.dropped == 2
    assert len(journal) == 3


def test_filters_combine() -> None:
    journal = Journal()
    journal.record(_entry(journal, "/price"))
    journal.record(_entry(journal, "/api/v1/order/1/status/", api="smsverify"))
    journal.record(_entry(journal, "/api/v1/order/2/cancel/", api="smsverify", method="POST"))
    assert [e.path for e in journal.query(api="smsverify", method="post")] == [
        "/api/v1/order/2/cancel/"
    ]
    assert len(journal.query(path="/api/v1/order/*")) == 2
    assert [e.path for e in journal.query(limit=1)] == ["/api/v1/order/2/cancel/"]
    assert journal.query(limit=0) == []


def test_clear_empties_and_resets_the_drop_count() -> None:
    journal = Journal(capacity=1)
    journal.record(_entry(journal, "/a"))
    journal.record(_entry(journal, "/b"))
    journal.clear()
    assert len(journal) == 0
    assert journal.dropped == 0


def test_the_journal_is_bounded_in_bytes() -> None:
    journal = Journal(capacity=1000, max_bytes=10_000)
    for i in range(100):
        entry = _entry(journal, f"/p{i}")
        entry.size = 1_000
        journal.record(entry)
    assert journal.bytes <= 10_000 and len(journal) == 10
    assert [e.path for e in journal.query()][-1] == "/p99" and journal.dropped == 90


def test_clipped_values_say_how_long_they_were() -> None:
    assert clip("x" * 10, 20) == "x" * 10
    assert clip("x" * 100, 20) == "x" * 20 + "...[truncated: 100 bytes]"
    kept, size = clip_values({f"h{i}": "v" * 1000 for i in range(100)})
    assert len(kept) == 65 and kept["..."] == "[36 more left out]"
    assert all(len(v) <= 512 + 30 for v in kept.values())
    assert size == sum(len(k) + len(v) for k, v in kept.items())
    assert clip_values({"q": ["a", "bc"], "r": "d"}) == ({"q": ["a", "bc"], "r": "d"}, 6)


def test_a_json_body_is_kept_as_bytes_and_read_as_json() -> None:
    from mock_server.engine.journal import JsonBody

    journal = Journal(10)
    entry = _entry(journal, "/p")
    entry.body = JsonBody(b'{"country": 187, "n": 12345678901234567890}')
    journal.record(entry)
    [copy] = journal.query()
    assert copy.to_dict()["body"] == {"country": 187, "n": 12345678901234567890}
    entry.body = JsonBody(b"{not json")
    assert journal.query()[0].to_dict()["body"] == "{not json"


def test_an_entry_reads_its_time_in_iso_8601_first_after_its_id() -> None:
    journal = Journal()
    entry = _entry(journal, "/price")
    entry.at += 0.25
    data = entry.to_dict()
    assert list(data)[:3] == ["id", "time", "api"]
    assert data["time"] == "2026-01-01T00:00:00.250Z" and "at" not in data
