"""Customer managed policies and their versions: at most 5 versions, exactly one default.

Version ids (``v1``, ``v2``…) are never reused: ``next_version`` only grows, as in AWS.
Attachments and inline policies live in ``attachments.py`` and ``inline_policies.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, exists, func, select

from .. import ids, schema
from ..errors import AlreadyExists, DeleteConflict, LimitExceeded, NotFound
from ..schema import managed_policies, policy_versions
from . import tags
from ._common import DEFAULT_MAX_ITEMS, Page, iam_arn, now, paginate, path_starts_with
from .accounts import require_account

MAX_VERSIONS = 5


@dataclass(frozen=True)
class PolicyRow:
    account_id: str
    policy_id: str
    name: str
    path: str
    arn: str
    description: str | None
    default_version_id: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class PolicyVersionRow:
    policy_arn: str
    version_id: str
    document: str
    is_default: bool
    created_at: datetime


def _version_id(number: int) -> str:
    return f"v{number}"


def _version_number(version_id: str) -> int | None:
    digits = version_id[1:]
    if version_id[:1] != "v" or not digits.isdigit() or digits.startswith("0"):
        return None
    return int(digits)


def _policy_query() -> Any:
    return select(managed_policies, policy_versions.c.version_number.label("default_number")).join(
        policy_versions,
        (policy_versions.c.policy_id == managed_policies.c.policy_id) & policy_versions.c.is_default.is_(True),
    )


def _policy(row: Row[Any]) -> PolicyRow:
    return PolicyRow(
        row.account_id,
        row.policy_id,
        row.name,
        row.path,
        row.arn,
        row.description,
        _version_id(row.default_number),
        row.created_at,
        row.updated_at,
    )


def create_policy(
    conn: Connection, account_id: str, name: str, document: str, *, path: str = "/", description: str | None = None
) -> PolicyRow:
    """A new policy whose ``v1`` is ``document`` and the default."""
    require_account(conn, account_id)
    taken = conn.execute(
        select(managed_policies.c.policy_id).where(
            managed_policies.c.account_id == account_id, managed_policies.c.name_lower == name.lower()
        )
    ).first()
    if taken:
        raise AlreadyExists("policy", name)
    policy_id, created = ids.unique_id(ids.POLICY), now()
    arn = iam_arn(account_id, "policy", path, name)
    conn.execute(
        managed_policies.insert().values(
            policy_id=policy_id,
            account_id=account_id,
            name=name,
            name_lower=name.lower(),
            path=path,
            arn=arn,
            description=description,
            next_version=2,
            created_at=created,
            updated_at=created,
        )
    )
    conn.execute(
        policy_versions.insert().values(
            policy_id=policy_id, version_number=1, document=document, is_default=True, created_at=created
        )
    )
    return PolicyRow(account_id, policy_id, name, path, arn, description, "v1", created, created)


def get_policy(conn: Connection, arn: str) -> PolicyRow:
    row = conn.execute(_policy_query().where(managed_policies.c.arn == arn)).first()
    if row is None:
        raise NotFound("policy", arn)
    return _policy(row)


def list_policies(
    conn: Connection,
    account_id: str,
    *,
    path_prefix: str = "/",
    marker: str | None = None,
    max_items: int = DEFAULT_MAX_ITEMS,
) -> Page[PolicyRow]:
    query = _policy_query().where(
        managed_policies.c.account_id == account_id, path_starts_with(managed_policies.c.path, path_prefix)
    )
    return paginate(conn, query, managed_policies.c.name_lower, _policy, marker=marker, max_items=max_items)


def delete_policy(conn: Connection, arn: str) -> None:
    """Delete a detached policy that has only its default version left."""
    policy = get_policy(conn, arn)
    if conn.execute(select(exists().where(schema.attachments.c.policy_arn == arn))).scalar():
        raise DeleteConflict("policy", arn, "attachments")
    if len(list_policy_versions(conn, arn)) > 1:
        raise DeleteConflict("policy", arn, "versions")
    tags.delete_all_tags(conn, "policy", policy.policy_id)
    conn.execute(policy_versions.delete().where(policy_versions.c.policy_id == policy.policy_id))
    conn.execute(managed_policies.delete().where(managed_policies.c.policy_id == policy.policy_id))


def _version(arn: str, row: Row[Any]) -> PolicyVersionRow:
    return PolicyVersionRow(arn, _version_id(row.version_number), row.document, bool(row.is_default), row.created_at)


def create_policy_version(
    conn: Connection, arn: str, document: str, *, set_as_default: bool = False
) -> PolicyVersionRow:
    """A new version; the 6th is LimitExceeded (delete one first, as AWS says)."""
    policy = get_policy(conn, arn)
    count = conn.execute(
        select(func.count()).select_from(policy_versions).where(policy_versions.c.policy_id == policy.policy_id)
    ).scalar_one()
    if count >= MAX_VERSIONS:
        raise LimitExceeded("policy", arn, "VersionsPerPolicy", MAX_VERSIONS)
    number = conn.execute(
        select(managed_policies.c.next_version).where(managed_policies.c.policy_id == policy.policy_id)
    ).scalar_one()
    created = now()
    conn.execute(
        managed_policies.update()
        .where(managed_policies.c.policy_id == policy.policy_id)
        .values(next_version=number + 1, updated_at=created)
    )
    conn.execute(
        policy_versions.insert().values(
            policy_id=policy.policy_id,
            version_number=number,
            document=document,
            is_default=False,
            created_at=created,
        )
    )
    if set_as_default:
        set_default_policy_version(conn, arn, _version_id(number))
    return get_policy_version(conn, arn, _version_id(number))


def _find_version(conn: Connection, arn: str, version_id: str) -> tuple[PolicyRow, Row[Any]]:
    policy = get_policy(conn, arn)
    number = _version_number(version_id)
    row = None
    if number is not None:
        row = conn.execute(
            select(policy_versions).where(
                policy_versions.c.policy_id == policy.policy_id, policy_versions.c.version_number == number
            )
        ).first()
    if row is None:
        raise NotFound("policy version", f"{arn} {version_id}")
    return policy, row


def get_policy_version(conn: Connection, arn: str, version_id: str) -> PolicyVersionRow:
    return _version(arn, _find_version(conn, arn, version_id)[1])


def list_policy_versions(conn: Connection, arn: str) -> list[PolicyVersionRow]:
    """All versions (never more than 5), newest first."""
    policy = get_policy(conn, arn)
    rows = conn.execute(
        select(policy_versions)
        .where(policy_versions.c.policy_id == policy.policy_id)
        .order_by(policy_versions.c.version_number.desc())
    )
    return [_version(arn, row) for row in rows]


def set_default_policy_version(conn: Connection, arn: str, version_id: str) -> None:
    """Make ``version_id`` the default; the old default stays as a non-default version."""
    policy, row = _find_version(conn, arn, version_id)
    by_policy = policy_versions.c.policy_id == policy.policy_id
    conn.execute(
        policy_versions.update().where(by_policy, policy_versions.c.is_default.is_(True)).values(is_default=False)
    )
    conn.execute(
        policy_versions.update()
        .where(by_policy, policy_versions.c.version_number == row.version_number)
        .values(is_default=True)
    )
    conn.execute(
        managed_policies.update().where(managed_policies.c.policy_id == policy.policy_id).values(updated_at=now())
    )


def delete_policy_version(conn: Connection, arn: str, version_id: str) -> None:
    """Delete a non-default version; the default one is a DeleteConflict."""
    policy, row = _find_version(conn, arn, version_id)
    if row.is_default:
        raise DeleteConflict("policy version", f"{arn} {version_id}", "default_version")
    conn.execute(
        policy_versions.delete().where(
            policy_versions.c.policy_id == policy.policy_id, policy_versions.c.version_number == row.version_number
        )
    )
