"""Managed policies attached to users, groups and roles (at most 10 per principal)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, func, select

from .. import dialect
from ..errors import LimitExceeded, NotFound
from ..schema import attachments, managed_policies, roles, users
from ._common import DEFAULT_MAX_ITEMS, OWNER_TABLES, OwnerKind, Page, now, owner_id, paginate
from .policies import get_policy

MAX_ATTACHED = 10
_QUOTAS = {"user": "PoliciesPerUser", "group": "PoliciesPerGroup", "role": "PoliciesPerRole"}


@dataclass(frozen=True)
class AttachedPolicy:
    name: str
    arn: str


@dataclass(frozen=True)
class PolicyEntity:
    kind: OwnerKind
    name: str
    entity_id: str


def _where(kind: OwnerKind, owner: str) -> tuple[Any, Any]:
    return attachments.c.owner_kind == kind, attachments.c.owner_id == owner


def attach_policy(conn: Connection, account_id: str, kind: OwnerKind, owner_name: str, policy_arn: str) -> None:
    """Idempotent; the 11th distinct policy is LimitExceeded."""
    owner = owner_id(conn, account_id, kind, owner_name)
    get_policy(conn, policy_arn)
    _attach(conn, account_id, kind, owner, owner_name, policy_arn)


def attach_policy_arn(conn: Connection, account_id: str, kind: OwnerKind, owner_name: str, policy_arn: str) -> None:
    """As :func:`attach_policy`, for an ARN the store does not hold: an AWS managed policy, which is
    package data that the caller has already found."""
    _attach(conn, account_id, kind, owner_id(conn, account_id, kind, owner_name), owner_name, policy_arn)


def _attach(conn: Connection, account_id: str, kind: OwnerKind, owner: str, owner_name: str, policy_arn: str) -> None:
    attached = {row.policy_arn for row in conn.execute(select(attachments.c.policy_arn).where(*_where(kind, owner)))}
    if policy_arn in attached:
        return
    if len(attached) >= MAX_ATTACHED:
        raise LimitExceeded(kind, owner_name, _QUOTAS[kind], MAX_ATTACHED)
    dialect.insert_or_ignore(
        conn,
        attachments,
        {
            "account_id": account_id,
            "owner_kind": kind,
            "owner_id": owner,
            "policy_arn": policy_arn,
            "created_at": now(),
        },
    )


def detach_policy(conn: Connection, account_id: str, kind: OwnerKind, owner_name: str, policy_arn: str) -> None:
    owner = owner_id(conn, account_id, kind, owner_name)
    result = conn.execute(attachments.delete().where(*_where(kind, owner), attachments.c.policy_arn == policy_arn))
    if not result.rowcount:
        raise NotFound("policy attachment", policy_arn)


def list_attached_policies(
    conn: Connection,
    account_id: str,
    kind: OwnerKind,
    owner_name: str,
    *,
    marker: str | None = None,
    max_items: int = DEFAULT_MAX_ITEMS,
) -> Page[AttachedPolicy]:
    """The principal's managed policies, by ARN."""
    owner = owner_id(conn, account_id, kind, owner_name)
    query = (
        select(managed_policies.c.name, attachments.c.policy_arn)
        .join(managed_policies, managed_policies.c.arn == attachments.c.policy_arn)
        .where(*_where(kind, owner))
    )

    def convert(row: Row[Any]) -> AttachedPolicy:
        return AttachedPolicy(row.name, row.policy_arn)

    return paginate(conn, query, attachments.c.policy_arn, convert, marker=marker, max_items=max_items)


def attached_policy_arns(conn: Connection, kind: OwnerKind, owner: str) -> list[str]:
    """The ARNs attached to a principal given by id (the authorization gate's lookup)."""
    query = select(attachments.c.policy_arn).where(*_where(kind, owner)).order_by(attachments.c.policy_arn)
    return [row.policy_arn for row in conn.execute(query)]


def count_attachments(conn: Connection, policy_arn: str) -> int:
    """AttachmentCount of a managed policy."""
    query = select(func.count()).select_from(attachments).where(attachments.c.policy_arn == policy_arn)
    return int(conn.execute(query).scalar_one())


def list_entities_for_policy(conn: Connection, policy_arn: str) -> list[PolicyEntity]:
    """Who a policy is attached to, by kind then name (ListEntitiesForPolicy)."""
    found: list[PolicyEntity] = []
    for kind in ("group", "role", "user"):
        table, id_column = OWNER_TABLES[kind]
        query = (
            select(table.c.name, table.c[id_column].label("entity_id"))
            .join(attachments, attachments.c.owner_id == table.c[id_column])
            .where(attachments.c.owner_kind == kind, attachments.c.policy_arn == policy_arn)
            .order_by(table.c.name_lower)
        )
        found += [PolicyEntity(kind, row.name, row.entity_id) for row in conn.execute(query)]
    return found


def entity_path(conn: Connection, account_id: str, kind: OwnerKind, entity_id: str) -> str | None:
    """The user's, group's or role's path when it belongs to ``account_id``, else None (an AWS managed policy is
    shared by every account, so each lists only its own entities)."""
    table, column = OWNER_TABLES[kind]
    query = select(table.c.path).where(table.c[column] == entity_id, table.c.account_id == account_id)
    found = conn.execute(query).scalar()
    return None if found is None else str(found)


def bounded_entities(conn: Connection, account_id: str, policy_arn: str) -> list[tuple[PolicyEntity, str]]:
    """The account's users, then roles, whose permissions boundary is ``policy_arn``, by name, with their paths."""
    found: list[tuple[PolicyEntity, str]] = []
    for kind in ("user", "role"):
        table, column = OWNER_TABLES[kind]
        query = select(table.c.name, table.c[column], table.c.path).where(
            table.c.account_id == account_id, table.c.permissions_boundary == policy_arn).order_by(table.c.name_lower)
        found += [(PolicyEntity(kind, row[0], row[1]), str(row[2])) for row in conn.execute(query)]
    return found


def policy_usage(conn: Connection, account_id: str, policy_arn: str | None = None) -> dict[str, tuple[int, int]]:
    """(AttachmentCount, PermissionsBoundaryUsageCount) per policy ARN in the account, or of ``policy_arn`` only:
    one query each, so a whole list of policies costs three."""
    found: dict[str, list[int]] = {}
    attached = select(attachments.c.policy_arn, func.count()).where(attachments.c.account_id == account_id)
    if policy_arn is not None:
        attached = attached.where(attachments.c.policy_arn == policy_arn)
    for arn, count in conn.execute(attached.group_by(attachments.c.policy_arn)):
        found.setdefault(arn, [0, 0])[0] += int(count)
    for table in (users, roles):
        column = table.c.permissions_boundary
        bounded = select(column, func.count()).where(table.c.account_id == account_id, column.is_not(None))
        if policy_arn is not None:
            bounded = bounded.where(column == policy_arn)
        for arn, count in conn.execute(bounded.group_by(column)):
            found.setdefault(arn, [0, 0])[1] += int(count)
    return {key: (value[0], value[1]) for key, value in found.items()}
