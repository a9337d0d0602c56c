"""The audit trail: one row per authorization decision, listed newest first."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Dialect, Row, select

from ..schema import audit_events
from ._common import DEFAULT_MAX_ITEMS, Page, paginate


@dataclass(frozen=True)
class AuditEvent:
    account_id: str
    time: datetime
    action: str
    decision: str  # Allow | ExplicitDeny | ImplicitDeny; a console sign-in's: Success | Failure | Locked
    principal_arn: str | None = None
    resource: str | None = None
    source_ip: str | None = None
    statements: tuple[Any, ...] = ()  # the deciding statements, JSON-ready values
    event_id: int | None = None  # set by the store


def record_event(conn: Connection, event: AuditEvent) -> int:
    """Append an event; returns its id."""
    result = conn.execute(
        audit_events.insert().values(
            account_id=event.account_id,
            time=event.time,
            principal_arn=event.principal_arn,
            action=event.action,
            resource=event.resource,
            source_ip=event.source_ip,
            decision=event.decision,
            statements=json.dumps(list(event.statements)),
        )
    )
    key: Sequence[Any] = result.inserted_primary_key or ()
    return int(key[0])


_COLUMNS = ("account_id", "time", "principal_arn", "action", "resource", "source_ip", "decision", "statements")


@functools.cache
def _insert_for(dialect: Dialect) -> tuple[str, bool, Callable[[Any], Any]]:
    """The INSERT as the driver takes it, whether its parameters are positional, and the time
    column's bind processor: compiled once per dialect."""
    compiled = audit_events.insert().compile(dialect=dialect, column_keys=list(_COLUMNS))
    processor = audit_events.c.time.type.dialect_impl(dialect).bind_processor(dialect)
    return compiled.string, bool(compiled.positional), processor or (lambda value: value)


def record_events(conn: Connection, events: Sequence[AuditEvent]) -> None:
    """Append many events in one statement (the gate's batches).

    Written with the statement compiled once and the driver's ``executemany``: a batch holds every
    decision of a busy fifth of a second, and SQLAlchemy's per-row parameter handling cost more
    than the database's own work (the rows are the same; tests read them back through ``list_events``)."""
    if not events:
        return
    sql, positional, stamp = _insert_for(conn.dialect)
    rows = [(e.account_id, stamp(e.time), e.principal_arn, e.action, e.resource, e.source_ip,
             e.decision, json.dumps(list(e.statements)) if e.statements else "[]") for e in events]
    conn.exec_driver_sql(sql, rows if positional else [dict(zip(_COLUMNS, row, strict=True)) for row in rows])


def _event(row: Row[Any]) -> AuditEvent:
    return AuditEvent(
        row.account_id,
        row.time,
        row.action,
        row.decision,
        row.principal_arn,
        row.resource,
        row.source_ip,
        tuple(json.loads(row.statements)),
        row.event_id,
    )


def list_events(
    conn: Connection, account_id: str, *, marker: str | None = None, max_items: int = DEFAULT_MAX_ITEMS
) -> Page[AuditEvent]:
    query = select(audit_events).where(audit_events.c.account_id == account_id)
    return paginate(conn, query, audit_events.c.event_id, _event, marker=marker, max_items=max_items, descending=True)
