"""FunctionLogs: an invocation's log text split into events as CloudWatch shows Lambda's, queued by
``record`` (no store write), written by ``flush`` in one transaction, bounded in memory and per group,
and a bad batch never taking the others along."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest

from lamina import function_logs
from lamina.function_logs import FunctionLogs, split_log_text
from lamina.store import Connection, NotFound, Store, open_store
from lamina.store.repositories import accounts, log_events
from lamina.store.repositories.log_events import Caps

ACCOUNT = "111122223333"
REGION = "us-east-1"
GROUP = "/aws/lambda/fn"
STREAM = "2026/11/30/[$LATEST]0123456789abcdef0123456789abcdef"
AT = datetime(2026, 11, 30, 9, 0, 0, 250000, tzinfo=UTC)
TEXT = ("START RequestId: r1 Version: $LATEST\nhello\n\nworld\nEND RequestId: r1\n"
        "REPORT RequestId: r1\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 30 MB\t")


class CountingStore:
    """The store, counting the write transactions it is asked for."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.writes = 0

    @contextmanager
    def transaction(self, **options: Any) -> Iterator[Connection]:
        if not options.get("read_only"):
            self.writes += 1
        with self.store.transaction(**options) as conn:
            yield conn


@pytest.fixture
def store() -> Iterator[Store]:
    opened = open_store("sqlite://")
    with opened.transaction() as conn:
        accounts.create_account(conn, ACCOUNT)
    yield opened
    opened.close()


def messages(store: Store, group: str = GROUP) -> list[str]:
    with store.transaction(read_only=True) as conn:
        found = log_events.get_group(conn, ACCOUNT, REGION, group)
        return [event.message for event in log_events.filter_events(conn, found, lambda m: True)[0]]


def test_the_text_is_one_event_per_line_each_ending_with_a_newline() -> None:
    events = split_log_text(TEXT, AT)
    assert [e.message for e in events] == [
        "START RequestId: r1 Version: $LATEST\n", "hello\n", "\n", "world\n", "END RequestId: r1\n",
        "REPORT RequestId: r1\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\t"
        "Max Memory Used: 30 MB\t\n"]
    assert {e.timestamp_ms for e in events} == {1796029200250}
    assert split_log_text("", AT) == ()


def test_record_queues_and_flush_writes_every_invocation_in_one_transaction(store: Store) -> None:
    counting = CountingStore(store)
    logs = FunctionLogs(counting, background=False)  # type: ignore[arg-type]
    for _ in range(3):
        logs.record(ACCOUNT, REGION, GROUP, STREAM, TEXT, AT)
    assert counting.writes == 0
    with store.transaction(read_only=True) as conn, pytest.raises(NotFound):
        log_events.get_group(conn, ACCOUNT, REGION, GROUP)
    assert logs.flush() == 18
    assert counting.writes == 1
    assert len(messages(store)) == 18
    assert logs.flush() == 0 and counting.writes == 1


def test_close_writes_what_is_queued(store: Store) -> None:
    logs = FunctionLogs(store)
    logs.record(ACCOUNT, REGION, GROUP, STREAM, "START RequestId: r2 Version: 1\n", AT)
    logs.close()
    assert messages(store) == ["START RequestId: r2 Version: 1\n"]


def test_a_batch_the_store_refuses_does_not_take_the_others_along(store: Store,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    logs = FunctionLogs(store, background=False)
    logs.record(ACCOUNT, REGION, GROUP, STREAM, "kept\n", AT)
    logs.record("999999999999", REGION, GROUP, STREAM, "no such account\n", AT)
    logs.record(ACCOUNT, REGION, "/aws/lambda/other", STREAM, "kept too\n", AT)
    with caplog.at_level(logging.ERROR, logger="lamina.function_logs"):
        assert logs.flush() == 2
    assert messages(store) == ["kept\n"] and messages(store, "/aws/lambda/other") == ["kept too\n"]
    assert "could not write 1 log events of /aws/lambda/fn" in caplog.text


def test_memory_is_bounded_while_the_store_does_not_keep_up(store: Store, monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(function_logs, "MAX_PENDING_EVENTS", 8)
    logs = FunctionLogs(store, background=False)
    for _ in range(3):
        logs.record(ACCOUNT, REGION, GROUP, STREAM, TEXT, AT)  # 6 events each: the second does not fit
    with caplog.at_level(logging.WARNING, logger="lamina.function_logs"):
        assert logs.flush() == 6
    assert "dropped 12 log events" in caplog.text


def test_each_group_is_held_to_its_caps(store: Store) -> None:
    logs = FunctionLogs(store, caps=Caps(max_events=10, max_bytes=10**9), background=False)
    for _ in range(4):
        logs.record(ACCOUNT, REGION, GROUP, STREAM, TEXT, AT)
    logs.flush()
    assert len(messages(store)) <= 10
    assert messages(store)[-1].startswith("REPORT RequestId: r1")


def test_a_flush_appends_each_streams_events_at_once_in_the_order_recorded(store: Store,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    appended: list[tuple[str, int]] = []
    real_append = log_events.append

    def counting(conn: Connection, *args: Any, **options: Any) -> None:
        appended.append((args[3], len(args[4])))
        real_append(conn, *args, **options)

    monkeypatch.setattr(log_events, "append", counting)
    logs = FunctionLogs(store, background=False)
    other = STREAM.replace("0123", "4567")
    for number, stream in enumerate((STREAM, other, STREAM, other, STREAM)):
        logs.record(ACCOUNT, REGION, GROUP, stream, f"line {number}\n", AT)
    assert logs.flush() == 5
    assert appended == [(STREAM, 3), (other, 2)]
    with store.transaction(read_only=True) as conn:
        group = log_events.get_group(conn, ACCOUNT, REGION, GROUP)
        stream = log_events.get_stream(conn, group, STREAM)
        assert [e.message for e in log_events.read_stream(conn, group, stream, from_head=True)] == [
            "line 0\n", "line 2\n", "line 4\n"]
