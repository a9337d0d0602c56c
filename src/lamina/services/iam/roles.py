"""IAM roles: CreateRole, GetRole, ListRoles, UpdateRole, UpdateRoleDescription, UpdateAssumeRolePolicy, DeleteRole.

The trust policy is checked with the trust grammar (Principal required, no Resource) and returned URL-encoded,
as AWS does. The users and roles it names must exist when it is written, and are bound to their unique ids
(``named_principals``): once one is deleted, the policy reads with the old unique id in place of its ARN and
trusts no principal re-created under that name. A service-linked role (path ``/aws-service-role/``)
cannot be updated or deleted here (``protected_roles``). Role last-used data is not recorded yet, so ``RoleLastUsed``
is empty, as AWS shows for a role never used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lamina.context import RequestContext
from lamina.policy import ContextValue, PolicyKind
from lamina.services.registry import Authorization, operation
from lamina.store import Connection, Store
from lamina.store.repositories import named_principals, roles, tags
from lamina.store.repositories.roles import RoleRow

from ._common import (
    account_of,
    check_document,
    check_marker_items,
    encoded,
    entity_arn,
    iam_arn,
    require_attachable,
    role_label,
    tag_context,
    tags_in,
    tags_out,
    transaction,
)
from .errors import malformed_policy_document
from .protected_roles import require_modifiable

TRUST_POLICY_LIMIT = 2048


def role_shape(conn: Connection, role: RoleRow, *, full: bool = True) -> dict[str, Any]:
    """A ``Role`` as AWS returns it; ``full`` adds boundary, tags and last-used (GetRole, CreateRole)."""
    shape: dict[str, Any] = {
        "Path": role.path, "RoleName": role.name, "RoleId": role.role_id, "Arn": role.arn,
        "CreateDate": role.created_at, "AssumeRolePolicyDocument": encoded(trust_policy_as_read(conn, role)),
        "MaxSessionDuration": role.max_session_duration,
    }
    if role.description is not None:
        shape["Description"] = role.description
    if full:
        if role.permissions_boundary:
            shape["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy",
                                            "PermissionsBoundaryArn": role.permissions_boundary}
        found = tags.all_tags(conn, "role", role.role_id)
        if found:
            shape["Tags"] = tags_out(found)
        shape["RoleLastUsed"] = {}
    return shape


def trust_policy_as_read(conn: Connection, role: RoleRow) -> str:
    """The trust policy as IAM shows it: a deleted principal's ARN reads as its old unique id."""
    return named_principals.as_read(conn, named_principals.OWNER_ROLE_TRUST, role.role_id, role.assume_role_policy)


def check_named_principals(conn: Connection, document: str) -> None:
    """AWS refuses a trust policy naming a user or role that does not exist (in an account it knows)."""
    for arn in named_principals.unresolved(conn, document):
        raise malformed_policy_document(f'Invalid principal in policy: "AWS":"{arn}"')


def _new_role_arn(ctx: RequestContext, store: Store) -> Sequence[str]:
    return [iam_arn(account_of(ctx), "role", ctx.params.get("Path", "/"), ctx.params["RoleName"])]


def _create_context(ctx: RequestContext, store: Store) -> dict[str, ContextValue]:
    found = tag_context(ctx, store)
    if ctx.params.get("PermissionsBoundary"):
        found["iam:PermissionsBoundary"] = ctx.params["PermissionsBoundary"]
    return found


def _declared(action: str) -> Authorization:
    return Authorization(actions=(f"iam:{action}",), resources=entity_arn("role", "RoleName"), label=role_label)


@operation("iam", "CreateRole", authorization=Authorization(
    actions=("iam:CreateRole",), resources=_new_role_arn, context=_create_context, label=role_label))
