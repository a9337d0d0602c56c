"""Opening the store: files, key file mode, SQLite settings, transactions, schema version."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import update

from lamina.store import NotFound, SchemaMismatch, open_store
from lamina.store.repositories import accounts, users
from lamina.store.schema import schema_version


def test_data_dir_gets_database_and_private_key(tmp_path: Path) -> None:
    store = open_store(tmp_path / "data")
    store.close()
    assert (tmp_path / "data" / "lamina.db").is_file()
    key_mode = stat.S_IMODE((tmp_path / "data" / "secret.key").stat().st_mode)
    assert key_mode == 0o600
    with open_store(tmp_path / "data").transaction() as conn:  # WAL and shared-memory files appear
        accounts.create_account(conn, "111122223333")
    for name in ("lamina.db", "lamina.db-wal", "lamina.db-shm"):
        path = tmp_path / "data" / name
        assert not path.exists() or stat.S_IMODE(path.stat().st_mode) == 0o600, name


def test_sqlite_settings(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    with store.transaction(read_only=True) as conn:
        pragma = conn.exec_driver_sql
        assert pragma("PRAGMA journal_mode").scalar() == "wal"
        assert pragma("PRAGMA synchronous").scalar() == 2  # FULL
        assert pragma("PRAGMA foreign_keys").scalar() == 1
        assert pragma("PRAGMA busy_timeout").scalar() == 10_000
    store.close()


def test_reopen_keeps_data_and_key(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    with store.transaction() as conn:
        accounts.create_account(conn, "123456789012")
        users.create_user(conn, "123456789012", "alice")
    key = (tmp_path / "secret.key").read_bytes()
    store.close()
    again = open_store(f"sqlite:///{tmp_path / 'lamina.db'}")
    with again.transaction(read_only=True) as conn:
        assert users.get_user(conn, "123456789012", "ALICE").name == "alice"
    assert (tmp_path / "secret.key").read_bytes() == key
    again.close()


def test_failed_transaction_rolls_back(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    with pytest.raises(RuntimeError), store.transaction() as conn:
        accounts.create_account(conn, "123456789012")
        raise RuntimeError("boom")
    with store.transaction(read_only=True) as conn, pytest.raises(NotFound):
        accounts.get_account(conn, "123456789012")
    store.close()


def test_schema_version_mismatch_is_refused(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    with store.transaction() as conn:
        conn.execute(update(schema_version).values(version=99))
    store.close()
    with pytest.raises(SchemaMismatch):
        open_store(tmp_path)


def test_database_url_needs_a_key_file() -> None:
    with pytest.raises(ValueError, match="key_file"):
        open_store("postgresql+psycopg://localhost/lamina")
