"""IAM groups and their members: Create/Get/List/Update/DeleteGroup, Add/RemoveUserFromGroup,
ListGroupsForUser. Membership is declared on the group (the SAR's resource for Add/Remove)."""

from __future__ import annotations

from typing import Any

from lamina.arn import parse_arn
from lamina.context import RequestContext
from lamina.services.registry import Authorization, operation
from lamina.store import NotFound, Store
from lamina.store.repositories import groups
from lamina.store.repositories.groups import GroupRow

from ._common import account_of, iam_arn, page_args, page_out, transaction
from .users import user_authorization, user_out


def _group_arn(store: Store, account_id: str, name: str, path: str | None = None) -> str:
    """The group's ARN with its path (``/`` for a group that does not exist yet)."""
    if path is None:
        try:
            with store.transaction(read_only=True) as conn:
                path = groups.get_group(conn, account_id, name).path
        except NotFound:
            path = "/"
    return iam_arn(account_id, "group", path, name)


def _group_resource(ctx: RequestContext, store: Store) -> list[str]:
    return [_group_arn(store, account_of(ctx), ctx.params["GroupName"])]


def _group_label(ctx: RequestContext) -> str:
    return f"group {ctx.params['GroupName']}"


def _on_group(action: str) -> Authorization:
    return Authorization(actions=(f"iam:{action}",), resources=_group_resource, label=_group_label)


def _group_out(group: GroupRow) -> dict[str, Any]:
    return {
        "Path": group.path,
        "GroupName": group.name,
        "GroupId": group.group_id,
        "Arn": group.arn,
        "CreateDate": group.created_at,
    }


def _create_resource(ctx: RequestContext, store: Store) -> list[str]:
    return [_group_arn(store, account_of(ctx), ctx.params["GroupName"], ctx.params.get("Path") or "/")]


@operation(
    "iam",
    "CreateGroup",
    authorization=Authorization(actions=("iam:CreateGroup",), resources=_create_resource, label=_group_label),
)
def create_group(ctx: RequestContext, store: Store) -> dict[str, Any]:
    with transaction(store) as conn:
        group = groups.create_group(conn, account_of(ctx), ctx.params["GroupName"], ctx.params.get("Path") or "/")
    return {"Group": _group_out(group)}


@operation("iam", "GetGroup", authorization=_on_group("GetGroup"))
def get_group(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """The group and a page of its members."""
    account = account_of(ctx)
    with transaction(store, read_only=True) as conn:
        group = groups.get_group(conn, account, ctx.params["GroupName"])
        page = groups.list_group_members(conn, account, group.name, **page_args(ctx))
    return {"Group": _group_out(group)} | page_out(page, "Users", [user_out(user) for user in page.items])


@operation("iam", "ListGroups", authorization=Authorization(actions=("iam:ListGroups",)))
def list_groups(ctx: RequestContext, store: Store) -> dict[str, Any]:
    with transaction(store, read_only=True) as conn:
        page = groups.list_groups(
            conn, account_of(ctx), path_prefix=ctx.params.get("PathPrefix") or "/", **page_args(ctx)
        )
    return page_out(page, "Groups", [_group_out(group) for group in page.items])


def _update_resources(ctx: RequestContext, store: Store) -> list[str]:
    """Both the group as it is and as it will be: AWS needs permission on the source and the target."""
    account, name = account_of(ctx), ctx.params["GroupName"]
    current = _group_arn(store, account, name)
    path = ctx.params.get("NewPath") or parse_arn(current).resource.removeprefix("group").removesuffix(name)
    target = iam_arn(account, "group", path, ctx.params.get("NewGroupName") or name)
    return [current] if target == current else [current, target]


@operation(
    "iam",
    "UpdateGroup",
    authorization=Authorization(actions=("iam:UpdateGroup",), resources=_update_resources, label=_group_label),
)
def update_group(ctx: RequestContext, store: Store) -> None:
    with transaction(store) as conn:
        groups.update_group(
            conn,
            account_of(ctx),
            ctx.params["GroupName"],
            new_name=ctx.params.get("NewGroupName"),
            new_path=ctx.params.get("NewPath"),
        )


@operation("iam", "DeleteGroup", authorization=_on_group("DeleteGroup"))
def delete_group(ctx: RequestContext, store: Store) -> None:
    """Refused (DeleteConflict) while the group has members or policies."""
    with transaction(store) as conn:
        groups.delete_group(conn, account_of(ctx), ctx.params["GroupName"])


@operation("iam", "AddUserToGroup", authorization=_on_group("AddUserToGroup"))
def add_user_to_group(ctx: RequestContext, store: Store) -> None:
    """Idempotent; an 11th group for one user is LimitExceeded (GroupsPerUser: 10)."""
    with transaction(store) as conn:
        groups.add_user_to_group(conn, account_of(ctx), ctx.params["GroupName"], ctx.params["UserName"])


@operation("iam", "RemoveUserFromGroup", authorization=_on_group("RemoveUserFromGroup"))
def remove_user_from_group(ctx: RequestContext, store: Store) -> None:
    """Removing a user who is not a member succeeds, as it does on AWS; a missing user or group does not."""
    account = account_of(ctx)
    with transaction(store) as conn:
        try:
            groups.remove_user_from_group(conn, account, ctx.params["GroupName"], ctx.params["UserName"])
        except NotFound as error:
            if error.kind != "group membership":
                raise


@operation("iam", "ListGroupsForUser", authorization=user_authorization("ListGroupsForUser"))
def list_groups_for_user(ctx: RequestContext, store: Store) -> dict[str, Any]:
    with transaction(store, read_only=True) as conn:
        page = groups.list_groups_for_user(conn, account_of(ctx), ctx.params["UserName"], **page_args(ctx))
    return page_out(page, "Groups", [_group_out(group) for group in page.items])
