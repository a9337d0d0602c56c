"""Bringing an older store up to ``SCHEMA_VERSION``, one step per version, inside the opening transaction.

``create_all`` adds new tables on its own but never changes an existing one, so each step holds
only what it cannot: new columns, and facts the new version keeps that the old one did not. A
store newer than this code is refused (``SchemaMismatch``): it may hold facts we would ignore.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, inspect, select, text, update

from . import schema
from .errors import SchemaMismatch
from .repositories import named_principals


def _v1_to_v2(conn: Connection) -> None:
    """Sessions learn the unique id they act for; trust policies bind the principals they name now."""
    conn.execute(text("ALTER TABLE sessions ADD COLUMN source_id VARCHAR(21) NOT NULL DEFAULT ''"))
    sessions = schema.sessions
    rows = conn.execute(select(sessions.c.access_key_id, sessions.c.principal_id)).all()
    for row in rows:  # AROA…:session → AROA…; a user's AIDA… or the root's account id as is
        conn.execute(update(sessions).where(sessions.c.access_key_id == row.access_key_id)
                     .values(source_id=row.principal_id.split(":", 1)[0]))
    roles = schema.roles
    for role in conn.execute(select(roles.c.account_id, roles.c.role_id, roles.c.assume_role_policy)).all():
        named_principals.record(conn, role.account_id, named_principals.OWNER_ROLE_TRUST, role.role_id,
                                role.assume_role_policy)


def _v2_to_v3(conn: Connection) -> None:
    """The Lambda tables: all new, so ``create_all`` (run before the steps) has made them; no data moves."""


def _v3_to_v4(conn: Connection) -> None:
    """The Lambda layer tables: all new, so ``create_all`` has made them; no data moves."""


def _v4_to_v5(conn: Connection) -> None:
    """The queue of Event invocations and linked code directories: new tables, made by ``create_all``;
    no data moves."""


def _v5_to_v6(conn: Connection) -> None:
    """The CloudWatch Logs tables (log groups, streams, events): all new, so ``create_all`` has made
    them; no data moves."""


def _v6_to_v7(conn: Connection) -> None:
    """Instance profiles and service-linked role deletion tasks: new tables, made by ``create_all``;
    no data moves."""


def _v7_to_v8(conn: Connection) -> None:
    """IAM's other credentials, credential reports, last-accessed jobs and account properties: new
    tables, made by ``create_all``; no data moves."""


def _v8_to_v9(conn: Connection) -> None:
    """Sessions learn when MFA was presented for them (NULL: never, as for every older session);
    the MFA device and STS preference tables are new, made by ``create_all``."""
    if "mfa_authenticated_at" in {column["name"] for column in inspect(conn).get_columns("sessions")}:
        return  # a store whose version was set back by hand (tests do) still has it
    kind = schema.sessions.c.mfa_authenticated_at.type.compile(dialect=conn.dialect)
    conn.execute(text(f"ALTER TABLE sessions ADD COLUMN mfa_authenticated_at {kind}"))


def _v9_to_v10(conn: Connection) -> None:
    """OIDC and SAML identity providers and outbound web identity federation (new tables, made by
    ``create_all``); sessions learn the condition keys a federated session carries."""
    if "context_keys" not in {column["name"] for column in inspect(conn).get_columns("sessions")}:
        conn.execute(text("ALTER TABLE sessions ADD COLUMN context_keys TEXT NOT NULL DEFAULT '{}'"))


def _v10_to_v11(conn: Connection) -> None:
    """The root user's console password (a new table, made by ``create_all``); login profiles learn
    when their password was last used to sign in (NULL: not since the console existed)."""
    if "password_last_used" not in {column["name"] for column in inspect(conn).get_columns("login_profiles")}:
        kind = schema.login_profiles.c.password_last_used.type.compile(dialect=conn.dialect)
        conn.execute(text(f"ALTER TABLE login_profiles ADD COLUMN password_last_used {kind}"))


STEPS: dict[int, Callable[[Connection], None]] = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4, 4: _v4_to_v5,
                                                  5: _v5_to_v6, 6: _v6_to_v7, 7: _v7_to_v8, 8: _v8_to_v9,
                                                  9: _v9_to_v10, 10: _v10_to_v11}
"""From version N to N + 1."""


def migrate(conn: Connection, found: int) -> None:
    """Run the steps from version ``found`` to ``SCHEMA_VERSION`` and record the new version."""
    if found > schema.SCHEMA_VERSION or any(v not in STEPS for v in range(found, schema.SCHEMA_VERSION)):
        raise SchemaMismatch(found, schema.SCHEMA_VERSION)
    for version in range(found, schema.SCHEMA_VERSION):
        STEPS[version](conn)
    conn.execute(update(schema.schema_version).values(version=schema.SCHEMA_VERSION))