def create_role(ctx: RequestContext, store: Store) -> dict[str, Any]:
    params = ctx.params
    document = params["AssumeRolePolicyDocument"]
    check_document(document, PolicyKind.TRUST, TRUST_POLICY_LIMIT, "ACLSizePerRole")
    with transaction(store) as conn:
        check_named_principals(conn, document)
        boundary = params.get("PermissionsBoundary")
        if boundary:
            require_attachable(conn, boundary, account_of(ctx))
        role = roles.create_role(
            conn, account_of(ctx), params["RoleName"], document, path=params.get("Path", "/"),
            description=params.get("Description"),
            max_session_duration=params.get("MaxSessionDuration", roles.DEFAULT_MAX_SESSION_DURATION))
        if boundary:
            role = roles.set_role_permissions_boundary(conn, account_of(ctx), role.name, boundary)
        if tags_in(params):
            tags.tag_resource(conn, account_of(ctx), "role", role.role_id, tags_in(params))
        shape = role_shape(conn, role)
    shape.pop("RoleLastUsed")
    shape.pop("MaxSessionDuration")
    return {"Role": shape}


@operation("iam", "GetRole", authorization=_declared("GetRole"))
def get_role(ctx: RequestContext, store: Store) -> dict[str, Any]:
    with transaction(store, read_only=True) as conn:
        return {"Role": role_shape(conn, roles.get_role(conn, account_of(ctx), ctx.params["RoleName"]))}


@operation("iam", "ListRoles", authorization=Authorization(actions=("iam:ListRoles",)))
def list_roles(ctx: RequestContext, store: Store) -> dict[str, Any]:
    marker, max_items = check_marker_items(ctx.params)
    with transaction(store, read_only=True) as conn:
        page = roles.list_roles(conn, account_of(ctx), path_prefix=ctx.params.get("PathPrefix", "/"),
                                marker=marker, max_items=max_items)
        found = [role_shape(conn, role, full=False) for role in page.items]
    result: dict[str, Any] = {"Roles": found, "IsTruncated": page.is_truncated}
    if page.marker:
        result["Marker"] = page.marker
    return result


@operation("iam", "UpdateRole", authorization=_declared("UpdateRole"))
def update_role(ctx: RequestContext, store: Store) -> dict[str, Any]:
    with transaction(store) as conn:
        require_modifiable(conn, account_of(ctx), ctx.params["RoleName"])
        roles.update_role(conn, account_of(ctx), ctx.params["RoleName"], description=ctx.params.get("Description"),
                          max_session_duration=ctx.params.get("MaxSessionDuration"))
    return {}


@operation("iam", "UpdateRoleDescription", authorization=_declared("UpdateRoleDescription"))
def update_role_description(ctx: RequestContext, store: Store) -> dict[str, Any]:
    with transaction(store) as conn:
        role = roles.update_role(conn, account_of(ctx), ctx.params["RoleName"],
                                 description=ctx.params["Description"])
        return {"Role": role_shape(conn, role)}


@operation("iam", "UpdateAssumeRolePolicy", authorization=_declared("UpdateAssumeRolePolicy"))
def update_assume_role_policy(ctx: RequestContext, store: Store) -> None:
    document = ctx.params["PolicyDocument"]
    check_document(document, PolicyKind.TRUST, TRUST_POLICY_LIMIT, "ACLSizePerRole")
    with transaction(store) as conn:
        roles.get_role(conn, account_of(ctx), ctx.params["RoleName"])  # NoSuchEntity before the principals
        require_modifiable(conn, account_of(ctx), ctx.params["RoleName"])
        check_named_principals(conn, document)
        roles.update_assume_role_policy(conn, account_of(ctx), ctx.params["RoleName"], document)


@operation("iam", "DeleteRole", authorization=_declared("DeleteRole"))
def delete_role(ctx: RequestContext, store: Store) -> None:
    with transaction(store) as conn:
        require_modifiable(conn, account_of(ctx), ctx.params["RoleName"])
        roles.delete_role(conn, account_of(ctx), ctx.params["RoleName"])
