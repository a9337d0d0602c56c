"""Tags on IAM users: TagUser, UntagUser, ListUserTags (keys compared case-insensitively, 50 at most)."""

from __future__ import annotations

from typing import Any

from lamina.context import RequestContext
from lamina.services.registry import Authorization, operation
from lamina.store import Store
from lamina.store.repositories import tags, users

from ._common import account_of, page_args, page_out, request_tags, tag_context, transaction
from .users import user_label, user_resource


@operation(
    "iam",
    "TagUser",
    authorization=Authorization(
        actions=("iam:TagUser",), resources=user_resource, context=tag_context, label=user_label
    ),
)
def tag_user(ctx: RequestContext, store: Store) -> None:
    """Adds tags or replaces the value of a key already there (whatever its case)."""
    account, new = account_of(ctx), request_tags(ctx)
    with transaction(store) as conn:
        user = users.get_user(conn, account, ctx.params["UserName"])
        tags.tag_resource(conn, account, "user", user.user_id, new)


@operation(
    "iam",
    "UntagUser",
    authorization=Authorization(
        actions=("iam:UntagUser",), resources=user_resource, context=tag_context, label=user_label
    ),
)
def untag_user(ctx: RequestContext, store: Store) -> None:
    """Keys the user does not have are ignored, as AWS does."""
    with transaction(store) as conn:
        user = users.get_user(conn, account_of(ctx), ctx.params["UserName"])
        tags.untag_resource(conn, "user", user.user_id, ctx.params.get("TagKeys") or [])


@operation(
    "iam",
    "ListUserTags",
    authorization=Authorization(actions=("iam:ListUserTags",), resources=user_resource, label=user_label),
)
def list_user_tags(ctx: RequestContext, store: Store) -> dict[str, Any]:
    with transaction(store, read_only=True) as conn:
        user = users.get_user(conn, account_of(ctx), ctx.params["UserName"])
        page = tags.list_tags(conn, "user", user.user_id, **page_args(ctx))
    return page_out(page, "Tags", [{"Key": tag.key, "Value": tag.value} for tag in page.items])
