"""IAM roles: trust policy, session duration, boundary; names unique case-insensitively.

The users and roles a trust policy names are bound to their unique ids whenever it is written
(``named_principals``), so a principal deleted and re-created under the same name is not trusted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, exists, select

from .. import ids, schema
from ..errors import AlreadyExists, DeleteConflict, NotFound
from ..schema import roles
from . import named_principals, tags
from ._common import DEFAULT_MAX_ITEMS, Page, iam_arn, name_taken, now, paginate, path_starts_with
from .accounts import require_account

DEFAULT_MAX_SESSION_DURATION = 3600


@dataclass(frozen=True)
class RoleRow:
    account_id: str
    role_id: str
    name: str
    path: str
    assume_role_policy: str
    description: str | None
    max_session_duration: int
    created_at: datetime
    permissions_boundary: str | None = None

    @property
    def arn(self) -> str:
        return iam_arn(self.account_id, "role", self.path, self.name)


def _role(row: Row[Any]) -> RoleRow:
    return RoleRow(
        row.account_id,
        row.role_id,
        row.name,
        row.path,
        row.assume_role_policy,
        row.description,
        row.max_session_duration,
        row.created_at,
        row.permissions_boundary,
    )


def create_role(
    conn: Connection,
    account_id: str,
    name: str,
    assume_role_policy: str,
    *,
    path: str = "/",
    description: str | None = None,
    max_session_duration: int = DEFAULT_MAX_SESSION_DURATION,
) -> RoleRow:
    require_account(conn, account_id)
    if name_taken(conn, account_id, "role", name):
        raise AlreadyExists("role", name)
    row = RoleRow(
        account_id, ids.unique_id(ids.ROLE), name, path, assume_role_policy, description, max_session_duration, now()
    )
    conn.execute(
        roles.insert().values(
            role_id=row.role_id,
            account_id=account_id,
            name=name,
            name_lower=name.lower(),
            path=path,
            assume_role_policy=assume_role_policy,
            description=description,
            max_session_duration=max_session_duration,
            created_at=row.created_at,
        )
    )
    named_principals.record(conn, account_id, named_principals.OWNER_ROLE_TRUST, row.role_id, assume_role_policy)
    return row


def get_role(conn: Connection, account_id: str, name: str) -> RoleRow:
    row = conn.execute(
        select(roles).where(roles.c.account_id == account_id, roles.c.name_lower == name.lower())
    ).first()
    if row is None:
        raise NotFound("role", name)
    return _role(row)


def get_role_by_id(conn: Connection, role_id: str) -> RoleRow:
    row = conn.execute(select(roles).where(roles.c.role_id == role_id)).first()
    if row is None:
        raise NotFound("role", role_id)
    return _role(row)


def list_roles(
    conn: Connection,
    account_id: str,
    *,
    path_prefix: str = "/",
    marker: str | None = None,
    max_items: int = DEFAULT_MAX_ITEMS,
) -> Page[RoleRow]:
    query = select(roles).where(roles.c.account_id == account_id, path_starts_with(roles.c.path, path_prefix))
    return paginate(conn, query, roles.c.name_lower, _role, marker=marker, max_items=max_items)


def _update(conn: Connection, account_id: str, name: str, **changes: Any) -> RoleRow:
    role = get_role(conn, account_id, name)
    if changes:
        conn.execute(roles.update().where(roles.c.role_id == role.role_id).values(**changes))
    return get_role_by_id(conn, role.role_id)


def update_role(
    conn: Connection,
    account_id: str,
    name: str,
    *,
    description: str | None = None,
    max_session_duration: int | None = None,
) -> RoleRow:
    """UpdateRole: only the given fields change."""
    changes: dict[str, Any] = {}
    if description is not None:
        changes["description"] = description
    if max_session_duration is not None:
        changes["max_session_duration"] = max_session_duration
    return _update(conn, account_id, name, **changes)


def update_assume_role_policy(conn: Connection, account_id: str, name: str, document: str) -> RoleRow:
    role = _update(conn, account_id, name, assume_role_policy=document)
    named_principals.record(conn, account_id, named_principals.OWNER_ROLE_TRUST, role.role_id, document)
    return role


def set_role_permissions_boundary(conn: Connection, account_id: str, name: str, policy_arn: str | None) -> RoleRow:
    """Put (an ARN) or delete (None) the role's permissions boundary."""
    return _update(conn, account_id, name, permissions_boundary=policy_arn)


def delete_role(conn: Connection, account_id: str, name: str) -> None:
    """Delete a role without policies; its tags and its trust policy's bindings go with it."""
    role = get_role(conn, account_id, name)
    for blocker, table in (("inline_policies", schema.inline_policies), ("attached_policies", schema.attachments)):
        clause = exists().where(table.c.owner_kind == "role", table.c.owner_id == role.role_id)
        if conn.execute(select(clause)).scalar():
            raise DeleteConflict("role", role.name, blocker)
    in_profile = exists().where(schema.instance_profile_roles.c.role_id == role.role_id)
    if conn.execute(select(in_profile)).scalar():
        raise DeleteConflict("role", role.name, "instance_profiles")
    tags.delete_all_tags(conn, "role", role.role_id)
    named_principals.forget(conn, named_principals.OWNER_ROLE_TRUST, role.role_id)
    conn.execute(roles.delete().where(roles.c.role_id == role.role_id))
