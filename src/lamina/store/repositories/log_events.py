"""CloudWatch Logs' data: log groups, their streams and events, bounded per group.

AWS keeps log events forever unless a group has a retention policy; Lamina runs on laptops, so
each group keeps at most ``Caps.max_events`` events and ``Caps.max_bytes`` bytes (an event
counts its UTF-8 message plus 26 bytes, AWS's own metering). Appending past either bound drops
the group's oldest events (by ingestion order) down to nine tenths of it, so a trim is rare and
the bound always holds after a write. A group's ``retention_days`` is honoured on every append
to it (events older than the retention are deleted) and on every read (they are never shown).

Times are epoch milliseconds, as the API speaks them. Names are case-sensitive.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, case, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from ..errors import AlreadyExists, NotFound
from ..schema import log_events, log_groups, log_streams
from ._common import Page, now, paginate, path_starts_with

__all__ = [
    "DEFAULT_CAPS",
    "EVENT_OVERHEAD_BYTES",
    "MAX_MESSAGE_BYTES",
    "Caps",
    "LogEvent",
    "LogGroup",
    "LogStream",
    "NewEvent",
    "append",
    "create_group",
    "delete_group",
    "filter_events",
    "get_group",
    "get_stream",
    "groups_named",
    "list_groups",
    "list_streams",
    "read_stream",
    "set_retention",
]

EVENT_OVERHEAD_BYTES = 26
"""What AWS adds to each event's UTF-8 message when it meters a log event's size."""
MAX_MESSAGE_BYTES = 256 * 1024 - EVENT_OVERHEAD_BYTES
"""AWS's largest event (256 KiB with the overhead); a longer message is cut to this."""
_DAY_MS = 86_400_000
_LOW_WATER = 0.9


@dataclass(frozen=True)
class Caps:
    """What one log group may hold; the oldest events go first."""

    max_events: int = 10_000
    max_bytes: int = 16 * 1024 * 1024


DEFAULT_CAPS = Caps()
"""The bound of every group unless the server is told otherwise: 10,000 events, 16 MiB."""


@dataclass(frozen=True)
class NewEvent:
    """An event to append: its time (epoch ms) and message."""

    timestamp_ms: int
    message: str


@dataclass(frozen=True)
class LogGroup:
    group_id: int
    account_id: str
    region: str
    name: str
    retention_days: int | None
    event_count: int
    stored_bytes: int
    created_at: datetime


@dataclass(frozen=True)
class LogStream:
    stream_id: int
    name: str
    first_event_ms: int | None
    last_event_ms: int | None
    last_ingestion_ms: int | None
    created_at: datetime


@dataclass(frozen=True)
class LogEvent:
    event_id: int
    stream_name: str
    timestamp_ms: int
    ingestion_ms: int
    message: str


def _now_ms() -> int:
    return int(time.time() * 1000)


def _group(row: Row[Any]) -> LogGroup:
    return LogGroup(row.group_id, row.account_id, row.region, row.name, row.retention_days, row.event_count,
                    row.stored_bytes, row.created_at)


def _stream(row: Row[Any]) -> LogStream:
    return LogStream(row.stream_id, row.name, row.first_event_ms, row.last_event_ms, row.last_ingestion_ms,
                     row.created_at)


# -- groups ------------------------------------------------------------------------------------


def _find_group(conn: Connection, account_id: str, region: str, name: str) -> Row[Any] | None:
    return conn.execute(select(log_groups).where(log_groups.c.account_id == account_id,
                                                 log_groups.c.region == region, log_groups.c.name == name)).first()


def get_group(conn: Connection, account_id: str, region: str, name: str) -> LogGroup:
    """The group; ``NotFound("log group", name)`` when there is none."""
    row = _find_group(conn, account_id, region, name)
    if row is None:
        raise NotFound("log group", name)
    return _group(row)


