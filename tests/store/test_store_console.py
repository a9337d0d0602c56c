"""The console's store parts: the root user's password and when a password last signed in (schema step 11)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text, update

from lamina.store import NotFound, open_store
from lamina.store.repositories import accounts, login_profiles, users
from lamina.store.schema import SCHEMA_VERSION, schema_version

ACCOUNT = "123456789012"


def test_the_root_password_is_stored_replaced_and_its_use_noted(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    with store.transaction() as conn:
        accounts.create_account(conn, ACCOUNT)
        with pytest.raises(NotFound):
            login_profiles.root_password_hash(conn, ACCOUNT)
        login_profiles.set_root_password(conn, ACCOUNT, "hash-1")
        login_profiles.set_root_password(conn, ACCOUNT, "hash-2")
        assert login_profiles.root_password_hash(conn, ACCOUNT) == "hash-2"
        assert login_profiles.password_last_used(conn, None, ACCOUNT) is None
        login_profiles.record_password_use(conn, ACCOUNT, None)
        assert login_profiles.password_last_used(conn, None, ACCOUNT) is not None
        with pytest.raises(NotFound):
            login_profiles.set_root_password(conn, "999999999999", "hash")
    store.close()


def test_a_version_10_store_gets_the_root_passwords_and_password_last_used(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    with store.transaction() as conn:
        accounts.create_account(conn, ACCOUNT)
        conn.execute(text("DROP TABLE root_login_profiles"))  # what version 10 looked like
        conn.execute(text("ALTER TABLE login_profiles DROP COLUMN password_last_used"))
        conn.execute(update(schema_version).values(version=10))
    store.close()
    store = open_store(tmp_path)
    with store.transaction() as conn:
        assert conn.execute(text("SELECT version FROM schema_version")).scalar() == SCHEMA_VERSION
        user = users.create_user(conn, ACCOUNT, "ana")
        login_profiles.create_login_profile(conn, ACCOUNT, "ana", "hash")
        login_profiles.record_password_use(conn, ACCOUNT, "ana")
        assert login_profiles.password_last_used(conn, user.user_id) is not None
        login_profiles.set_root_password(conn, ACCOUNT, "root-hash")
    store.close()
