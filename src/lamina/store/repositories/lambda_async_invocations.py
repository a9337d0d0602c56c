"""The queue of Event invocations: taken by a claim that expires, so a crashed node's work is not lost.

AWS: "Lambda places the event in a queue and returns a success response ... A separate process
reads events from the queue and sends them to your function", retrying a failed one twice. Each
row is one event; a node claims due rows (``claimed_until``), counts the attempt, runs it, then
deletes it or makes it due again later. A claim that outlives its node expires and the row is
claimed again, so an event acknowledged with 202 runs even across a restart. PostgreSQL skips
rows another node holds (``SKIP LOCKED``); SQLite has one writer at a time anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from ..schema import lambda_async_invocations as queue
from ._common import now

__all__ = ["AsyncInvocation", "claim_due", "enqueue", "finish", "next_due", "retry_later", "waiting"]


@dataclass(frozen=True)
class AsyncInvocation:
    """One queued event and the attempts already made (the one just claimed included)."""

    request_id: str
    account_id: str
    region: str
    function_name: str
    qualifier: str  # '' for the unqualified function
    payload: bytes
    client_context: str | None
    attempts: int  # attempts made before this claim


def enqueue(conn: Connection, request_id: str, account_id: str, region: str, function_name: str, qualifier: str,
            payload: bytes, client_context: str | None = None) -> None:
    """Queue an event, due now."""
    at = now()
    conn.execute(insert(queue).values(
        request_id=request_id, account_id=account_id, region=region, function_name=function_name,
        qualifier=qualifier, payload=payload, client_context=client_context, attempts=0, due_at=at,
        claimed_until=None, created_at=at))


def claim_due(conn: Connection, hold: timedelta, *, limit: int = 1,
              at: datetime | None = None) -> list[AsyncInvocation]:
    """Up to ``limit`` due events no live claim holds, claimed for ``hold``."""
    at = at or now()
    free = or_(queue.c.claimed_until.is_(None), queue.c.claimed_until < at)
    rows = conn.execute(select(queue).where(queue.c.due_at <= at, free).order_by(queue.c.due_at).limit(limit)
                        .with_for_update(skip_locked=True)).all()
    claimed: list[AsyncInvocation] = []
    for row in rows:
        conn.execute(update(queue).where(queue.c.request_id == row.request_id)
                     .values(claimed_until=at + hold))
        claimed.append(AsyncInvocation(row.request_id, row.account_id, row.region, row.function_name, row.qualifier,
                                       bytes(row.payload), row.client_context, row.attempts))
    return claimed


def finish(conn: Connection, request_id: str) -> None:
    """The event is done with: run, or given up after its last attempt."""
    conn.execute(delete(queue).where(queue.c.request_id == request_id))


def retry_later(conn: Connection, request_id: str, due_at: datetime, *, attempted: bool = True) -> None:
    """Release the claim; the event is due again at ``due_at``, one attempt more when it ran."""
    changes: dict[str, Any] = {"claimed_until": None, "due_at": due_at}
    if attempted:
        changes["attempts"] = queue.c.attempts + 1
    conn.execute(update(queue).where(queue.c.request_id == request_id).values(**changes))


def next_due(conn: Connection) -> datetime | None:
    """When the earliest waiting event falls due (a claimed one: when its claim expires)."""
    due = conn.execute(select(func.min(queue.c.due_at)).where(queue.c.claimed_until.is_(None))).scalar()
    expiry = conn.execute(select(func.min(queue.c.claimed_until))).scalar()
    found = [value for value in (due, expiry) if value is not None]
    return min(found) if found else None


def waiting(conn: Connection, account_id: str | None = None) -> int:
    """How many events are queued (claimed ones included)."""
    query = select(func.count()).select_from(queue)
    if account_id is not None:
        query = query.where(queue.c.account_id == account_id)
    return int(conn.execute(query).scalar() or 0)