def create_group(conn: Connection, account_id: str, region: str, name: str,
                 retention_days: int | None = None) -> LogGroup:
    """A new, empty group; ``AlreadyExists`` when the name is taken in that account and region."""
    try:
        with conn.begin_nested():
            conn.execute(log_groups.insert().values(account_id=account_id, region=region, name=name,
                                                    retention_days=retention_days, event_count=0, stored_bytes=0,
                                                    created_at=now()))
    except IntegrityError:
        raise AlreadyExists("log group", name) from None
    return get_group(conn, account_id, region, name)


def _ensure_group(conn: Connection, account_id: str, region: str, name: str) -> LogGroup:
    row = _find_group(conn, account_id, region, name)
    return _group(row) if row is not None else create_group(conn, account_id, region, name)


def delete_group(conn: Connection, account_id: str, region: str, name: str) -> None:
    """The group with its streams and events; ``NotFound`` when there is none."""
    group = get_group(conn, account_id, region, name)
    conn.execute(delete(log_events).where(log_events.c.group_id == group.group_id))
    conn.execute(delete(log_streams).where(log_streams.c.group_id == group.group_id))
    conn.execute(delete(log_groups).where(log_groups.c.group_id == group.group_id))


def set_retention(conn: Connection, account_id: str, region: str, name: str, days: int | None) -> None:
    """PutRetentionPolicy (``days``) or DeleteRetentionPolicy (None); expired events go at once."""
    group = get_group(conn, account_id, region, name)
    conn.execute(update(log_groups).where(log_groups.c.group_id == group.group_id).values(retention_days=days))
    if days is not None and _expire(conn, group.group_id, days):
        _recount(conn, group.group_id)


def groups_named(conn: Connection, name: str) -> list[LogGroup]:
    """Every group called ``name``, whatever its account and region (``lamina logs``)."""
    rows = conn.execute(select(log_groups).where(log_groups.c.name == name)
                        .order_by(log_groups.c.account_id, log_groups.c.region))
    return [_group(row) for row in rows]


def list_groups(conn: Connection, account_id: str, region: str, *, prefix: str | None = None,
                marker: str | None = None, max_items: int = 50) -> Page[LogGroup]:
    """The account's groups in the region, by name (DescribeLogGroups)."""
    query = select(log_groups).where(log_groups.c.account_id == account_id, log_groups.c.region == region)
    if prefix:
        query = query.where(path_starts_with(log_groups.c.name, prefix))
    return paginate(conn, query, log_groups.c.name, _group, marker=marker, max_items=max_items)


# -- streams -----------------------------------------------------------------------------------


def get_stream(conn: Connection, group: LogGroup, name: str) -> LogStream:
    """The group's stream ``name``; ``NotFound("log stream", name)`` when there is none."""
    row = conn.execute(select(log_streams).where(log_streams.c.group_id == group.group_id,
                                                 log_streams.c.name == name)).first()
    if row is None:
        raise NotFound("log stream", name)
    return _stream(row)


def _ensure_stream(conn: Connection, group: LogGroup, name: str) -> LogStream:
    try:
        return get_stream(conn, group, name)
    except NotFound:
        conn.execute(log_streams.insert().values(group_id=group.group_id, name=name, created_at=now()))
        return get_stream(conn, group, name)


def list_streams(conn: Connection, group: LogGroup, *, prefix: str | None = None, by_last_event: bool = False,
                 descending: bool = False, marker: str | None = None, max_items: int = 50) -> Page[LogStream]:
    """The group's streams by name, or by the time of their last event (DescribeLogStreams)."""
    query = select(log_streams).where(log_streams.c.group_id == group.group_id)
    if prefix:
        query = query.where(path_starts_with(log_streams.c.name, prefix))
    if by_last_event:
        last = func.coalesce(log_streams.c.last_event_ms, 0).label("last_event_key")
        return paginate(conn, query.add_columns(last), (last, log_streams.c.stream_id), _stream, marker=marker,
                        max_items=max_items, descending=descending)
    return paginate(conn, query, log_streams.c.name, _stream, marker=marker, max_items=max_items,
                    descending=descending)


# -- events ------------------------------------------------------------------------------------


