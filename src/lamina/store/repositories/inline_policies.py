"""Inline policies embedded in a user, group or role: no versions, put replaces."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, select

from .. import dialect
from ..errors import NotFound
from ..schema import inline_policies
from ._common import DEFAULT_MAX_ITEMS, OwnerKind, Page, owner_id, paginate


def _where(kind: OwnerKind, owner: str) -> tuple[Any, Any]:
    return inline_policies.c.owner_kind == kind, inline_policies.c.owner_id == owner


def put_inline_policy(
    conn: Connection, account_id: str, kind: OwnerKind, owner_name: str, policy_name: str, document: str
) -> None:
    """Create or replace the named inline policy (PutUserPolicy and friends)."""
    owner = owner_id(conn, account_id, kind, owner_name)
    dialect.upsert(
        conn,
        inline_policies,
        {
            "account_id": account_id,
            "owner_kind": kind,
            "owner_id": owner,
            "policy_name": policy_name,
            "document": document,
        },
        keys=("owner_kind", "owner_id", "policy_name"),
    )


def get_inline_policy(conn: Connection, account_id: str, kind: OwnerKind, owner_name: str, policy_name: str) -> str:
    """The document of the named inline policy."""
    owner = owner_id(conn, account_id, kind, owner_name)
    document = conn.execute(
        select(inline_policies.c.document).where(*_where(kind, owner), inline_policies.c.policy_name == policy_name)
    ).scalar()
    if document is None:
        raise NotFound("inline policy", policy_name)
    return str(document)


def list_inline_policy_names(
    conn: Connection,
    account_id: str,
    kind: OwnerKind,
    owner_name: str,
    *,
    marker: str | None = None,
    max_items: int = DEFAULT_MAX_ITEMS,
) -> Page[str]:
    owner = owner_id(conn, account_id, kind, owner_name)
    query = select(inline_policies.c.policy_name).where(*_where(kind, owner))

    def convert(row: Row[Any]) -> str:
        return str(row.policy_name)

    return paginate(conn, query, inline_policies.c.policy_name, convert, marker=marker, max_items=max_items)


def inline_documents(conn: Connection, kind: OwnerKind, owner: str) -> dict[str, str]:
    """Every inline policy of a principal given by id, name to document (the gate's lookup)."""
    query = select(inline_policies.c.policy_name, inline_policies.c.document).where(*_where(kind, owner))
    return {row.policy_name: row.document for row in conn.execute(query.order_by(inline_policies.c.policy_name))}


def delete_inline_policy(conn: Connection, account_id: str, kind: OwnerKind, owner_name: str, policy_name: str) -> None:
    owner = owner_id(conn, account_id, kind, owner_name)
    result = conn.execute(
        inline_policies.delete().where(*_where(kind, owner), inline_policies.c.policy_name == policy_name)
    )
    if not result.rowcount:
        raise NotFound("inline policy", policy_name)
