"""The audit trail: one row per authorization decision, listed newest first."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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

EventRow = tuple[str, int, str | None, str, str | None, str | None, str, str]
"""An event as its columns in ``_COLUMNS`` order, with its time as ``time.time_ns()`` gives it
(nanoseconds since the epoch) and its statements already JSON text (``statements_json``)."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def utc_of(ns: int) -> datetime:
    """The aware UTC datetime of ``ns`` nanoseconds since the epoch, to the microsecond below: what
    ``datetime.now(UTC)`` gives for the same reading of the clock as ``time.time_ns()``."""
    return _EPOCH + timedelta(microseconds=ns // 1000)


def ns_of(moment: datetime) -> int:
    """The nanoseconds since the epoch of an aware datetime (``utc_of``'s inverse, exact)."""
    if moment.tzinfo is None:
        raise ValueError("store timestamps must be timezone-aware")
    return (moment - _EPOCH) // _MICROSECOND * 1000


def statements_json(statements: Sequence[Any]) -> str:
    """The ``statements`` column: the deciding statements as a JSON list."""
    return json.dumps(list(statements)) if statements else "[]"


def _by_second(processor: Callable[[datetime], str]) -> Callable[[int], str]:
    """SQLite's text of a time in ns: ``processor``'s text of its whole second (``YYYY-MM-DD
    HH:MM:SS``, memoised: a batch spans a second or two) and the microseconds. Formatting every
    row's datetime through SQLAlchemy's dictionary of fields cost a third of a batch's time."""

    @functools.lru_cache(maxsize=16)
    def second(seconds: int) -> str:
        return processor(_EPOCH + timedelta(seconds=seconds))[:19]

    def stamp(ns: int) -> str:
        seconds, micro = divmod(ns // 1000, 1_000_000)
        return f"{second(seconds)}.{micro:06d}"

    return stamp


_PROBES = (0, 1_796_031_015_123_456_789, 1_796_031_015_000_000_000, -62_135_596_800_000_000_000,
           253_402_300_799_999_999_999, -1)
"""Times (ns) ``_by_second`` must write as SQLAlchemy does before it is used: now-ish, a whole second,
the first and the last microsecond a datetime holds, just before the epoch."""


@functools.cache
def _insert_for(dialect: Dialect) -> tuple[str, bool, Callable[[int], Any]]:
    """The INSERT as the driver takes it, whether its parameters are positional, and what the time
    column binds for a time in ns: compiled once per dialect. SQLite's text is ``_by_second``'s
    when it agrees with SQLAlchemy's processor on every probe (tests/store/test_store_audit.py
    compares them on many more)."""
    compiled = audit_events.insert().compile(dialect=dialect, column_keys=list(_COLUMNS))
    processor: Callable[[Any], Any] = (audit_events.c.time.type.dialect_impl(dialect).bind_processor(dialect)
                                       or (lambda value: value))

    def stamp(ns: int) -> Any:
        return processor(utc_of(ns))

    if dialect.name == "sqlite":
        by_second = _by_second(processor)
        if all(by_second(ns) == stamp(ns) for ns in _PROBES):
            return compiled.string, bool(compiled.positional), by_second
    return compiled.string, bool(compiled.positional), stamp


def record_events(conn: Connection, events: Sequence[AuditEvent]) -> None:
    """Append many events in one statement; see ``record_rows``."""
    record_rows(conn, [(e.account_id, ns_of(e.time), e.principal_arn, e.action, e.resource, e.source_ip, e.decision,
                        statements_json(e.statements)) for e in events])


def record_rows(conn: Connection, rows: Sequence[EventRow]) -> None:
    """Append events given as their columns, in one statement (the gate's batches).

    Written with the statement compiled once and the driver's ``executemany``: a batch holds every
    decision of a busy fifth of a second, and SQLAlchemy's per-row parameter handling cost more
    than the database's own work (the rows are the same; tests read them back through ``list_events``)."""
    if not rows:
        return
    sql, positional, stamp = _insert_for(conn.dialect)
    bound = [(account, stamp(ns), principal, action, resource, source_ip, decision, statements)
             for account, ns, principal, action, resource, source_ip, decision, statements in rows]
    conn.exec_driver_sql(sql, bound if positional else [dict(zip(_COLUMNS, row, strict=True)) for row in bound])


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
