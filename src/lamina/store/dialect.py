"""Everything that differs between SQLite and PostgreSQL lives here, and only here.

SQLite: WAL journal (readers never block the writer), ``synchronous=FULL`` (a commit is on disk
before it returns, so it survives power loss and SIGKILL), foreign keys on (off by default in
SQLite), a busy timeout so concurrent processes wait instead of failing, and ``BEGIN IMMEDIATE``
for write transactions so two writers never deadlock upgrading a read lock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Table, event
from sqlalchemy.dialects import postgresql, sqlite

BUSY_TIMEOUT_MS = 10_000
READ_ONLY = "lamina_read_only"  # execution option: a transaction that will not write

_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
)


def configure(engine: Engine) -> None:
    """Install the per-dialect connection settings on a freshly created engine."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control from the driver so BEGIN is ours (deferred or IMMEDIATE).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    read_only = conn.get_execution_options().get(READ_ONLY, False)
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _insert(conn: Connection, table: Table) -> Any:
    name = conn.dialect.name
    if name == "sqlite":
        return sqlite.insert(table)
    if name == "postgresql":
        return postgresql.insert(table)
    raise NotImplementedError(f"no insert-or-ignore for dialect {name!r}")


def insert_or_ignore(conn: Connection, table: Table, values: Mapping[str, Any]) -> bool:
    """Insert a row unless its key exists; True when a row was inserted."""
    result = conn.execute(_insert(conn, table).values(**values).on_conflict_do_nothing())
    return bool(result.rowcount)


def upsert(conn: Connection, table: Table, values: Mapping[str, Any], keys: Sequence[str]) -> None:
    """Insert a row, or update its non-key columns when a row with the same ``keys`` exists."""
    stmt = _insert(conn, table).values(**values)
    changes = {column: stmt.excluded[column] for column in values if column not in keys}
    conn.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=changes))
