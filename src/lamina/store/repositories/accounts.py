"""Accounts: the root of every other row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Row, select
from sqlalchemy.exc import IntegrityError

from .. import ids
from ..errors import AlreadyExists, NotFound
from ..schema import accounts
from ._common import now


@dataclass(frozen=True)
class AccountRow:
    account_id: str
    alias: str | None
    created_at: datetime


def _row(row: Row[tuple[str, str | None, datetime]]) -> AccountRow:
    return AccountRow(row.account_id, row.alias, row.created_at)


def create_account(conn: Connection, account_id: str | None = None) -> AccountRow:
    """A new account; a random 12-digit id unless one is given."""
    account_id = account_id or ids.account_id()
    if conn.execute(select(accounts.c.account_id).where(accounts.c.account_id == account_id)).first():
        raise AlreadyExists("account", account_id)
    created = now()
    conn.execute(accounts.insert().values(account_id=account_id, alias=None, created_at=created))
    return AccountRow(account_id, None, created)


def get_account(conn: Connection, account_id: str) -> AccountRow:
    row = conn.execute(select(accounts).where(accounts.c.account_id == account_id)).first()
    if row is None:
        raise NotFound("account", account_id)
    return _row(row)


def require_account(conn: Connection, account_id: str) -> None:
    """NotFound unless the account exists (a clearer error than a foreign-key failure)."""
    get_account(conn, account_id)


def list_accounts(conn: Connection) -> list[AccountRow]:
    return [_row(row) for row in conn.execute(select(accounts).order_by(accounts.c.account_id))]


def set_account_alias(conn: Connection, account_id: str, alias: str | None) -> AccountRow:
    """Set or clear the alias; aliases are unique across all accounts, as in AWS."""
    require_account(conn, account_id)
    if alias is not None:
        taken = conn.execute(
            select(accounts.c.account_id).where(accounts.c.alias == alias, accounts.c.account_id != account_id)
        ).first()
        if taken:
            raise AlreadyExists("account alias", alias)
    try:
        conn.execute(accounts.update().where(accounts.c.account_id == account_id).values(alias=alias))
    except IntegrityError as error:  # a concurrent writer took it (PostgreSQL)
        raise AlreadyExists("account alias", alias or "") from error
    return get_account(conn, account_id)
