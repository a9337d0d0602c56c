"""TagRole/UntagRole/ListRoleTags and TagPolicy/UntagPolicy/ListPolicyTags.

Tags hang on the entity's unique id, so they survive nothing a rename would break. At most 50 per resource
(LimitExceeded with AWS's quota sentence from the store); AWS managed policies cannot be tagged (NoSuchEntity,
because the store never holds them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lamina.context import RequestContext
from lamina.services.registry import Authorization, Operation
from lamina.store import Connection, Store
from lamina.store.repositories import policies, roles, tags

from ._common import (
    account_of,
    check_marker_items,
    entity_arn,
    policy_arn_resource,
    role_label,
    tag_context,
    tags_in,
    transaction,
)


def _role_id(conn: Connection, ctx: RequestContext) -> str:
    return roles.get_role(conn, account_of(ctx), ctx.params["RoleName"]).role_id


def _policy_id(conn: Connection, ctx: RequestContext) -> str:
    return policies.get_policy(conn, ctx.params["PolicyArn"]).policy_id


_TARGETS = {"role": _role_id, "policy": _policy_id}


def _tag(kind: str, ctx: RequestContext, store: Store) -> None:
    with transaction(store) as conn:
        tags.tag_resource(conn, account_of(ctx), kind, _TARGETS[kind](conn, ctx), tags_in(ctx.params))


def _untag(kind: str, ctx: RequestContext, store: Store) -> None:
    with transaction(store) as conn:
        tags.untag_resource(conn, kind, _TARGETS[kind](conn, ctx), ctx.params.get("TagKeys") or ())


def _list(kind: str, ctx: RequestContext, store: Store) -> dict[str, Any]:
    marker, max_items = check_marker_items(ctx.params)
    with transaction(store, read_only=True) as conn:
        page = tags.list_tags(conn, kind, _TARGETS[kind](conn, ctx), marker=marker, max_items=max_items)
    result: dict[str, Any] = {"Tags": [{"Key": t.key, "Value": t.value} for t in page.items],
                              "IsTruncated": page.is_truncated}
    if page.marker:
        result["Marker"] = page.marker
    return result


def _bind(handler: Any, kind: str) -> Any:
    def bound(ctx: RequestContext, store: Store) -> Any:
        return handler(kind, ctx, store)

    bound.__name__ = f"{handler.__name__}_{kind}"
    return bound


def _operations(kind: str, noun: str, resources: Any, label: Any) -> list[Operation]:
    found = []
    for name, handler, context in ((f"Tag{noun}", _tag, tag_context), (f"Untag{noun}", _untag, tag_context),
                                   (f"List{noun}Tags", _list, None)):
        auth = Authorization(actions=(f"iam:{name}",), resources=resources, context=context, label=label)
        found.append(Operation("iam", name, _bind(handler, kind), auth))
    return found


def _policy_resources(ctx: RequestContext, store: Store) -> Sequence[str]:
    return policy_arn_resource(ctx, store)


OPERATIONS = [*_operations("role", "Role", entity_arn("role", "RoleName"), role_label),
              *_operations("policy", "Policy", _policy_resources, None)]
"""Tag, Untag and List…Tags for roles and managed policies (``registry.collect`` reads this)."""
