"""Put/Delete User/RolePermissionsBoundary: one managed policy ARN that caps the entity's permissions.

The boundary must be an ARN (ValidationError otherwise) of a customer or AWS managed policy that exists
(NoSuchEntity otherwise, as AWS words it).
The gate sees the ARN as ``iam:PermissionsBoundary`` and ``iam:PolicyARN``.
"""

from __future__ import annotations

from lamina.context import RequestContext
from lamina.policy import ContextValue
from lamina.services.registry import Authorization, operation
from lamina.store import Store
from lamina.store.repositories import roles, users

from ._common import account_of, entity_arn, entity_label, require_arn, require_attachable, role_label, transaction
from .protected_roles import require_modifiable


def _put_context(ctx: RequestContext, store: Store) -> dict[str, ContextValue]:
    arn = ctx.params["PermissionsBoundary"]
    return {"iam:PermissionsBoundary": arn, "iam:PolicyARN": arn}


@operation("iam", "PutUserPermissionsBoundary", authorization=Authorization(
    actions=("iam:PutUserPermissionsBoundary",), resources=entity_arn("user", "UserName"), context=_put_context,
    label=entity_label("user")))
def put_user_permissions_boundary(ctx: RequestContext, store: Store) -> None:
    require_arn(ctx.params["PermissionsBoundary"])
    with transaction(store) as conn:
        users.get_user(conn, account_of(ctx), ctx.params["UserName"])
        require_attachable(conn, ctx.params["PermissionsBoundary"], account_of(ctx))
        users.set_user_permissions_boundary(conn, account_of(ctx), ctx.params["UserName"],
                                            ctx.params["PermissionsBoundary"])


@operation("iam", "PutRolePermissionsBoundary", authorization=Authorization(
    actions=("iam:PutRolePermissionsBoundary",), resources=entity_arn("role", "RoleName"), context=_put_context,
    label=role_label))
def put_role_permissions_boundary(ctx: RequestContext, store: Store) -> None:
    require_arn(ctx.params["PermissionsBoundary"])
    with transaction(store) as conn:
        roles.get_role(conn, account_of(ctx), ctx.params["RoleName"])
        require_modifiable(conn, account_of(ctx), ctx.params["RoleName"])
        require_attachable(conn, ctx.params["PermissionsBoundary"], account_of(ctx))
        roles.set_role_permissions_boundary(conn, account_of(ctx), ctx.params["RoleName"],
                                            ctx.params["PermissionsBoundary"])


@operation("iam", "DeleteUserPermissionsBoundary", authorization=Authorization(
    actions=("iam:DeleteUserPermissionsBoundary",), resources=entity_arn("user", "UserName"),
    label=entity_label("user")))
def delete_user_permissions_boundary(ctx: RequestContext, store: Store) -> None:
    with transaction(store) as conn:
        users.set_user_permissions_boundary(conn, account_of(ctx), ctx.params["UserName"], None)


@operation("iam", "DeleteRolePermissionsBoundary", authorization=Authorization(
    actions=("iam:DeleteRolePermissionsBoundary",), resources=entity_arn("role", "RoleName"), label=role_label))
def delete_role_permissions_boundary(ctx: RequestContext, store: Store) -> None:
    with transaction(store) as conn:
        require_modifiable(conn, account_of(ctx), ctx.params["RoleName"])
        roles.set_role_permissions_boundary(conn, account_of(ctx), ctx.params["RoleName"], None)
