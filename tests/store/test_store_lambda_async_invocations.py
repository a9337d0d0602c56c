"""The queue of Event invocations: claims that expire, retries that wait, attempts counted only
when the function ran, and events that survive the store being closed and opened again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from lambda_store_support import ACCOUNT, REGION
from sqlalchemy import Connection

from lamina.store import open_store
from lamina.store.repositories import accounts
from lamina.store.repositories import lambda_async_invocations as queue

HOLD = timedelta(seconds=60)


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def test_a_claimed_event_is_not_claimed_twice_until_its_claim_expires(conn: Connection) -> None:
    queue.enqueue(conn, "r-1", ACCOUNT, REGION, "fn", "", b'{"a": 1}', '{"custom": {}}')
    first = queue.claim_due(conn, HOLD)
    assert [(e.request_id, e.function_name, e.qualifier, e.payload, e.client_context, e.attempts) for e in first] == [
        ("r-1", "fn", "", b'{"a": 1}', '{"custom": {}}', 0)]
    assert queue.claim_due(conn, HOLD) == []  # held by the first claim
    later = now() + HOLD + timedelta(seconds=1)
    assert [e.request_id for e in queue.claim_due(conn, HOLD, at=later)] == ["r-1"]  # its node never finished


def test_a_retry_waits_and_counts_an_attempt_a_throttle_does_not(conn: Connection) -> None:
    queue.enqueue(conn, "r-2", ACCOUNT, REGION, "fn", "live", b"{}")
    (event,) = queue.claim_due(conn, HOLD)
    due = now() + timedelta(seconds=30)
    queue.retry_later(conn, event.request_id, due)
    assert queue.claim_due(conn, HOLD) == []  # not due yet
    assert queue.next_due(conn) == due
    (again,) = queue.claim_due(conn, HOLD, at=due)
    assert again.attempts == 1
    queue.retry_later(conn, again.request_id, due, attempted=False)  # throttled: not an attempt
    (third,) = queue.claim_due(conn, HOLD, at=due)
    assert third.attempts == 1
    queue.finish(conn, third.request_id)
    assert queue.waiting(conn) == 0 and queue.next_due(conn) is None


def test_events_are_taken_oldest_first_up_to_the_limit(conn: Connection) -> None:
    for number in range(3):
        queue.enqueue(conn, f"r-{number}", ACCOUNT, REGION, "fn", "", b"{}")
    taken = queue.claim_due(conn, HOLD, limit=2)
    assert len(taken) == 2 and queue.waiting(conn, ACCOUNT) == 3
    assert len(queue.claim_due(conn, HOLD, limit=2)) == 1


def test_a_queued_event_outlives_a_restart(tmp_path: Path) -> None:
    store = open_store(tmp_path / "lamina.db")
    with store.transaction() as conn:
        accounts.create_account(conn, ACCOUNT)
        queue.enqueue(conn, "r-9", ACCOUNT, REGION, "fn", "", b'{"kept": true}')
    store.close()
    reopened = open_store(tmp_path / "lamina.db")
    with reopened.transaction() as conn:
        (event,) = queue.claim_due(conn, HOLD)
    reopened.close()
    assert (event.request_id, event.payload) == ("r-9", b'{"kept": true}')
