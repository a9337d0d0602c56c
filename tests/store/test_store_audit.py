"""The audit trail's batch insert (compiled once, the driver's executemany) writes what it is given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy.dialects import postgresql, sqlite

from lamina.store import open_store
from lamina.store.repositories import accounts, audit
from lamina.store.repositories.audit import AuditEvent

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
