"""IAM instance profiles: a named, pathed container for at most one role (AWS's quota).

Names are unique case-insensitively per account, like roles. The profile-role link is a row per
pair, so a role's profiles are found without scanning; a role cannot be deleted while it is in one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, func, select

from .. import ids
from ..errors import AlreadyExists, DeleteConflict, LimitExceeded, NotFound
from ..schema import instance_profile_roles, instance_profiles
from . import tags
from ._common import DEFAULT_MAX_ITEMS, Page, iam_arn, now, paginate, path_starts_with
from .accounts import require_account
from .roles import RoleRow, get_role, get_role_by_id

MAX_ROLES = 1
"""AWS's InstanceSessionsPerInstanceProfile quota: one role per instance profile."""

TAG_KIND = "instance_profile"


@dataclass(frozen=True)
class InstanceProfileRow:
    account_id: str
    instance_profile_id: str
    name: str
    path: str
    created_at: datetime

    @property
    def arn(self) -> str:
        return iam_arn(self.account_id, "instance-profile", self.path, self.name)


def _profile(row: Row[Any]) -> InstanceProfileRow:
    return InstanceProfileRow(row.account_id, row.instance_profile_id, row.name, row.path, row.created_at)


def create_instance_profile(conn: Connection, account_id: str, name: str, *, path: str = "/") -> InstanceProfileRow:
    require_account(conn, account_id)
    taken = select(instance_profiles.c.instance_profile_id).where(
        instance_profiles.c.account_id == account_id, instance_profiles.c.name_lower == name.lower())
    if conn.execute(taken).first() is not None:
        raise AlreadyExists("instance profile", name)
    row = InstanceProfileRow(account_id, ids.unique_id(ids.INSTANCE_PROFILE), name, path, now())
    conn.execute(instance_profiles.insert().values(
        instance_profile_id=row.instance_profile_id, account_id=account_id, name=name, name_lower=name.lower(),
        path=path, created_at=row.created_at))
    return row


def get_instance_profile(conn: Connection, account_id: str, name: str) -> InstanceProfileRow:
    row = conn.execute(select(instance_profiles).where(
        instance_profiles.c.account_id == account_id, instance_profiles.c.name_lower == name.lower())).first()
    if row is None:
        raise NotFound("instance profile", name)
    return _profile(row)


def list_instance_profiles(conn: Connection, account_id: str, *, path_prefix: str = "/", marker: str | None = None,
                           max_items: int = DEFAULT_MAX_ITEMS) -> Page[InstanceProfileRow]:
    query = select(instance_profiles).where(instance_profiles.c.account_id == account_id,
                                            path_starts_with(instance_profiles.c.path, path_prefix))
    return paginate(conn, query, instance_profiles.c.name_lower, _profile, marker=marker, max_items=max_items)


def list_instance_profiles_for_role(conn: Connection, account_id: str, role_name: str, *, marker: str | None = None,
                                    max_items: int = DEFAULT_MAX_ITEMS) -> Page[InstanceProfileRow]:
    role = get_role(conn, account_id, role_name)
    query = select(instance_profiles).join(
        instance_profile_roles,
        instance_profile_roles.c.instance_profile_id == instance_profiles.c.instance_profile_id,
    ).where(instance_profile_roles.c.role_id == role.role_id)
    return paginate(conn, query, instance_profiles.c.name_lower, _profile, marker=marker, max_items=max_items)


def roles_of(conn: Connection, profile: InstanceProfileRow) -> list[RoleRow]:
    """The profile's roles (zero or one)."""
    found = conn.execute(select(instance_profile_roles.c.role_id).where(
        instance_profile_roles.c.instance_profile_id == profile.instance_profile_id)).scalars().all()
    return [get_role_by_id(conn, role_id) for role_id in found]


def role_in_profiles(conn: Connection, role_id: str) -> bool:
    """Whether any instance profile holds the role (DeleteRole's conflict)."""
    found = select(instance_profile_roles.c.role_id).where(instance_profile_roles.c.role_id == role_id)
    return conn.execute(found.limit(1)).first() is not None


def add_role(conn: Connection, account_id: str, profile_name: str, role_name: str) -> None:
    """Link the role; LimitExceeded when the profile already holds one (even this one, as AWS)."""
    profile = get_instance_profile(conn, account_id, profile_name)
    role = get_role(conn, account_id, role_name)
    if len(roles_of(conn, profile)) >= MAX_ROLES:
        raise LimitExceeded("instance profile", profile.name, "InstanceSessionsPerInstanceProfile", MAX_ROLES)
    conn.execute(instance_profile_roles.insert().values(
        account_id=account_id, instance_profile_id=profile.instance_profile_id, role_id=role.role_id))


def remove_role(conn: Connection, account_id: str, profile_name: str, role_name: str) -> None:
    profile = get_instance_profile(conn, account_id, profile_name)
    role = get_role(conn, account_id, role_name)
    removed = conn.execute(instance_profile_roles.delete().where(
        instance_profile_roles.c.instance_profile_id == profile.instance_profile_id,
        instance_profile_roles.c.role_id == role.role_id))
    if removed.rowcount == 0:
        raise NotFound("role", role_name)


def delete_instance_profile(conn: Connection, account_id: str, name: str) -> None:
    """Delete a profile without roles (DeleteConflict otherwise); its tags go with it."""
    profile = get_instance_profile(conn, account_id, name)
    if roles_of(conn, profile):
        raise DeleteConflict("instance profile", profile.name, "roles")
    tags.delete_all_tags(conn, TAG_KIND, profile.instance_profile_id)
    conn.execute(instance_profiles.delete().where(
        instance_profiles.c.instance_profile_id == profile.instance_profile_id))


def count_instance_profiles(conn: Connection, account_id: str) -> int:
    query = select(func.count()).select_from(instance_profiles).where(instance_profiles.c.account_id == account_id)
    return int(conn.execute(query).scalar_one())
