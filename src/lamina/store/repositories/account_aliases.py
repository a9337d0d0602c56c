"""Account aliases: one per account, unique across every account of this Lamina (as in AWS's
partition). The alias itself lives on the account row (``accounts.set_account_alias`` writes it);
this module answers the other direction, which the console's sign-in by alias needs.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from ..errors import NotFound
from ..schema import accounts


def resolve_alias(conn: Connection, alias: str) -> str:
    """The id of the account whose alias is ``alias`` (aliases are lower case, compared exactly)."""
    found = conn.execute(select(accounts.c.account_id).where(accounts.c.alias == alias)).scalar()
    if found is None:
        raise NotFound("account alias", alias)
    return str(found)


def alias_of(conn: Connection, account_id: str) -> str | None:
    """The account's alias, or None."""
    found = conn.execute(select(accounts.c.alias).where(accounts.c.account_id == account_id)).scalar()
    return str(found) if found is not None else None