def _size(message: str) -> tuple[str, int]:
    raw = message.encode("utf-8", "replace")
    if len(raw) > MAX_MESSAGE_BYTES:
        raw = raw[:MAX_MESSAGE_BYTES]
        message = raw.decode("utf-8", "ignore")
    return message, len(raw) + EVENT_OVERHEAD_BYTES


def append(conn: Connection, account_id: str, region: str, group_name: str, stream_name: str,
           events: Sequence[NewEvent], *, ingestion_ms: int | None = None, caps: Caps = DEFAULT_CAPS) -> None:
    """Append ``events`` to the stream (group and stream made on first use), then hold the group to
    its retention and to ``caps``."""
    if not events:
        return
    ingested = _now_ms() if ingestion_ms is None else ingestion_ms
    group = _ensure_group(conn, account_id, region, group_name)
    stream = _ensure_stream(conn, group, stream_name)
    rows: list[dict[str, Any]] = []
    for event in events:
        message, size = _size(event.message)
        rows.append({"group_id": group.group_id, "stream_id": stream.stream_id, "timestamp_ms": event.timestamp_ms,
                     "ingestion_ms": ingested, "size": size, "message": message})
    conn.execute(log_events.insert(), rows)
    times = [event.timestamp_ms for event in events]
    first, last = min(times), max(times)
    conn.execute(update(log_streams).where(log_streams.c.stream_id == stream.stream_id).values(
        first_event_ms=case((log_streams.c.first_event_ms.is_(None), first),
                            (log_streams.c.first_event_ms > first, first), else_=log_streams.c.first_event_ms),
        last_event_ms=case((log_streams.c.last_event_ms.is_(None), last),
                           (log_streams.c.last_event_ms < last, last), else_=log_streams.c.last_event_ms),
        last_ingestion_ms=ingested))
    added = sum(int(row["size"]) for row in rows)
    conn.execute(update(log_groups).where(log_groups.c.group_id == group.group_id).values(
        event_count=log_groups.c.event_count + len(rows), stored_bytes=log_groups.c.stored_bytes + added))
    expired = group.retention_days is not None and _expire(conn, group.group_id, group.retention_days)
    over = group.event_count + len(rows) > caps.max_events or group.stored_bytes + added > caps.max_bytes
    if over:
        _trim(conn, group.group_id, caps)
    if expired or over:
        _recount(conn, group.group_id)


def _expire(conn: Connection, group_id: int, days: int) -> bool:
    """Delete the group's events older than ``days``; whether any went."""
    cutoff = _now_ms() - days * _DAY_MS
    result = conn.execute(delete(log_events).where(log_events.c.group_id == group_id,
                                                   log_events.c.timestamp_ms < cutoff))
    return bool(result.rowcount)


def _trim(conn: Connection, group_id: int, caps: Caps) -> None:
    """Drop the oldest events until the group is within nine tenths of both caps."""
    keep_events, keep_bytes = int(caps.max_events * _LOW_WATER), int(caps.max_bytes * _LOW_WATER)
    newest = conn.execute(select(log_events.c.event_id, log_events.c.size).where(log_events.c.group_id == group_id)
                          .order_by(log_events.c.event_id.desc()).limit(keep_events + 1))
    kept_bytes, cutoff = 0, None
    for count, row in enumerate(newest):
        if count >= keep_events or kept_bytes + row.size > keep_bytes:
            cutoff = row.event_id
            break
        kept_bytes += row.size
    if cutoff is not None:
        conn.execute(delete(log_events).where(log_events.c.group_id == group_id, log_events.c.event_id <= cutoff))


def _recount(conn: Connection, group_id: int) -> None:
    """The group's counters and its streams' first event, after events were deleted."""
    count, size = conn.execute(select(func.count(), func.coalesce(func.sum(log_events.c.size), 0))
                               .where(log_events.c.group_id == group_id)).one()
    conn.execute(update(log_groups).where(log_groups.c.group_id == group_id).values(event_count=count,
                                                                                    stored_bytes=size))
    first = (select(func.min(log_events.c.timestamp_ms)).where(log_events.c.stream_id == log_streams.c.stream_id)
             .scalar_subquery())
    conn.execute(update(log_streams).where(log_streams.c.group_id == group_id).values(first_event_ms=first))


