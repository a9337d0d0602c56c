"""IAM users: CreateUser, GetUser, ListUsers, UpdateUser, DeleteUser.

Also what the modules acting on one user share (which user a request names, that user's ARN with
its path for the gate, the ``User`` shape); the package's general helpers are in ``_common``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lamina.arn import parse_arn
from lamina.context import RequestContext
from lamina.policy import ContextValue
from lamina.protocols import ServiceError
from lamina.services.registry import Authorization, operation
from lamina.store import NotFound, Store
from lamina.store.repositories import accounts, login_profiles, tags, users
from lamina.store.repositories.users import UserRow

from ._common import (
    account_of,
    iam_arn,
    page_args,
    page_out,
    request_tags,
    require_arn,
    require_attachable,
    tag_context,
    tags_out,
    transaction,
)

# --- shared by the modules acting on one user -----------------------------------------------


def own_or_named(ctx: RequestContext, param: str = "UserName") -> str | None:
    """The user a request names, else the caller's own user; None means the root user itself.

    AWS lets GetUser, CreateAccessKey and friends omit UserName "to act on the caller"; a role
    session has no user to fall back on, so IAM refuses.
    """
    name: str | None = ctx.params.get(param)
    if name:
        return name
    caller = ctx.require_caller()
    if caller.principal_type == "IAMUser" and caller.user_name:
        return caller.user_name
    if caller.principal_type == "Root":
        return None
    raise ServiceError("ValidationError", "Must specify userName when calling with non-User credentials", 400)


def user_arn(store: Store, account_id: str, name: str, path: str | None = None) -> str:
    """The user's ARN with its path (a missing user gets ``/``: the gate still needs a resource)."""
    if path is None:
        path = store.cached(("user-path", account_id, name.lower()), lambda: _stored_path(store, account_id, name))
    return iam_arn(account_id, "user", path, name)


def _stored_path(store: Store, account_id: str, name: str) -> str:
    try:
        with store.transaction(read_only=True) as conn:
            return users.get_user(conn, account_id, name).path
    except NotFound:
        return "/"


def user_resource(ctx: RequestContext, store: Store) -> list[str]:
    """The named (or the caller's own) user's ARN; the root's ARN when root acts on itself."""
    try:
        name = own_or_named(ctx)
    except ServiceError:
        return [ctx.require_caller().arn]
    if name is None:
        return [ctx.require_caller().arn]
    return [user_arn(store, account_of(ctx), name)]


def user_label(ctx: RequestContext) -> str:
    """IAM's AccessDenied names a user as ``user NAME``."""
    name = ctx.params.get("UserName") or ctx.require_caller().user_name
    return f"user {name}" if name else ctx.require_caller().arn


def user_authorization(action: str) -> Authorization:
    """The declaration of an operation on one user (the SAR's ``user`` resource type)."""
    return Authorization(actions=(f"iam:{action}",), resources=user_resource, label=user_label)


