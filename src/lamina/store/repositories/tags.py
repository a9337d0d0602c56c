"""Tags on users, roles, policies and Lambda functions: unique keys per resource, at most 50.

Resources are named by kind and unique id (``user``/AIDA…, ``role``/AROA…, ``policy``/ANPA…,
``function``/function id), so tags survive renames and never leak onto a re-created namesake.
IAM compares tag keys case-insensitively; other services, Lambda among them, do not ("Tag keys
are case-sensitive"), so for their kinds the ``key_lower`` column holds the key as written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, func, select

from .. import dialect
from ..errors import LimitExceeded
from ..schema import tags
from ._common import DEFAULT_MAX_ITEMS, Page, paginate

MAX_TAGS = 50
CASE_SENSITIVE_KINDS = frozenset({"function"})


def _folded(kind: str, key: str) -> str:
    """The key as it is compared: lowercase for IAM's kinds, as written for the others."""
    return key if kind in CASE_SENSITIVE_KINDS else key.lower()


@dataclass(frozen=True)
class Tag:
    key: str
    value: str


def _tag(row: Row[Any]) -> Tag:
    return Tag(row.key, row.value)


def _where(kind: str, resource_id: str) -> tuple[Any, Any]:
    return tags.c.resource_kind == kind, tags.c.resource_id == resource_id


def tag_resource(conn: Connection, account_id: str, kind: str, resource_id: str, new: Mapping[str, str]) -> None:
    """Add or replace tags; for IAM, a key differing only in case replaces the old key and value."""
    existing = {row.key_lower for row in conn.execute(select(tags.c.key_lower).where(*_where(kind, resource_id)))}
    added = {_folded(kind, key) for key in new} - existing
    if len(existing) + len(added) > MAX_TAGS:
        raise LimitExceeded(kind, resource_id, "TagsPerResource", MAX_TAGS)
    for key, value in new.items():
        dialect.upsert(
            conn,
            tags,
            {
                "account_id": account_id,
                "resource_kind": kind,
                "resource_id": resource_id,
                "key": key,
                "key_lower": _folded(kind, key),
                "value": value,
            },
            keys=("resource_kind", "resource_id", "key_lower"),
        )


def untag_resource(conn: Connection, kind: str, resource_id: str, keys: Iterable[str]) -> None:
    """Remove tags by key (case-insensitively for IAM); absent keys are ignored, as in AWS."""
    lowered = [_folded(kind, key) for key in keys]
    if lowered:
        conn.execute(tags.delete().where(*_where(kind, resource_id), tags.c.key_lower.in_(lowered)))


def list_tags(
    conn: Connection, kind: str, resource_id: str, *, marker: str | None = None, max_items: int = DEFAULT_MAX_ITEMS
) -> Page[Tag]:
    query = select(tags.c.key, tags.c.value, tags.c.key_lower).where(*_where(kind, resource_id))
    return paginate(conn, query, tags.c.key_lower, _tag, marker=marker, max_items=max_items)


def all_tags(conn: Connection, kind: str, resource_id: str) -> dict[str, str]:
    """Every tag as a dict (for ``aws:PrincipalTag`` and ``aws:ResourceTag`` conditions)."""
    query = select(tags.c.key, tags.c.value).where(*_where(kind, resource_id)).order_by(tags.c.key_lower)
    return {row.key: row.value for row in conn.execute(query)}


def count_tags(conn: Connection, kind: str, resource_id: str) -> int:
    return int(conn.execute(select(func.count()).where(*_where(kind, resource_id))).scalar_one())


def delete_all_tags(conn: Connection, kind: str, resource_id: str) -> None:
    """Called when the resource itself is deleted."""
    conn.execute(tags.delete().where(*_where(kind, resource_id)))
