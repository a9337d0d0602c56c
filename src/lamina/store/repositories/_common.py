"""Shared by the repositories: the clock, pagination, path filters, owner lookup."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, Literal, TypeVar

from sqlalchemy import Connection, Row, Select, Table, func, literal, select, tuple_
from sqlalchemy.sql.elements import ColumnElement

from lamina.arn import format_arn

from .. import schema
from ..errors import InvalidMarker, NotFound

T = TypeVar("T")
OwnerKind = Literal["user", "group", "role"]

DEFAULT_MAX_ITEMS = 100

OWNER_TABLES: dict[str, tuple[Table, str]] = {
    "user": (schema.users, "user_id"),
    "group": (schema.groups, "group_id"),
    "role": (schema.roles, "role_id"),
}


def now() -> datetime:
    """The store's clock: aware UTC, whole seconds (what AWS shows in its responses)."""
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list; ``marker`` is None on the last page (AWS's IsTruncated false)."""

    items: tuple[T, ...]
    marker: str | None = None

    @property
    def is_truncated(self) -> bool:
        return self.marker is not None


Key = ColumnElement[Any] | tuple[ColumnElement[Any], ...]
"""A keyset: one unique column, or several that are unique together (function name, version)."""


def _encode_marker(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def _decode_marker(marker: str, size: int) -> list[Any]:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(marker.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise InvalidMarker(marker) from error
    if not (isinstance(decoded, list) and len(decoded) == size and all(isinstance(v, str | int) for v in decoded)):
        raise InvalidMarker(marker)
    return decoded


def _after(keys: tuple[ColumnElement[Any], ...], values: list[Any], descending: bool) -> ColumnElement[bool]:
    # one column, or a row-value comparison: (name, number) > (:name, :number) (SQLite ≥ 3.15, PostgreSQL)
    left: ColumnElement[Any] = keys[0] if len(keys) == 1 else tuple_(*keys)
    right: Any = values[0] if len(keys) == 1 else tuple_(*(literal(value) for value in values))
    found: ColumnElement[bool] = left < right if descending else left > right
    return found


def paginate(
    conn: Connection,
    stmt: Select[Any],
    key: Key,
    convert: Callable[[Row[Any]], T],
    *,
    marker: str | None,
    max_items: int,
    descending: bool = False,
) -> Page[T]:
    """Keyset pagination on ``key`` (which ``stmt`` must select): one unique column or a tuple.

    Keyset, not OFFSET, so a marker stays valid while rows are added or removed between pages.
    """
    if max_items < 1:
        raise ValueError("max_items must be at least 1")
    keys = key if isinstance(key, tuple) else (key,)
    if marker is not None:
        stmt = stmt.where(_after(keys, _decode_marker(marker, len(keys)), descending))
    ordered = stmt.order_by(*(k.desc() if descending else k for k in keys)).limit(max_items + 1)
    rows = conn.execute(ordered).all()
    more = len(rows) > max_items
    rows = rows[:max_items]
    next_marker = _encode_marker([rows[-1]._mapping[k] for k in keys]) if more else None
    return Page(tuple(convert(row) for row in rows), next_marker)


def path_starts_with(column: ColumnElement[str], prefix: str) -> ColumnElement[bool]:
    """A case-sensitive prefix test (LIKE is case-insensitive on SQLite, so not LIKE)."""
    return func.substr(column, 1, len(prefix)) == prefix


def owner_id(conn: Connection, account_id: str, kind: OwnerKind, name: str) -> str:
    """The unique id of the user, group or role ``name``; NotFound when there is none."""
    table, id_column = OWNER_TABLES[kind]
    found = conn.execute(
        select(table.c[id_column]).where(table.c.account_id == account_id, table.c.name_lower == name.lower())
    ).scalar()
    if found is None:
        raise NotFound(kind, name)
    return str(found)


def name_taken(conn: Connection, account_id: str, kind: OwnerKind, name: str, except_id: str | None = None) -> bool:
    """Whether another user, group or role of the account has ``name`` (IAM names ignore case)."""
    table, id_column = OWNER_TABLES[kind]
    query = select(table.c[id_column]).where(table.c.account_id == account_id, table.c.name_lower == name.lower())
    if except_id is not None:
        query = query.where(table.c[id_column] != except_id)
    return conn.execute(query).first() is not None


def iam_arn(account_id: str, kind: str, path: str, name: str) -> str:
    """``arn:aws:iam::ACCOUNT:user/PATH/NAME`` and friends (path starts and ends with /)."""
    return format_arn("iam", "", account_id, f"{kind}{path}{name}")