def _visible(group: LogGroup) -> list[ColumnElement[bool]]:
    """The group's events a reader may see: none older than its retention."""
    found = [log_events.c.group_id == group.group_id]
    if group.retention_days is not None:
        found.append(log_events.c.timestamp_ms >= _now_ms() - group.retention_days * _DAY_MS)
    return found


def _event(row: Row[Any]) -> LogEvent:
    return LogEvent(row.event_id, row.stream_name, row.timestamp_ms, row.ingestion_ms, row.message)


def _events_query(group: LogGroup, start_ms: int | None, end_ms: int | None) -> Any:
    query = (select(log_events, log_streams.c.name.label("stream_name"))
             .join(log_streams, log_streams.c.stream_id == log_events.c.stream_id).where(*_visible(group)))
    if start_ms is not None:
        query = query.where(log_events.c.timestamp_ms >= start_ms)
    if end_ms is not None:
        query = query.where(log_events.c.timestamp_ms < end_ms)
    return query


def read_stream(conn: Connection, group: LogGroup, stream: LogStream, *, start_ms: int | None = None,
                end_ms: int | None = None, after: tuple[int, int] | None = None,
                before: tuple[int, int] | None = None, from_head: bool = False, limit: int = 10_000) -> list[LogEvent]:
    """Up to ``limit`` of the stream's events in time order (GetLogEvents): the first ones after
    ``after`` (a (timestamp, event id) position) when reading forward from the head, else the last
    ones before ``before``."""
    order = (log_events.c.timestamp_ms, log_events.c.event_id)
    query = _events_query(group, start_ms, end_ms).where(log_events.c.stream_id == stream.stream_id)
    if after is not None:
        query = query.where(_position(after, forward=True))
    if before is not None:
        query = query.where(_position(before, forward=False))
    if from_head or after is not None:
        return [_event(row) for row in conn.execute(query.order_by(*order).limit(limit))]
    rows = conn.execute(query.order_by(*(column.desc() for column in order)).limit(limit)).all()
    return [_event(row) for row in reversed(rows)]


def _position(at: tuple[int, int], *, forward: bool) -> ColumnElement[bool]:
    stamp, event_id = at
    if forward:
        return (log_events.c.timestamp_ms > stamp) | ((log_events.c.timestamp_ms == stamp)
                                                      & (log_events.c.event_id > event_id))
    return (log_events.c.timestamp_ms < stamp) | ((log_events.c.timestamp_ms == stamp)
                                                  & (log_events.c.event_id < event_id))


def filter_events(conn: Connection, group: LogGroup, matches: Callable[[str], bool], *,
                  stream_names: Iterable[str] | None = None, stream_prefix: str | None = None,
                  start_ms: int | None = None, end_ms: int | None = None, after: tuple[int, int] | None = None,
                  limit: int = 10_000, scan_limit: int = 50_000) -> tuple[list[LogEvent], tuple[int, int] | None]:
    """The group's events that ``matches`` accepts, in time order, after ``after`` (FilterLogEvents).

    At most ``limit`` events are returned and ``scan_limit`` read; the second value is where to go
    on from (None when the range is exhausted), as AWS hands back a ``nextToken``.
    """
    query = _events_query(group, start_ms, end_ms)
    if stream_names is not None:
        query = query.where(log_streams.c.name.in_(list(stream_names)))
    if stream_prefix:
        query = query.where(path_starts_with(log_streams.c.name, stream_prefix))
    found: list[LogEvent] = []
    scanned, position = 0, after
    while scanned < scan_limit:
        chunk = min(1000, scan_limit - scanned)
        page = query if position is None else query.where(_position(position, forward=True))
        rows = conn.execute(page.order_by(log_events.c.timestamp_ms, log_events.c.event_id).limit(chunk)).all()
        for row in rows:
            position = (row.timestamp_ms, row.event_id)
            if matches(row.message):
                found.append(_event(row))
                if len(found) == limit:
                    return found, position
        if len(rows) < chunk:
            return found, None
        scanned += len(rows)
    return found, position
