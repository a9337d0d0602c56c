"""What each CloudWatch Logs operation asks of the gate, served or not: the action the Service
Authorization Reference names (``logs:<Operation>``) on the resource AWS evaluates.

AWS evaluates a log-group action on ``arn:aws:logs:REGION:ACCOUNT:log-group:NAME:log-stream:``
(an empty stream name), and DescribeLogGroups on ``...:log-group::log-stream:``: AWS's own
AccessDenied messages name those resources, which is why policies grant log groups as
``log-group:NAME:*``. A log-stream action (GetLogEvents) is evaluated on
``log-group:NAME:log-stream:STREAM``; an ARN parameter (TagResource's ``resourceArn``) as given;
anything else on ``*``. CreateLogGroup's ``tags`` are ``aws:RequestTag/KEY`` and ``aws:TagKeys``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence

import botocore.session

from lamina.arn import format_arn
from lamina.catalog import default_catalog
from lamina.context import RequestContext
from lamina.policy import ContextValue
from lamina.services.registry import Authorization
from lamina.store import Store

from ._common import account_and_region, group_names, stream_arn

__all__ = ["declaration", "declared"]


def _group_resource(region: str, account_id: str, name: str) -> str:
    return format_arn("logs", region, account_id, f"log-group:{name}:log-stream:")


def _arn_params(ctx: RequestContext) -> list[str]:
    return [str(value) for key, value in ctx.params.items() if key.lower().endswith("arn")
            and isinstance(value, str) and value.startswith("arn:")]


def _resources_for(operation: str, types: frozenset[str]) -> Callable[[RequestContext, Store], Sequence[str]]:
    def resources(ctx: RequestContext, store: Store) -> Sequence[str]:
        account_id, region = account_and_region(ctx)
        if operation == "DescribeLogGroups":
            return [_group_resource(region, account_id, "")]
        given = _arn_params(ctx)
        if given and types:
            return given[:1]
        groups, stream = group_names(ctx), ctx.params.get("logStreamName")
        if "log-stream" in types and groups and stream is not None:
            return [stream_arn(region, account_id, groups[0], str(stream))]
        if types & {"log-group", "log-stream"} and groups:
            return [_group_resource(region, account_id, name) for name in groups]
        return ["*"]

    return resources


def _tag_context(ctx: RequestContext, store: Store) -> Mapping[str, ContextValue]:
    tags: Mapping[str, str] = ctx.params.get("tags") or {}
    found: dict[str, ContextValue] = {f"aws:RequestTag/{key}": value for key, value in tags.items()}
    if tags:
        found["aws:TagKeys"] = list(tags)
    return found


def declaration(operation: str) -> Authorization:
    """The declaration of one logs operation (read off the catalog; ``logs:<Operation>`` when it is newer)."""
    action = default_catalog().action(f"logs:{operation}")
    name = action.full_name if action else f"logs:{operation}"
    types = frozenset(resource.resource_type.name for resource in action.resources) if action else frozenset()
    keys = action.all_condition_keys if action else ()
    tagged = any(key.startswith(("aws:RequestTag", "aws:TagKeys")) for key in keys)
    return Authorization(actions=(name,), resources=_resources_for(operation, types),
                         context=_tag_context if tagged else None)


@functools.cache
def declared() -> dict[tuple[str, str], Authorization]:
    """A declaration for every operation of botocore's logs model."""
    model = botocore.session.get_session().get_service_model("logs")
    return {("logs", operation): declaration(operation) for operation in model.operation_names}
