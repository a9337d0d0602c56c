"""DescribeLogStreams: a group's streams, by name or by the time of their last event.

A function writes one stream per execution environment (``2026/11/30/[$LATEST]<id>``), so
``aws logs describe-log-streams --order-by LastEventTime --descending`` finds the newest first.
"""

from __future__ import annotations

from typing import Any

from lamina.context import RequestContext
from lamina.services.registry import operation
from lamina.store import Store
from lamina.store.repositories import log_events
from lamina.store.repositories.log_events import LogStream

from ._common import account_and_region, require_group_name, stream_arn, transaction
from .declarations import declaration
from .errors import InvalidParameterException

__all__ = ["describe_log_streams"]


def _view(stream: LogStream, region: str, account_id: str, group: str) -> dict[str, Any]:
    return {"logStreamName": stream.name, "creationTime": int(stream.created_at.timestamp() * 1000),
            "firstEventTimestamp": stream.first_event_ms, "lastEventTimestamp": stream.last_event_ms,
            "lastIngestionTime": stream.last_ingestion_ms, "arn": stream_arn(region, account_id, group, stream.name),
            "storedBytes": 0}


@operation("logs", "DescribeLogStreams", authorization=declaration("DescribeLogStreams"))
def describe_log_streams(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """The group's streams, 50 a page at most."""
    params = ctx.params
    name = require_group_name(ctx)
    by_last_event = params.get("orderBy") == "LastEventTime"
    if by_last_event and params.get("logStreamNamePrefix"):
        raise InvalidParameterException("Cannot order by LastEventTime with a logStreamNamePrefix.")
    account_id, region = account_and_region(ctx)
    with transaction(store, read_only=True) as conn:
        group = log_events.get_group(conn, account_id, region, name)
        page = log_events.list_streams(conn, group, prefix=params.get("logStreamNamePrefix"),
                                       by_last_event=by_last_event, descending=bool(params.get("descending")),
                                       marker=params.get("nextToken"), max_items=params.get("limit") or 50)
    return {"logStreams": [_view(stream, region, account_id, name) for stream in page.items],
            "nextToken": page.marker}
