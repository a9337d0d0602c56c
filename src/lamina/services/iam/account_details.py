"""``iam:GetAccountAuthorizationDetails``: every user, group, role and managed policy in one answer.

Why one snapshot of the whole account: auditing tools read it to see who can do what without a
call per entity. Documents come URL-encoded as AWS sends them. AWS managed policies appear when
something in the account uses them (attached or as a boundary), as on AWS.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from lamina import managed_policies
from lamina.context import RequestContext
from lamina.services.registry import operation
from lamina.store import Connection, Store
from lamina.store.repositories import OwnerKind, attachments, groups, inline_policies, policies, roles, tags, users

from . import errors
from .declarations import derived_authorization
from .instance_profiles import profiles_of_role
from .roles import trust_policy_as_read

_ALL = 10_000
_FILTERS = ("User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy")


def _encoded(document: str) -> str:
    return quote(document, safe="-_.~")


def _policy_name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def _owned(conn: Connection, kind: OwnerKind, owner_id: str) -> dict[str, Any]:
    """The inline list (``UserPolicyList``...) and attached list of one principal."""
    inline = [{"PolicyName": name, "PolicyDocument": _encoded(doc)}
              for name, doc in inline_policies.inline_documents(conn, kind, owner_id).items()]
    attached = [{"PolicyName": _policy_name(arn), "PolicyArn": arn}
                for arn in attachments.attached_policy_arns(conn, kind, owner_id)]
    return {f"{kind.capitalize()}PolicyList": inline, "AttachedManagedPolicies": attached}


def _boundary_and_tags(out: dict[str, Any], boundary: str | None, found: dict[str, str]) -> dict[str, Any]:
    if boundary:
        out["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy",
                                      "PermissionsBoundaryArn": boundary}
    out["Tags"] = [{"Key": k, "Value": v} for k, v in found.items()]
    return out


def _users(conn: Connection, account: str) -> list[dict[str, Any]]:
    out = []
    for user in users.list_users(conn, account, max_items=_ALL).items:
        member_of = [g.name for g in groups.list_groups_for_user(conn, account, user.name, max_items=_ALL).items]
        item = {"Path": user.path, "UserName": user.name, "UserId": user.user_id, "Arn": user.arn,
                "CreateDate": user.created_at, **_owned(conn, "user", user.user_id), "GroupList": member_of}
        out.append(_boundary_and_tags(item, user.permissions_boundary, tags.all_tags(conn, "user", user.user_id)))
    return out


def _groups(conn: Connection, account: str) -> list[dict[str, Any]]:
    return [{"Path": g.path, "GroupName": g.name, "GroupId": g.group_id, "Arn": g.arn, "CreateDate": g.created_at,
             **_owned(conn, "group", g.group_id)} for g in groups.list_groups(conn, account, max_items=_ALL).items]


def _roles(conn: Connection, account: str) -> list[dict[str, Any]]:
    out = []
    for role in roles.list_roles(conn, account, max_items=_ALL).items:
        item = {"Path": role.path, "RoleName": role.name, "RoleId": role.role_id, "Arn": role.arn,
                "CreateDate": role.created_at, "AssumeRolePolicyDocument": _encoded(trust_policy_as_read(conn, role)),
                "InstanceProfileList": profiles_of_role(conn, role), **_owned(conn, "role", role.role_id),
                "RoleLastUsed": {}}
        out.append(_boundary_and_tags(item, role.permissions_boundary, tags.all_tags(conn, "role", role.role_id)))
    return out


def _usage(entities: list[dict[str, Any]]) -> tuple[dict[str, int], dict[str, int]]:
    """How many principals attach each policy, and use it as their boundary."""
    attached: dict[str, int] = {}
    bounding: dict[str, int] = {}
    for entity in entities:
        for policy in entity["AttachedManagedPolicies"]:
            attached[policy["PolicyArn"]] = attached.get(policy["PolicyArn"], 0) + 1
        if "PermissionsBoundary" in entity:
            arn = entity["PermissionsBoundary"]["PermissionsBoundaryArn"]
            bounding[arn] = bounding.get(arn, 0) + 1
    return attached, bounding


def _local_policies(conn: Connection, account: str) -> list[dict[str, Any]]:
    out = []
    for row in policies.list_policies(conn, account, max_items=_ALL).items:
        versions = [{"Document": _encoded(v.document), "VersionId": v.version_id, "IsDefaultVersion": v.is_default,
                     "CreateDate": v.created_at} for v in policies.list_policy_versions(conn, row.arn)]
        out.append({"PolicyName": row.name, "PolicyId": row.policy_id, "Arn": row.arn, "Path": row.path,
                    "DefaultVersionId": row.default_version_id, "IsAttachable": True,
                    **({"Description": row.description} if row.description else {}),
                    "CreateDate": row.created_at, "UpdateDate": row.updated_at, "PolicyVersionList": versions})
    return out


def _aws_policies(arns: set[str]) -> list[dict[str, Any]]:
    out = []
    for arn in sorted(arns):
        found = managed_policies.get(arn)
        if found is None:
            continue
        out.append({"PolicyName": found.name, "PolicyId": found.policy_id, "Arn": found.arn, "Path": found.path,
                    "DefaultVersionId": found.default_version_id, "IsAttachable": True,
                    "CreateDate": found.create_date, "UpdateDate": found.update_date, "PolicyVersionList": [
                        {"Document": _encoded(found.document), "VersionId": found.default_version_id,
                         "IsDefaultVersion": True, "CreateDate": found.update_date}]})
    return out


def _page(ctx: RequestContext, lists: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """One page across the four lists in order; the marker is the position of the next item."""
    marker = ctx.params.get("Marker")
    if marker is not None and not str(marker).isdigit():
        raise errors.invalid_input("Invalid Marker.")
    start, size = int(marker or 0), int(ctx.params.get("MaxItems") or 100)
    flat = [(name, item) for name, items in lists.items() for item in items]
    out: dict[str, Any] = {name: [] for name in lists}
    for name, item in flat[start:start + size]:
        out[name].append(item)
    out["IsTruncated"] = start + size < len(flat)
    if out["IsTruncated"]:
        out["Marker"] = str(start + size)
    return out


@operation("iam", "GetAccountAuthorizationDetails", authorization=derived_authorization(
    "iam", "GetAccountAuthorizationDetails"))
def get_account_authorization_details(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """Users, groups, roles and policies, narrowed by ``Filter`` (all when absent), paginated."""
    account = ctx.require_caller().account_id
    wanted = set(ctx.params.get("Filter") or _FILTERS)
    with store.transaction(read_only=True) as conn:
        found_users, found_groups, found_roles = _users(conn, account), _groups(conn, account), _roles(conn, account)
        local = _local_policies(conn, account)
    attached, bounding = _usage(found_users + found_groups + found_roles)
    aws = _aws_policies({arn for arn in (*attached, *bounding) if managed_policies.is_aws_managed(arn)})
    for policy in local + aws:
        policy["AttachmentCount"] = attached.get(policy["Arn"], 0)
        policy["PermissionsBoundaryUsageCount"] = bounding.get(policy["Arn"], 0)
    return _page(ctx, {
        "UserDetailList": found_users if "User" in wanted else [],
        "GroupDetailList": found_groups if "Group" in wanted else [],
        "RoleDetailList": found_roles if "Role" in wanted else [],
        "Policies": ([p for p in local if "LocalManagedPolicy" in wanted]
                     + [p for p in aws if "AWSManagedPolicy" in wanted]),
    })
