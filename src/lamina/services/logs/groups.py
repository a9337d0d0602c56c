"""Log groups: DescribeLogGroups, CreateLogGroup, DeleteLogGroup, Put/DeleteRetentionPolicy.

A function's group (``/aws/lambda/NAME``) is made by its first invocation's logs; these let a user
list, make, drop and bound groups as with AWS. ``storedBytes`` is what the group holds now (AWS
reports it; Lamina caps it, see docs/logs.md).
"""

from __future__ import annotations

from typing import Any

from lamina.context import RequestContext
from lamina.services.registry import operation
from lamina.store import Store
from lamina.store.repositories import log_events
from lamina.store.repositories.log_events import LogGroup

from ._common import account_and_region, group_arn, transaction
from .declarations import declaration
from .errors import InvalidParameterException

__all__ = ["RETENTION_DAYS", "create_log_group", "delete_log_group", "delete_retention_policy",
           "describe_log_groups", "put_retention_policy"]

RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
                  3653)
"""The retention periods PutRetentionPolicy accepts (AWS's list)."""


def _millis(group: LogGroup) -> int:
    return int(group.created_at.timestamp() * 1000)


def group_view(group: LogGroup) -> dict[str, Any]:
    """A ``LogGroup`` as DescribeLogGroups shows it."""
    return {"logGroupName": group.name, "creationTime": _millis(group), "retentionInDays": group.retention_days,
            "metricFilterCount": 0, "arn": group_arn(group.region, group.account_id, group.name, star=True),
            "storedBytes": group.stored_bytes, "logGroupClass": "STANDARD",
            "logGroupArn": group_arn(group.region, group.account_id, group.name)}


@operation("logs", "DescribeLogGroups", authorization=declaration("DescribeLogGroups"))
def describe_log_groups(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """The caller's groups in the region by name, 50 a page at most (``logGroupNamePrefix`` narrows)."""
    account_id, region = account_and_region(ctx)
    with transaction(store, read_only=True) as conn:
        page = log_events.list_groups(conn, account_id, region, prefix=ctx.params.get("logGroupNamePrefix"),
                                      marker=ctx.params.get("nextToken"), max_items=ctx.params.get("limit") or 50)
    return {"logGroups": [group_view(group) for group in page.items], "nextToken": page.marker}


@operation("logs", "CreateLogGroup", authorization=declaration("CreateLogGroup"))
def create_log_group(ctx: RequestContext, store: Store) -> None:
    """An empty group; ResourceAlreadyExistsException when the name is taken (``tags`` are not kept)."""
    account_id, region = account_and_region(ctx)
    with transaction(store) as conn:
        log_events.create_group(conn, account_id, region, ctx.params["logGroupName"])


@operation("logs", "DeleteLogGroup", authorization=declaration("DeleteLogGroup"))
def delete_log_group(ctx: RequestContext, store: Store) -> None:
    """The group with every stream and event in it."""
    account_id, region = account_and_region(ctx)
    with transaction(store) as conn:
        log_events.delete_group(conn, account_id, region, ctx.params["logGroupName"])


@operation("logs", "PutRetentionPolicy", authorization=declaration("PutRetentionPolicy"))
def put_retention_policy(ctx: RequestContext, store: Store) -> None:
    """Keep the group's events this many days (by their timestamps); older ones go at once."""
    days = ctx.params["retentionInDays"]
    if days not in RETENTION_DAYS:
        raise InvalidParameterException(
            f"1 validation error detected: Value '{days}' at 'retentionInDays' failed to satisfy constraint: "
            f"Member must satisfy enum value set: [{', '.join(map(str, RETENTION_DAYS))}]")
    account_id, region = account_and_region(ctx)
    with transaction(store) as conn:
        log_events.set_retention(conn, account_id, region, ctx.params["logGroupName"], days)


@operation("logs", "DeleteRetentionPolicy", authorization=declaration("DeleteRetentionPolicy"))
def delete_retention_policy(ctx: RequestContext, store: Store) -> None:
    """Keep the group's events until the cap drops them."""
    account_id, region = account_and_region(ctx)
    with transaction(store) as conn:
        log_events.set_retention(conn, account_id, region, ctx.params["logGroupName"], None)
