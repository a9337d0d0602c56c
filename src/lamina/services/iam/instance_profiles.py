"""IAM instance profiles: Create/Get/List/DeleteInstanceProfile, Add/RemoveRoleToInstanceProfile,
ListInstanceProfilesForRole, Tag/Untag/ListInstanceProfileTags.

A profile holds at most one role (AWS's InstanceSessionsPerInstanceProfile quota). Adding a role
passes it to EC2, so it is also a secondary ``iam:PassRole`` check through the gate, as AWS's API
reference requires. Lamina runs no instances, so a profile is bookkeeping: it is listed, tagged and
blocks DeleteRole (DeleteConflict) while it holds the role.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lamina.context import RequestContext
from lamina.services.registry import Authorization, Deps, operation
from lamina.store import Connection, NotFound, Store
from lamina.store.repositories import instance_profiles, roles, tags
from lamina.store.repositories.instance_profiles import TAG_KIND, InstanceProfileRow

from ._common import (
    account_of,
    check_marker_items,
    entity_arn,
    iam_arn,
    request_tags,
    role_label,
    tag_context,
    tags_out,
    transaction,
)
from .roles import role_shape

EC2_SERVICE = "ec2.amazonaws.com"


def _profile_arn(ctx: RequestContext, store: Store) -> Sequence[str]:
    """The named profile's ARN with its stored path (the request's ``Path`` for a create)."""
    acct, name = account_of(ctx), ctx.params["InstanceProfileName"]
    path = ctx.params.get("Path")
    if path is None:
        try:
            with store.transaction(read_only=True) as conn:
                return [instance_profiles.get_instance_profile(conn, acct, name).arn]
        except NotFound:
            path = "/"
    return [iam_arn(acct, "instance-profile", path, name)]


def _label(ctx: RequestContext) -> str:
    return f"instance profile {ctx.params['InstanceProfileName']}"


def _declared(action: str, *, tagged: bool = False) -> Authorization:
    return Authorization(actions=(f"iam:{action}",), resources=_profile_arn, label=_label,
                         context=tag_context if tagged else None)


def profile_shape(conn: Connection, profile: InstanceProfileRow, *, with_tags: bool = True) -> dict[str, Any]:
    """An ``InstanceProfile``: its role(s) in full ``Role`` shape, and its tags when it has some."""
    shape: dict[str, Any] = {
        "Path": profile.path, "InstanceProfileName": profile.name, "InstanceProfileId": profile.instance_profile_id,
        "Arn": profile.arn, "CreateDate": profile.created_at,
        "Roles": [_role_in_profile(conn, role) for role in instance_profiles.roles_of(conn, profile)],
    }
    found = tags.all_tags(conn, TAG_KIND, profile.instance_profile_id) if with_tags else {}
    if found:
        shape["Tags"] = tags_out(found)
    return shape


def _role_in_profile(conn: Connection, role: roles.RoleRow) -> dict[str, Any]:
    shape = role_shape(conn, role)
    shape.pop("RoleLastUsed", None)
    shape.pop("PermissionsBoundary", None)
    return shape


def profiles_of_role(conn: Connection, role: roles.RoleRow) -> list[dict[str, Any]]:
    """The instance profiles holding ``role`` (GetAccountAuthorizationDetails' ``InstanceProfileList``)."""
    page = instance_profiles.list_instance_profiles_for_role(conn, role.account_id, role.name, max_items=1000)
    return [profile_shape(conn, profile, with_tags=False) for profile in page.items]


def _page(items: list[dict[str, Any]], marker: str | None) -> dict[str, Any]:
    answer: dict[str, Any] = {"InstanceProfiles": items, "IsTruncated": marker is not None}
    if marker:
        answer["Marker"] = marker
    return answer


@operation("iam", "CreateInstanceProfile", authorization=_declared("CreateInstanceProfile", tagged=True))
def create_instance_profile(ctx: RequestContext, store: Store) -> dict[str, Any]:
    new_tags = request_tags(ctx)
    with transaction(store) as conn:
        profile = instance_profiles.create_instance_profile(conn, account_of(ctx), ctx.params["InstanceProfileName"],
                                                            path=ctx.params.get("Path", "/"))
        if new_tags:
            tags.tag_resource(conn, account_of(ctx), TAG_KIND, profile.instance_profile_id, new_tags)
        return {"InstanceProfile": profile_shape(conn, profile)}


@operation("iam", "GetInstanceProfile", authorization=_declared("GetInstanceProfile"))
def get_instance_profile(ctx: RequestContext, store: Store) -> dict[str, Any]:
    with transaction(store, read_only=True) as conn:
        profile = instance_profiles.get_instance_profile(conn, account_of(ctx), ctx.params["InstanceProfileName"])
        return {"InstanceProfile": profile_shape(conn, profile)}


@operation("iam", "ListInstanceProfiles", authorization=Authorization(actions=("iam:ListInstanceProfiles",)))
def list_instance_profiles(ctx: RequestContext, store: Store) -> dict[str, Any]:
    marker, max_items = check_marker_items(ctx.params)
    with transaction(store, read_only=True) as conn:
        page = instance_profiles.list_instance_profiles(conn, account_of(ctx),
                                                        path_prefix=ctx.params.get("PathPrefix", "/"),
                                                        marker=marker, max_items=max_items)
        return _page([profile_shape(conn, p, with_tags=False) for p in page.items], page.marker)


@operation("iam", "ListInstanceProfilesForRole", authorization=Authorization(
    actions=("iam:ListInstanceProfilesForRole",), resources=entity_arn("role", "RoleName"), label=role_label))
def list_instance_profiles_for_role(ctx: RequestContext, store: Store) -> dict[str, Any]:
    marker, max_items = check_marker_items(ctx.params)
    with transaction(store, read_only=True) as conn:
        page = instance_profiles.list_instance_profiles_for_role(conn, account_of(ctx), ctx.params["RoleName"],
                                                                 marker=marker, max_items=max_items)
        return _page([profile_shape(conn, p, with_tags=False) for p in page.items], page.marker)


@operation("iam", "DeleteInstanceProfile", authorization=_declared("DeleteInstanceProfile"))
def delete_instance_profile(ctx: RequestContext, store: Store) -> None:
    with transaction(store) as conn:
        instance_profiles.delete_instance_profile(conn, account_of(ctx), ctx.params["InstanceProfileName"])


@operation("iam", "AddRoleToInstanceProfile", authorization=_declared("AddRoleToInstanceProfile"), needs="deps")
def add_role_to_instance_profile(ctx: RequestContext, deps: Deps) -> None:
    acct, name, role_name = account_of(ctx), ctx.params["InstanceProfileName"], ctx.params["RoleName"]
    with transaction(deps.store, read_only=True) as conn:
        instance_profiles.get_instance_profile(conn, acct, name)
        role = roles.get_role(conn, acct, role_name)
    deps.gate.check(ctx, "iam:PassRole", role.arn, {"iam:PassedToService": EC2_SERVICE},
                    label=f"role {role.name}")
    with transaction(deps.store) as conn:
        instance_profiles.add_role(conn, acct, name, role_name)


@operation("iam", "RemoveRoleFromInstanceProfile", authorization=_declared("RemoveRoleFromInstanceProfile"))
def remove_role_from_instance_profile(ctx: RequestContext, store: Store) -> None:
    with transaction(store) as conn:
        instance_profiles.remove_role(conn, account_of(ctx), ctx.params["InstanceProfileName"], ctx.params["RoleName"])


@operation("iam", "TagInstanceProfile", authorization=_declared("TagInstanceProfile", tagged=True))
def tag_instance_profile(ctx: RequestContext, store: Store) -> None:
    new_tags = request_tags(ctx)
    with transaction(store) as conn:
        profile = instance_profiles.get_instance_profile(conn, account_of(ctx), ctx.params["InstanceProfileName"])
        tags.tag_resource(conn, account_of(ctx), TAG_KIND, profile.instance_profile_id, new_tags)


@operation("iam", "UntagInstanceProfile", authorization=_declared("UntagInstanceProfile", tagged=True))
def untag_instance_profile(ctx: RequestContext, store: Store) -> None:
    with transaction(store) as conn:
        profile = instance_profiles.get_instance_profile(conn, account_of(ctx), ctx.params["InstanceProfileName"])
        tags.untag_resource(conn, TAG_KIND, profile.instance_profile_id, ctx.params["TagKeys"])


@operation("iam", "ListInstanceProfileTags", authorization=_declared("ListInstanceProfileTags"))
def list_instance_profile_tags(ctx: RequestContext, store: Store) -> dict[str, Any]:
    marker, max_items = check_marker_items(ctx.params)
    with transaction(store, read_only=True) as conn:
        profile = instance_profiles.get_instance_profile(conn, account_of(ctx), ctx.params["InstanceProfileName"])
        page = tags.list_tags(conn, TAG_KIND, profile.instance_profile_id, marker=marker, max_items=max_items)
    answer: dict[str, Any] = {"Tags": [{"Key": t.key, "Value": t.value} for t in page.items],
                              "IsTruncated": page.is_truncated}
    if page.marker:
        answer["Marker"] = page.marker
    return answer
