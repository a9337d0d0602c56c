"""Reading log events: GetLogEvents (one stream, with forward and backward tokens) and
FilterLogEvents (a group's streams interleaved in time, narrowed by a filter pattern), which is what
``aws logs tail`` (AWS CLI v2) and ``aws logs filter-log-events`` call.

Both answer at most ``limit`` events (10,000 by default) and about 1 MB of messages, as AWS does.
GetLogEvents' tokens are ``f/`` or ``b/`` and 56 digits (the position of an event: its timestamp and
id); at the end of the stream the forward token comes back unchanged, which is how SDKs know to stop.
FilterLogEvents' ``endTime`` is inclusive, GetLogEvents' exclusive (AWS's documentation of each).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lamina.context import RequestContext
from lamina.services.registry import operation
from lamina.store import Store
from lamina.store.repositories import log_events
from lamina.store.repositories.log_events import LogEvent

from ._common import account_and_region, require_group_name, transaction
from .declarations import declaration
from .errors import InvalidParameterException
from .filter_pattern import UnsupportedPattern, compile_pattern

__all__ = ["MAX_RESPONSE_BYTES", "filter_log_events", "get_log_events"]

MAX_RESPONSE_BYTES = 1_048_576
"""AWS's bound on the events of one answer (their messages), besides ``limit``."""
DEFAULT_LIMIT = 10_000

Position = tuple[int, int]


def _token(direction: str, at: Position) -> str:
    return f"{direction}/{at[0]:020d}{at[1]:036d}"


def _position(token: str) -> tuple[str, Position]:
    direction, _, digits = token.partition("/")
    if direction not in ("f", "b") or len(digits) != 56 or not digits.isdigit():
        raise InvalidParameterException("The specified nextToken is invalid.")
    return direction, (int(digits[:20]), int(digits[20:]))


def _within_bytes(events: list[LogEvent], *, keep_last: bool) -> list[LogEvent]:
    """The events that fit ``MAX_RESPONSE_BYTES``: the first ones, or the last ones when reading backward."""
    total, kept = 0, list[LogEvent]()
    for event in reversed(events) if keep_last else events:
        total += len(event.message.encode("utf-8"))
        if total > MAX_RESPONSE_BYTES and kept:
            break
        kept.append(event)
    return kept[::-1] if keep_last else kept


def _at(event: LogEvent) -> Position:
    return event.timestamp_ms, event.event_id


@operation("logs", "GetLogEvents", authorization=declaration("GetLogEvents"))
def get_log_events(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """One stream's events in time order: the newest ``limit`` by default, the oldest with
    ``startFromHead``, or those after (``f/``) or before (``b/``) a token."""
    params = ctx.params
    token = params.get("nextToken")
    direction, at = _position(token) if token else ("b", None)
    forward = direction == "f" or (token is None and bool(params.get("startFromHead")))
    account_id, region = account_and_region(ctx)
    with transaction(store, read_only=True) as conn:
        group = log_events.get_group(conn, account_id, region, require_group_name(ctx))
        stream = log_events.get_stream(conn, group, params["logStreamName"])
        found = log_events.read_stream(conn, group, stream, start_ms=params.get("startTime"),
                                       end_ms=params.get("endTime"), after=at if direction == "f" else None,
                                       before=at if direction == "b" else None, from_head=forward,
                                       limit=params.get("limit") or DEFAULT_LIMIT)
    found = _within_bytes(found, keep_last=not forward)
    origin = at or (params.get("startTime") or 0, 0)
    return {"events": [_event_view(event) for event in found],
            "nextForwardToken": _token("f", _at(found[-1]) if found else origin),
            "nextBackwardToken": _token("b", _at(found[0]) if found else origin)}


def _event_view(event: LogEvent) -> dict[str, Any]:
    return {"timestamp": event.timestamp_ms, "message": event.message, "ingestionTime": event.ingestion_ms}


@operation("logs", "FilterLogEvents", authorization=declaration("FilterLogEvents"))
def filter_log_events(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """The group's events matching ``filterPattern``, in time order across its streams."""
    params = ctx.params
    names: Sequence[str] | None = params.get("logStreamNames")
    if names is not None and params.get("logStreamNamePrefix"):
        raise InvalidParameterException("logStreamNames and logStreamNamePrefix are mutually exclusive")
    try:
        matches = compile_pattern(params.get("filterPattern"))
    except UnsupportedPattern as error:
        raise InvalidParameterException(str(error)) from None
    token = params.get("nextToken")
    after = _position(token)[1] if token else None
    end = params.get("endTime")
    account_id, region = account_and_region(ctx)
    with transaction(store, read_only=True) as conn:
        group = log_events.get_group(conn, account_id, region, require_group_name(ctx))
        found, more = log_events.filter_events(conn, group, matches, stream_names=names,
                                               stream_prefix=params.get("logStreamNamePrefix"),
                                               start_ms=params.get("startTime"),
                                               end_ms=None if end is None else end + 1, after=after,
                                               limit=params.get("limit") or DEFAULT_LIMIT)
    kept = _within_bytes(found, keep_last=False)
    if len(kept) < len(found):
        more = _at(kept[-1])
    return {"events": [{"logStreamName": event.stream_name, "eventId": str(event.event_id), **_event_view(event)}
                       for event in kept],
            "nextToken": None if more is None else _token("f", more)}
