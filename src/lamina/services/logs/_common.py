"""What the CloudWatch Logs handlers share: the caller's account and region, the log group a
request names (``logGroupName``, or ``logGroupIdentifier``: a name or an ARN), ARNs, and a
transaction that turns the store's errors into AWS's."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from lamina.arn import format_arn
from lamina.context import RequestContext
from lamina.store import AlreadyExists, Connection, InvalidMarker, NotFound, Store

from .errors import (
    GROUP_EXISTS,
    GROUP_NOT_FOUND,
    STREAM_NOT_FOUND,
    InvalidParameterException,
    ResourceAlreadyExistsException,
    ResourceNotFoundException,
)

__all__ = ["account_and_region", "group_arn", "group_name", "group_names", "require_group_name", "stream_arn",
           "transaction"]


def account_and_region(ctx: RequestContext) -> tuple[str, str]:
    """The caller's account and the region the request was signed for."""
    return ctx.require_caller().account_id, str(ctx.region)


def _name_of(identifier: str) -> str:
    """A log group's name from a name or an ARN (with or without the trailing ``:*``)."""
    if not identifier.startswith("arn:"):
        return identifier
    resource = identifier.split(":", 5)[5] if identifier.count(":") >= 5 else ""
    return resource.removeprefix("log-group:").removesuffix(":*")


def group_name(ctx: RequestContext) -> str | None:
    """The log group the request names, if it names one."""
    given = ctx.params.get("logGroupName") or ctx.params.get("logGroupIdentifier")
    return None if given is None else _name_of(str(given))


def require_group_name(ctx: RequestContext) -> str:
    """The log group the request names; InvalidParameterException when it names none (both members
    are optional in the model, one is required)."""
    found = group_name(ctx)
    if found is None:
        raise InvalidParameterException("Should provide either name or identifier of the log group.")
    return found


def group_names(ctx: RequestContext) -> list[str]:
    """Every log group the request names (StartLiveTail takes a list of identifiers)."""
    single = group_name(ctx)
    listed = [_name_of(str(item)) for item in ctx.params.get("logGroupIdentifiers") or ()]
    return ([single] if single is not None else []) + listed


def group_arn(region: str, account_id: str, name: str, *, star: bool = False) -> str:
    """``arn:aws:logs:REGION:ACCOUNT:log-group:NAME`` (``:*`` appended as DescribeLogGroups' ``arn`` has it)."""
    return format_arn("logs", region, account_id, f"log-group:{name}{':*' if star else ''}")


def stream_arn(region: str, account_id: str, group: str, stream: str) -> str:
    """``arn:aws:logs:REGION:ACCOUNT:log-group:GROUP:log-stream:STREAM``."""
    return format_arn("logs", region, account_id, f"log-group:{group}:log-stream:{stream}")


@contextmanager
def transaction(store: Store, *, read_only: bool = False) -> Iterator[Connection]:
    """A store transaction whose errors come out as CloudWatch Logs answers them."""
    try:
        with store.transaction(read_only=read_only) as conn:
            yield conn
    except NotFound as missing:
        raise ResourceNotFoundException(STREAM_NOT_FOUND if missing.kind == "log stream" else GROUP_NOT_FOUND) \
            from None
    except AlreadyExists:
        raise ResourceAlreadyExistsException(GROUP_EXISTS) from None
    except InvalidMarker:
        raise InvalidParameterException("The specified nextToken is not valid.") from None
