"""Per-account STS settings: the version of the tokens the global endpoint issues.

SetSecurityTokenServicePreferences writes it; GetAccountSummary reports it as
``GlobalEndpointTokenVersion`` (1 or 2). No row means AWS's default, ``v1Token``.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from .. import dialect
from ..schema import sts_preferences
from .accounts import require_account

DEFAULT_TOKEN_VERSION = "v1Token"


def set_global_endpoint_token_version(conn: Connection, account_id: str, version: str) -> None:
    require_account(conn, account_id)
    dialect.upsert(conn, sts_preferences, {"account_id": account_id, "global_endpoint_token_version": version},
                   keys=("account_id",))


def global_endpoint_token_version(conn: Connection, account_id: str) -> str:
    """``v1Token`` or ``v2Token``."""
    found = conn.execute(select(sts_preferences.c.global_endpoint_token_version)
                         .where(sts_preferences.c.account_id == account_id)).scalar()
    return str(found) if found else DEFAULT_TOKEN_VERSION
