"""IAM users: names unique case-insensitively per account, listed by name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, exists, select

from .. import ids, schema
from ..errors import AlreadyExists, DeleteConflict, NotFound
from ..schema import users
from . import tags
from ._common import DEFAULT_MAX_ITEMS, Page, iam_arn, name_taken, now, paginate, path_starts_with
from .accounts import require_account


@dataclass(frozen=True)
class UserRow:
    account_id: str
    user_id: str
    name: str
    path: str
    created_at: datetime
    permissions_boundary: str | None = None

    @property
    def arn(self) -> str:
        return iam_arn(self.account_id, "user", self.path, self.name)


def user_from_row(row: Row[Any]) -> UserRow:
    return UserRow(row.account_id, row.user_id, row.name, row.path, row.created_at, row.permissions_boundary)


def create_user(conn: Connection, account_id: str, name: str, path: str = "/") -> UserRow:
    require_account(conn, account_id)
    if name_taken(conn, account_id, "user", name):
        raise AlreadyExists("user", name)
    row = UserRow(account_id, ids.unique_id(ids.USER), name, path, now())
    conn.execute(
        users.insert().values(
            user_id=row.user_id,
            account_id=account_id,
            name=name,
            name_lower=name.lower(),
            path=path,
            created_at=row.created_at,
        )
    )
    return row


def get_user(conn: Connection, account_id: str, name: str) -> UserRow:
    row = conn.execute(
        select(users).where(users.c.account_id == account_id, users.c.name_lower == name.lower())
    ).first()
    if row is None:
        raise NotFound("user", name)
    return user_from_row(row)


def get_user_by_id(conn: Connection, user_id: str) -> UserRow:
    row = conn.execute(select(users).where(users.c.user_id == user_id)).first()
    if row is None:
        raise NotFound("user", user_id)
    return user_from_row(row)


def list_users(
    conn: Connection,
    account_id: str,
    *,
    path_prefix: str = "/",
    marker: str | None = None,
    max_items: int = DEFAULT_MAX_ITEMS,
) -> Page[UserRow]:
    """Users whose path starts with ``path_prefix``, by name (case-insensitively)."""
    query = select(users).where(users.c.account_id == account_id, path_starts_with(users.c.path, path_prefix))
    return paginate(conn, query, users.c.name_lower, user_from_row, marker=marker, max_items=max_items)


def update_user(
    conn: Connection, account_id: str, name: str, *, new_name: str | None = None, new_path: str | None = None
) -> UserRow:
    """Rename and/or move; keys, groups, policies and tags follow (they reference the id)."""
    user = get_user(conn, account_id, name)
    if new_name is not None and name_taken(conn, account_id, "user", new_name, except_id=user.user_id):
        raise AlreadyExists("user", new_name)
    changes: dict[str, str] = {}
    if new_name is not None:
        changes |= {"name": new_name, "name_lower": new_name.lower()}
    if new_path is not None:
        changes["path"] = new_path
    if changes:
        conn.execute(users.update().where(users.c.user_id == user.user_id).values(**changes))
    return get_user_by_id(conn, user.user_id)


def set_user_permissions_boundary(conn: Connection, account_id: str, name: str, policy_arn: str | None) -> UserRow:
    """Put (an ARN) or delete (None) the user's permissions boundary."""
    user = get_user(conn, account_id, name)
    conn.execute(users.update().where(users.c.user_id == user.user_id).values(permissions_boundary=policy_arn))
    return get_user_by_id(conn, user.user_id)


# What DeleteUser refuses to remove on its own, in the order AWS checks it.
_DELETE_BLOCKERS = (
    ("login_profile", schema.login_profiles, schema.login_profiles.c.user_id),
    ("access_keys", schema.access_keys, schema.access_keys.c.user_id),
    ("mfa_devices", schema.mfa_devices, schema.mfa_devices.c.user_id),
    ("inline_policies", schema.inline_policies, schema.inline_policies.c.owner_id),
    ("attached_policies", schema.attachments, schema.attachments.c.owner_id),
    ("groups", schema.group_members, schema.group_members.c.user_id),
    ("signing_certificates", schema.signing_certificates, schema.signing_certificates.c.user_id),
    ("ssh_public_keys", schema.ssh_public_keys, schema.ssh_public_keys.c.user_id),
    ("service_credentials", schema.service_specific_credentials, schema.service_specific_credentials.c.user_id),
)


def delete_user(conn: Connection, account_id: str, name: str) -> None:
    """Delete a user with nothing left attached; its tags go with it."""
    user = get_user(conn, account_id, name)
    for blocker, table, column in _DELETE_BLOCKERS:
        query = select(exists().where(column == user.user_id))
        if "owner_kind" in table.c:
            query = select(exists().where(column == user.user_id, table.c.owner_kind == "user"))
        if conn.execute(query).scalar():
            raise DeleteConflict("user", user.name, blocker)
    tags.delete_all_tags(conn, "user", user.user_id)
    conn.execute(users.delete().where(users.c.user_id == user.user_id))
