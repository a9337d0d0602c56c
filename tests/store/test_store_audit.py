"""The audit trail's batch insert (compiled once, the driver's executemany) writes what it is given, as
SQLAlchemy would have written it."""

from __future__ import annotations

import random
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from lamina.store import open_store
from lamina.store.repositories import accounts, audit
from lamina.store.repositories.audit import AuditEvent
from lamina.store.schema import audit_events

ACCOUNT = "123456789012"


def test_a_batch_reads_back_field_for_field(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    at = datetime(2026, 11, 30, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    written = [
        AuditEvent(ACCOUNT, at, "lambda:GetFunction", "Allow", f"arn:aws:iam::{ACCOUNT}:root",
                   f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f", "127.0.0.1",
                   ({"policy": "p", "type": "identity", "statement": 0, "effect": "Allow"},)),
        AuditEvent(ACCOUNT, at + timedelta(seconds=1), "iam:GetUser", "ImplicitDeny", None, None, None),
    ]
    with store.transaction() as conn:
        accounts.create_account(conn, ACCOUNT)
        audit.record_events(conn, written)
        audit.record_events(conn, [])
    with store.transaction(read_only=True) as conn:
        read = list(reversed(audit.list_events(conn, ACCOUNT).items))
    store.close()
    assert [event.event_id is not None for event in read] == [True, True]
    assert [event.time for event in read] == [at.astimezone(UTC), (at + timedelta(seconds=1)).astimezone(UTC)]
    assert [(e.account_id, e.action, e.decision, e.principal_arn, e.resource, e.source_ip, e.statements)
            for e in read] == [(e.account_id, e.action, e.decision, e.principal_arn, e.resource, e.source_ip,
                                e.statements) for e in written]


def test_the_statement_takes_each_drivers_parameter_style() -> None:
    lite_sql, lite_positional, _ = audit._insert_for(sqlite.dialect())
    pg_sql, pg_positional, _ = audit._insert_for(postgresql.dialect())
    assert lite_positional and lite_sql.count("?") == 8
    assert not pg_positional and "%(account_id)s" in pg_sql and "%(statements)s" in pg_sql


def _ns_samples() -> list[int]:
    """Times in ns: random ones over the whole range a datetime holds, each microsecond and second
    edge, just before and after the epoch, and many within one second (a batch's shape)."""
    rng = random.Random(7)
    first, last = audit.ns_of(datetime(1, 1, 1, tzinfo=UTC)), audit.ns_of(datetime(9999, 12, 31, 23, 59, 59, 999999,
                                                                                     tzinfo=UTC))
    now = time.time_ns()
    edges = [first, first + 999, last, last + 999, 0, -1, -999, -1000, -1001, 999_999_999, 1_000_000_000,
             now - now % 1_000_000_000, now - now % 1_000_000_000 - 1]
    return edges + [rng.randint(first, last) for _ in range(3000)] + [now + rng.randint(0, 10**9) for _ in range(500)]


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()], ids=["sqlite", "postgresql"])
def test_the_time_is_bound_as_sqlalchemys_processor_binds_it(dialect: Any) -> None:
    """The shortcut (SQLite: each second's text once, then the microseconds) against the long way:
    SQLAlchemy's bind processor of the column on the datetime ``datetime.now(UTC)`` would give."""
    _, _, stamp = audit._insert_for(dialect)
    processor = audit_events.c.time.type.dialect_impl(dialect).bind_processor(dialect)
    assert processor is not None
    for ns in _ns_samples():
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=ns // 1000)
        assert audit.utc_of(ns) == moment and audit.utc_of(ns).tzinfo is UTC
        assert audit.ns_of(moment) == ns - ns % 1000
        assert stamp(ns) == processor(moment), ns


def test_utc_of_is_datetime_now_for_the_same_clock() -> None:
    before = datetime.now(UTC)
    ns = time.time_ns()
    after = datetime.now(UTC)
    assert before <= audit.utc_of(ns) <= after
    assert audit.utc_of(ns) == datetime.fromtimestamp(ns // 10**9, UTC).replace(microsecond=ns // 1000 % 10**6)


def test_ns_of_takes_any_zone_and_refuses_naive_times() -> None:
    at = datetime(2026, 11, 30, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    assert audit.utc_of(audit.ns_of(at)) == at
    with pytest.raises(ValueError, match="timezone-aware"):
        audit.ns_of(datetime(2026, 11, 30))


def test_batches_store_the_bytes_sqlalchemy_stores(tmp_path: Path) -> None:
    """``record_events`` (the batch) and ``record_event`` (SQLAlchemy Core, one row at a time) leave
    identical rows, the time column's text included."""
    rng = random.Random(11)
    zones = [UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-9, minutes=-30))]
    events = [AuditEvent(ACCOUNT, datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=rng.randint(0, 2**52)),
                         rng.choice(["lambda:GetFunction", "iam:GetUser", "x'; DROP TABLE audit_events;--"]),
                         rng.choice(["Allow", "ExplicitDeny", "ImplicitDeny", "Success"]),
                         rng.choice([None, f"arn:aws:iam::{ACCOUNT}:root", "arn:aws:iam::1:user/\u00e9\"\\"]),
                         rng.choice([None, "*", "arn:aws:lambda:us-east-1:1:function:f"]),
                         rng.choice([None, "127.0.0.1", "::1"]),
                         tuple({"policy": f"p{i}", "statement": rng.choice([0, "Sid\u2603", None])}
                               for i in range(rng.randint(0, 3)))) for _ in range(300)]
    events = [replace(e, time=e.time.astimezone(rng.choice(zones))) for e in events]
    stores = [open_store(tmp_path / "batch"), open_store(tmp_path / "core")]
    for store in stores:
        with store.transaction() as conn:
            accounts.create_account(conn, ACCOUNT)
    with stores[0].transaction() as conn:
        audit.record_events(conn, events)
    with stores[1].transaction() as conn:
        for event in events:
            audit.record_event(conn, event)
    rows = []
    for store in stores:
        with store.transaction(read_only=True) as conn:
            rows.append(conn.exec_driver_sql("SELECT * FROM audit_events ORDER BY event_id").fetchall())
        store.close()
    assert rows[0] == rows[1] and len(rows[0]) == len(events)