def user_out(user: UserRow, found_tags: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The ``User`` shape; GetUser and CreateUser add the boundary and tags, lists do not."""
    out: dict[str, Any] = {
        "Path": user.path,
        "UserName": user.name,
        "UserId": user.user_id,
        "Arn": user.arn,
        "CreateDate": user.created_at,
    }
    if found_tags is not None:
        if user.permissions_boundary:
            out["PermissionsBoundary"] = {
                "PermissionsBoundaryType": "Policy",
                "PermissionsBoundaryArn": user.permissions_boundary,
            }
        if found_tags:
            out["Tags"] = tags_out(found_tags)
    return out


# --- the operations ---------------------------------------------------------------------------


def _create_resource(ctx: RequestContext, store: Store) -> list[str]:
    return [user_arn(store, account_of(ctx), ctx.params["UserName"], ctx.params.get("Path") or "/")]


def _create_context(ctx: RequestContext, store: Store) -> dict[str, ContextValue]:
    keys = tag_context(ctx, store)
    if ctx.params.get("PermissionsBoundary"):
        keys["iam:PermissionsBoundary"] = ctx.params["PermissionsBoundary"]
    return keys


@operation(
    "iam",
    "CreateUser",
    authorization=Authorization(
        actions=("iam:CreateUser",), resources=_create_resource, context=_create_context, label=user_label
    ),
)
def create_user(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """A new user with its path, tags and (optional) permissions boundary, in one transaction."""
    account = account_of(ctx)
    new_tags = request_tags(ctx)
    if ctx.params.get("PermissionsBoundary"):
        require_arn(ctx.params["PermissionsBoundary"])
    with transaction(store) as conn:
        user = users.create_user(conn, account, ctx.params["UserName"], ctx.params.get("Path") or "/")
        if new_tags:
            tags.tag_resource(conn, account, "user", user.user_id, new_tags)
        if ctx.params.get("PermissionsBoundary"):
            require_attachable(conn, ctx.params["PermissionsBoundary"])
            user = users.set_user_permissions_boundary(conn, account, user.name, ctx.params["PermissionsBoundary"])
        return {"User": user_out(user, new_tags)}


@operation("iam", "GetUser", authorization=user_authorization("GetUser"))
def get_user(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """The named user, or the caller; root asking about itself gets AWS's name-less root user."""
    account = account_of(ctx)
    name = own_or_named(ctx)
    if name is None:
        created = store.cached(("account-created", account), lambda: _account_created(store, account))
        return {"User": {"UserId": account, "Arn": ctx.require_caller().arn, "CreateDate": created}}
    with transaction(store, read_only=True) as conn:
        user = users.get_user(conn, account, name)
        out = user_out(user, tags.all_tags(conn, "user", user.user_id))
        last_used = login_profiles.password_last_used(conn, user.user_id)
    if last_used is not None:  # AWS names it only once the password signed in
        out["PasswordLastUsed"] = last_used
    return {"User": out}


def _account_created(store: Store, account: str) -> Any:
    with transaction(store, read_only=True) as conn:
        return accounts.get_account(conn, account).created_at


@operation("iam", "ListUsers", authorization=Authorization(actions=("iam:ListUsers",)))
def list_users(ctx: RequestContext, store: Store) -> dict[str, Any]:
    with transaction(store, read_only=True) as conn:
        page = users.list_users(
            conn, account_of(ctx), path_prefix=ctx.params.get("PathPrefix") or "/", **page_args(ctx)
        )
    return page_out(page, "Users", [user_out(user) for user in page.items])


def _update_resources(ctx: RequestContext, store: Store) -> list[str]:
    """Both the user as it is and as it will be: AWS needs permission on the source and the target."""
    account, name = account_of(ctx), ctx.params["UserName"]
    current = user_arn(store, account, name)
    path = ctx.params.get("NewPath") or parse_arn(current).resource.removeprefix("user").removesuffix(name)
    target = iam_arn(account, "user", path, ctx.params.get("NewUserName") or name)
    return [current] if target == current else [current, target]


@operation(
    "iam",
    "UpdateUser",
    authorization=Authorization(actions=("iam:UpdateUser",), resources=_update_resources, label=user_label),
)
def update_user(ctx: RequestContext, store: Store) -> None:
    """Rename and/or move a user; its keys, groups, policies and tags follow."""
    with transaction(store) as conn:
        users.update_user(
            conn,
            account_of(ctx),
            ctx.params["UserName"],
            new_name=ctx.params.get("NewUserName"),
            new_path=ctx.params.get("NewPath"),
        )


@operation("iam", "DeleteUser", authorization=user_authorization("DeleteUser"))
def delete_user(ctx: RequestContext, store: Store) -> None:
    """Refused (DeleteConflict) while a login profile, keys, policies or groups remain, as AWS does."""
    with transaction(store) as conn:
        users.delete_user(conn, account_of(ctx), ctx.params["UserName"])
