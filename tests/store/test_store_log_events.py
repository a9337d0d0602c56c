"""CloudWatch Logs' data: groups (create, list by prefix and page, delete with everything in them),
streams (by name or last event), events (appended in batches, read forward and backward, filtered),
the per-group cap (events and bytes, oldest dropped), retention (on write and on read), and the
step that brings a version 3 store up to version 4."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import Connection, text, update

from lamina.store import AlreadyExists, InvalidMarker, NotFound, open_store
from lamina.store.repositories import accounts, log_events
from lamina.store.repositories.log_events import EVENT_OVERHEAD_BYTES, MAX_MESSAGE_BYTES, Caps, NewEvent
from lamina.store.schema import SCHEMA_VERSION, schema_version

ACCOUNT = "111122223333"
REGION = "us-east-1"
GROUP = "/aws/lambda/fn"
LOG_TABLES = ("log_events", "log_streams", "log_groups")
NOW_MS = int(time.time() * 1000)


def events(*messages: str, at: int = NOW_MS) -> list[NewEvent]:
    return [NewEvent(at + index, message) for index, message in enumerate(messages)]


def messages(found: list[log_events.LogEvent]) -> list[str]:
    return [event.message for event in found]


def group(conn: Connection, name: str = GROUP) -> log_events.LogGroup:
    return log_events.get_group(conn, ACCOUNT, REGION, name)


def test_append_makes_the_group_and_stream_on_first_use(conn: Connection) -> None:
    log_events.append(conn, ACCOUNT, REGION, GROUP, "s1", events("a\n", "b\n"), ingestion_ms=NOW_MS + 5)
    found = group(conn)
    assert (found.event_count, found.stored_bytes) == (2, 2 * (2 + EVENT_OVERHEAD_BYTES))
    stream = log_events.get_stream(conn, found, "s1")
    assert (stream.first_event_ms, stream.last_event_ms, stream.last_ingestion_ms) == (NOW_MS, NOW_MS + 1, NOW_MS + 5)
    read = log_events.read_stream(conn, found, stream, from_head=True)
    assert messages(read) == ["a\n", "b\n"] and read[0].ingestion_ms == NOW_MS + 5 and read[0].stream_name == "s1"


def test_an_empty_batch_makes_nothing(conn: Connection) -> None:
    log_events.append(conn, ACCOUNT, REGION, GROUP, "s1", [])
    with pytest.raises(NotFound):
        group(conn)


def test_groups_are_per_account_and_region_and_names_are_unique(conn: Connection) -> None:
    log_events.create_group(conn, ACCOUNT, REGION, GROUP)
    with pytest.raises(AlreadyExists):
        log_events.create_group(conn, ACCOUNT, REGION, GROUP)
    log_events.create_group(conn, ACCOUNT, "eu-west-1", GROUP)
    assert [(g.region, g.name) for g in log_events.groups_named(conn, GROUP)] == [("eu-west-1", GROUP),
                                                                                   (REGION, GROUP)]
    with pytest.raises(NotFound):
        group(conn, "/aws/lambda/FN")  # names are case-sensitive


def test_list_groups_by_prefix_in_pages(conn: Connection) -> None:
    for name in ("/aws/lambda/b", "/aws/lambda/a", "/other/c", "/aws/lambda/c"):
        log_events.create_group(conn, ACCOUNT, REGION, name)
    first = log_events.list_groups(conn, ACCOUNT, REGION, prefix="/aws/lambda/", max_items=2)
    assert [g.name for g in first.items] == ["/aws/lambda/a", "/aws/lambda/b"] and first.marker is not None
    rest = log_events.list_groups(conn, ACCOUNT, REGION, prefix="/aws/lambda/", marker=first.marker, max_items=2)
    assert [g.name for g in rest.items] == ["/aws/lambda/c"] and rest.marker is None
    with pytest.raises(InvalidMarker):
        log_events.list_groups(conn, ACCOUNT, REGION, marker="not a marker")


def test_streams_by_name_or_by_last_event(conn: Connection) -> None:
    log_events.append(conn, ACCOUNT, REGION, GROUP, "b", events("x", at=NOW_MS + 100))
    log_events.append(conn, ACCOUNT, REGION, GROUP, "a", events("x", at=NOW_MS + 300))
    log_events.append(conn, ACCOUNT, REGION, GROUP, "c", events("x", at=NOW_MS + 200))
    found = group(conn)
    assert [s.name for s in log_events.list_streams(conn, found).items] == ["a", "b", "c"]
    newest = log_events.list_streams(conn, found, by_last_event=True, descending=True, max_items=2)
    assert [s.name for s in newest.items] == ["a", "c"]
    assert [s.name for s in log_events.list_streams(conn, found, by_last_event=True, descending=True,
                                                    marker=newest.marker).items] == ["b"]
    assert [s.name for s in log_events.list_streams(conn, found, prefix="b").items] == ["b"]


def test_read_stream_newest_by_default_oldest_from_head_and_around_a_position(conn: Connection) -> None:
    log_events.append(conn, ACCOUNT, REGION, GROUP, "s", events(*"abcde"))
    found = group(conn)
    stream = log_events.get_stream(conn, found, "s")
    assert messages(log_events.read_stream(conn, found, stream, limit=2)) == ["d", "e"]
    head = log_events.read_stream(conn, found, stream, from_head=True, limit=2)
    assert messages(head) == ["a", "b"]
    after = log_events.read_stream(conn, found, stream, after=(head[-1].timestamp_ms, head[-1].event_id), limit=2)
    assert messages(after) == ["c", "d"]
    before = log_events.read_stream(conn, found, stream, before=(after[0].timestamp_ms, after[0].event_id))
    assert messages(before) == ["a", "b"]
    assert messages(log_events.read_stream(conn, found, stream, start_ms=NOW_MS + 1, end_ms=NOW_MS + 3)) == ["b", "c"]


def test_filter_events_interleaves_streams_in_time_and_pages(conn: Connection) -> None:
    log_events.append(conn, ACCOUNT, REGION, GROUP, "s1", [NewEvent(NOW_MS, "one"), NewEvent(NOW_MS + 2, "three")])
    log_events.append(conn, ACCOUNT, REGION, GROUP, "s2", [NewEvent(NOW_MS + 1, "two"), NewEvent(NOW_MS + 3, "four")])
    found = group(conn)
    every, more = log_events.filter_events(conn, found, lambda m: True)
    assert messages(every) == ["one", "two", "three", "four"] and more is None
    page, more = log_events.filter_events(conn, found, lambda m: True, limit=2)
    assert messages(page) == ["one", "two"] and more is not None
    rest, _ = log_events.filter_events(conn, found, lambda m: True, after=more)
    assert messages(rest) == ["three", "four"]
    only_s2 = log_events.filter_events(conn, found, lambda m: "o" in m, stream_names=["s2"])[0]
    assert messages(only_s2) == ["two", "four"]
    assert messages(log_events.filter_events(conn, found, lambda m: True, stream_prefix="s1")[0]) == ["one", "three"]


def test_filter_events_scans_a_bounded_number_and_says_where_to_go_on(conn: Connection) -> None:
    log_events.append(conn, ACCOUNT, REGION, GROUP, "s", events(*(["miss"] * 5), "hit"))
    found, more = log_events.filter_events(conn, group(conn), lambda m: m == "hit", scan_limit=3)
    assert found == [] and more is not None
    rest, done = log_events.filter_events(conn, group(conn), lambda m: m == "hit", after=more)
    assert messages(rest) == ["hit"] and done is None


def test_the_cap_on_events_drops_the_oldest_down_to_nine_tenths(conn: Connection) -> None:
    caps = Caps(max_events=10, max_bytes=10**9)
    for index in range(10):
        log_events.append(conn, ACCOUNT, REGION, GROUP, "s", events(f"m{index}", at=NOW_MS + index), caps=caps)
    assert group(conn).event_count == 10
    log_events.append(conn, ACCOUNT, REGION, GROUP, "s", events("m10", at=NOW_MS + 10), caps=caps)
    kept = log_events.filter_events(conn, group(conn), lambda m: True)[0]
    assert messages(kept) == [f"m{index}" for index in range(2, 11)]
    assert group(conn).event_count == 9
    assert log_events.get_stream(conn, group(conn), "s").first_event_ms == NOW_MS + 2


def test_the_cap_on_bytes_counts_aws_overhead(conn: Connection) -> None:
    size = 100 + EVENT_OVERHEAD_BYTES
    caps = Caps(max_events=1000, max_bytes=10 * size)
    for index in range(11):
        log_events.append(conn, ACCOUNT, REGION, GROUP, "s", events(f"{index:03d}" + "x" * 97), caps=caps)
    found = group(conn)
    assert found.stored_bytes <= caps.max_bytes and found.event_count == 9
    assert messages(log_events.filter_events(conn, found, lambda m: True)[0])[0].startswith("002")


def test_the_cap_holds_per_group(conn: Connection) -> None:
    caps = Caps(max_events=2, max_bytes=10**9)
    log_events.append(conn, ACCOUNT, REGION, "/a", "s", events("1", "2", "3"), caps=caps)
    log_events.append(conn, ACCOUNT, REGION, "/b", "s", events("1", "2"), caps=caps)
    assert (group(conn, "/a").event_count, group(conn, "/b").event_count) == (1, 2)


def test_a_message_longer_than_aws_allows_is_cut(conn: Connection) -> None:
    log_events.append(conn, ACCOUNT, REGION, GROUP, "s", events("é" * MAX_MESSAGE_BYTES))
    found = group(conn)
    assert found.stored_bytes <= MAX_MESSAGE_BYTES + EVENT_OVERHEAD_BYTES
    (event,) = log_events.filter_events(conn, found, lambda m: True)[0]
    assert len(event.message.encode()) <= MAX_MESSAGE_BYTES and set(event.message) == {"é"}


def test_retention_drops_old_events_on_write_and_hides_them_on_read(conn: Connection) -> None:
    day = 86_400_000
    log_events.append(conn, ACCOUNT, REGION, GROUP, "s", [NewEvent(NOW_MS - 3 * day, "old"), NewEvent(NOW_MS, "new")])
    log_events.set_retention(conn, ACCOUNT, REGION, GROUP, 1)
    assert (group(conn).retention_days, group(conn).event_count) == (1, 1)
    assert messages(log_events.filter_events(conn, group(conn), lambda m: True)[0]) == ["new"]
    log_events.append(conn, ACCOUNT, REGION, GROUP, "s", [NewEvent(NOW_MS - 2 * day, "late")])
    assert group(conn).event_count == 1  # expired as it was written
    log_events.set_retention(conn, ACCOUNT, REGION, GROUP, None)
    assert group(conn).retention_days is None


def test_a_read_never_shows_what_retention_has_expired(conn: Connection) -> None:
    day = 86_400_000
    log_events.append(conn, ACCOUNT, REGION, GROUP, "s", [NewEvent(NOW_MS - 2 * day, "old"), NewEvent(NOW_MS, "new")])
    conn.execute(text("UPDATE log_groups SET retention_days = 1"))  # as if set before the events aged
    found = group(conn)
    assert messages(log_events.read_stream(conn, found, log_events.get_stream(conn, found, "s"))) == ["new"]


def test_delete_group_takes_its_streams_and_events(conn: Connection) -> None:
    log_events.append(conn, ACCOUNT, REGION, GROUP, "s", events("a"))
    log_events.delete_group(conn, ACCOUNT, REGION, GROUP)
    with pytest.raises(NotFound):
        group(conn)
    assert conn.execute(text("SELECT count(*) FROM log_events")).scalar() == 0
    with pytest.raises(NotFound):
        log_events.delete_group(conn, ACCOUNT, REGION, GROUP)


def test_a_version_3_store_gets_the_log_tables(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    with store.transaction() as conn:
        for table in LOG_TABLES:  # what version 3 looked like
            conn.execute(text(f"DROP TABLE {table}"))
        conn.execute(update(schema_version).values(version=3))
    store.close()
    store = open_store(tmp_path)
    with store.transaction() as conn:
        assert conn.execute(text("SELECT version FROM schema_version")).scalar() == SCHEMA_VERSION
        accounts.create_account(conn, ACCOUNT)
        log_events.append(conn, ACCOUNT, REGION, GROUP, "s", events("a"))
        assert group(conn).event_count == 1
    store.close()
