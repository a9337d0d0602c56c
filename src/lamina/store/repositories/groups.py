"""IAM groups and their members; a user belongs to at most 10 groups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, exists, func, select

from .. import dialect, ids, schema
from ..errors import AlreadyExists, DeleteConflict, LimitExceeded, NotFound
from ..schema import group_members, groups, users
from ._common import DEFAULT_MAX_ITEMS, Page, iam_arn, name_taken, now, paginate, path_starts_with
from .accounts import require_account
from .users import UserRow, get_user, user_from_row

MAX_GROUPS_PER_USER = 10


@dataclass(frozen=True)
class GroupRow:
    account_id: str
    group_id: str
    name: str
    path: str
    created_at: datetime

    @property
    def arn(self) -> str:
        return iam_arn(self.account_id, "group", self.path, self.name)


def _group(row: Row[Any]) -> GroupRow:
    return GroupRow(row.account_id, row.group_id, row.name, row.path, row.created_at)


def create_group(conn: Connection, account_id: str, name: str, path: str = "/") -> GroupRow:
    require_account(conn, account_id)
    if name_taken(conn, account_id, "group", name):
        raise AlreadyExists("group", name)
    row = GroupRow(account_id, ids.unique_id(ids.GROUP), name, path, now())
    conn.execute(
        groups.insert().values(
            group_id=row.group_id,
            account_id=account_id,
            name=name,
            name_lower=name.lower(),
            path=path,
            created_at=row.created_at,
        )
    )
    return row


def get_group(conn: Connection, account_id: str, name: str) -> GroupRow:
    row = conn.execute(
        select(groups).where(groups.c.account_id == account_id, groups.c.name_lower == name.lower())
    ).first()
    if row is None:
        raise NotFound("group", name)
    return _group(row)


def list_groups(
    conn: Connection,
    account_id: str,
    *,
    path_prefix: str = "/",
    marker: str | None = None,
    max_items: int = DEFAULT_MAX_ITEMS,
) -> Page[GroupRow]:
    query = select(groups).where(groups.c.account_id == account_id, path_starts_with(groups.c.path, path_prefix))
    return paginate(conn, query, groups.c.name_lower, _group, marker=marker, max_items=max_items)


def update_group(
    conn: Connection, account_id: str, name: str, *, new_name: str | None = None, new_path: str | None = None
) -> GroupRow:
    group = get_group(conn, account_id, name)
    if new_name is not None and name_taken(conn, account_id, "group", new_name, except_id=group.group_id):
        raise AlreadyExists("group", new_name)
    changes: dict[str, str] = {}
    if new_name is not None:
        changes |= {"name": new_name, "name_lower": new_name.lower()}
    if new_path is not None:
        changes["path"] = new_path
    if changes:
        conn.execute(groups.update().where(groups.c.group_id == group.group_id).values(**changes))
    return get_group(conn, account_id, new_name or name)


def delete_group(conn: Connection, account_id: str, name: str) -> None:
    """Delete an empty group with no policies, as AWS requires."""
    group = get_group(conn, account_id, name)
    blockers = (
        ("members", exists().where(group_members.c.group_id == group.group_id)),
        (
            "inline_policies",
            exists().where(
                schema.inline_policies.c.owner_kind == "group", schema.inline_policies.c.owner_id == group.group_id
            ),
        ),
        (
            "attached_policies",
            exists().where(schema.attachments.c.owner_kind == "group", schema.attachments.c.owner_id == group.group_id),
        ),
    )
    for blocker, clause in blockers:
        if conn.execute(select(clause)).scalar():
            raise DeleteConflict("group", group.name, blocker)
    conn.execute(groups.delete().where(groups.c.group_id == group.group_id))


def add_user_to_group(conn: Connection, account_id: str, group_name: str, user_name: str) -> None:
    """Idempotent, as AddUserToGroup is; the 11th group of a user is LimitExceeded."""
    group = get_group(conn, account_id, group_name)
    user = get_user(conn, account_id, user_name)
    count = conn.execute(
        select(func.count()).select_from(group_members).where(group_members.c.user_id == user.user_id)
    ).scalar_one()
    already = conn.execute(
        select(exists().where(group_members.c.user_id == user.user_id, group_members.c.group_id == group.group_id))
    ).scalar()
    if not already and count >= MAX_GROUPS_PER_USER:
        raise LimitExceeded("user", user.name, "GroupsPerUser", MAX_GROUPS_PER_USER)
    dialect.insert_or_ignore(
        conn, group_members, {"account_id": account_id, "group_id": group.group_id, "user_id": user.user_id}
    )


def remove_user_from_group(conn: Connection, account_id: str, group_name: str, user_name: str) -> None:
    group = get_group(conn, account_id, group_name)
    user = get_user(conn, account_id, user_name)
    result = conn.execute(
        group_members.delete().where(
            group_members.c.group_id == group.group_id, group_members.c.user_id == user.user_id
        )
    )
    if not result.rowcount:
        raise NotFound("group membership", f"{user.name} in {group.name}")


def list_group_members(
    conn: Connection,
    account_id: str,
    group_name: str,
    *,
    marker: str | None = None,
    max_items: int = DEFAULT_MAX_ITEMS,
) -> Page[UserRow]:
    """The users in a group (GetGroup), by name."""
    group = get_group(conn, account_id, group_name)
    query = (
        select(users)
        .join(group_members, group_members.c.user_id == users.c.user_id)
        .where(group_members.c.group_id == group.group_id)
    )
    return paginate(conn, query, users.c.name_lower, user_from_row, marker=marker, max_items=max_items)


def list_groups_for_user(
    conn: Connection,
    account_id: str,
    user_name: str,
    *,
    marker: str | None = None,
    max_items: int = DEFAULT_MAX_ITEMS,
) -> Page[GroupRow]:
    user = get_user(conn, account_id, user_name)
    query = (
        select(groups)
        .join(group_members, group_members.c.group_id == groups.c.group_id)
        .where(group_members.c.user_id == user.user_id)
    )
    return paginate(conn, query, groups.c.name_lower, _group, marker=marker, max_items=max_items)
