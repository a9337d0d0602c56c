"""Access keys, sessions, login profiles, password policy, audit events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection

from lamina.store import AlreadyExists, LimitExceeded, NotFound, Store, open_store
from lamina.store.passwords import hash_password
from lamina.store.repositories import access_keys, accounts, audit, login_profiles, sessions, users
from lamina.store.repositories.login_profiles import PasswordPolicy

ACCOUNT = "111122223333"  # the conftest account


def test_two_keys_per_user_and_per_root(store: Store, conn: Connection) -> None:
    users.create_user(conn, ACCOUNT, "ann")
    for owner in ("ann", None):
        first = access_keys.create_access_key(conn, store.secret_box, ACCOUNT, owner)
        access_keys.create_access_key(conn, store.secret_box, ACCOUNT, owner)
        assert first.key.access_key_id.startswith("AKIA") and len(first.secret) == 40
        assert first.key.status == "Active"
        with pytest.raises(LimitExceeded) as caught:
            access_keys.create_access_key(conn, store.secret_box, ACCOUNT, owner)
        assert (caught.value.quota, caught.value.limit) == ("AccessKeysPerUser", 2)
    assert [k.user_name for k in access_keys.list_access_keys(conn, ACCOUNT, "ANN")] == ["ann", "ann"]
    assert [k.user_name for k in access_keys.list_access_keys(conn, ACCOUNT, None)] == [None, None]


def test_key_status_secret_lookup_and_delete(store: Store, conn: Connection) -> None:
    users.create_user(conn, ACCOUNT, "ann")
    users.create_user(conn, ACCOUNT, "bob")
    issued = access_keys.create_access_key(conn, store.secret_box, ACCOUNT, "ann")
    key_id = issued.key.access_key_id
    found = access_keys.get_secret(conn, store.secret_box, key_id)
    assert found.secret == issued.secret and found.key.user_name == "ann"
    with pytest.raises(NotFound):  # a key belongs to its user only
        access_keys.update_access_key_status(conn, ACCOUNT, "bob", key_id, "Inactive")
    access_keys.update_access_key_status(conn, ACCOUNT, "ann", key_id, "Inactive")
    access_keys.create_access_key(conn, store.secret_box, ACCOUNT, "ann")
    with pytest.raises(LimitExceeded):  # inactive keys count too
        access_keys.create_access_key(conn, store.secret_box, ACCOUNT, "ann")
    used = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    access_keys.record_key_use(conn, key_id, used, "iam", "us-east-1")
    key = access_keys.get_access_key(conn, key_id)
    assert (key.status, key.last_used_at, key.last_used_service) == ("Inactive", used, "iam")
    access_keys.delete_access_key(conn, ACCOUNT, "ann", key_id)
    with pytest.raises(NotFound):
        access_keys.get_secret(conn, store.secret_box, key_id)


def test_secrets_are_not_stored_in_plaintext(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    with store.transaction() as conn:
        accounts.create_account(conn, ACCOUNT)
        users.create_user(conn, ACCOUNT, "ann")
        issued = access_keys.create_access_key(conn, store.secret_box, ACCOUNT, "ann")
        temporary = sessions.create_session(conn, store.secret_box, _spec())
    store.close()  # checkpoints the WAL into the main file
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("lamina.db*"))
    assert issued.key.access_key_id.encode() in stored  # the file is really the one written
    for secret in (issued.secret, temporary.secret_access_key, temporary.session_token):
        assert secret.encode() not in stored


def _spec(expires_in: timedelta = timedelta(hours=1)) -> sessions.SessionSpec:
    return sessions.SessionSpec(
        account_id=ACCOUNT,
        kind="assumed-role",
        principal_arn=f"arn:aws:sts::{ACCOUNT}:assumed-role/r/s",
        principal_id="AROAEXAMPLE:s",
        source_arn=f"arn:aws:iam::{ACCOUNT}:role/r",
        source_id="AROAEXAMPLE",
        expires_at=datetime.now(UTC).replace(microsecond=0) + expires_in,
        session_name="s",
        session_policies=('{"Version":"2012-10-17","Statement":[]}',),
        session_policy_arns=("arn:p",),
        tags={"Team": "a"},
        transitive_tag_keys=("Team",),
    )


def test_sessions(store: Store, conn: Connection) -> None:
    issued = sessions.create_session(conn, store.secret_box, _spec())
    old = sessions.create_session(conn, store.secret_box, _spec(timedelta(hours=-1)))
    key_id = issued.session.access_key_id
    assert key_id.startswith("ASIA")
    assert sessions.get_session(conn, key_id) == issued.session
    found = sessions.get_session_secret(conn, store.secret_box, key_id)
    assert found.secret_access_key == issued.secret_access_key
    assert found.token_matches(issued.session_token) and not found.token_matches("forged")
    now = datetime.now(UTC)
    assert not found.session.expired(now) and old.session.expired(now)
    assert sessions.delete_expired_sessions(conn, now) == 1
    with pytest.raises(NotFound):
        sessions.get_session(conn, old.session.access_key_id)


def test_login_profile(conn: Connection) -> None:
    users.create_user(conn, ACCOUNT, "ann")
    profile = login_profiles.create_login_profile(conn, ACCOUNT, "ann", hash_password("Secret-1"),
                                                password_reset_required=True)
    assert profile.password_reset_required
    with pytest.raises(AlreadyExists):
        login_profiles.create_login_profile(conn, ACCOUNT, "ANN", hash_password("x"))
    assert login_profiles.check_password(conn, ACCOUNT, "ann", "Secret-1")
    assert not login_profiles.check_password(conn, ACCOUNT, "ann", "secret-1")
    login_profiles.update_login_profile(conn, ACCOUNT, "ann", password_hash=hash_password("Secret-2"),
                                        password_reset_required=False)
    assert login_profiles.check_password(conn, ACCOUNT, "ann", "Secret-2")
    assert not login_profiles.get_login_profile(conn, ACCOUNT, "ann").password_reset_required
    login_profiles.delete_login_profile(conn, ACCOUNT, "ann")
    assert not login_profiles.check_password(conn, ACCOUNT, "ann", "Secret-2")
    with pytest.raises(NotFound):
        login_profiles.get_login_profile(conn, ACCOUNT, "ann")


def test_password_policy(conn: Connection) -> None:
    with pytest.raises(NotFound):
        login_profiles.get_password_policy(conn, ACCOUNT)
    login_profiles.put_password_policy(conn, ACCOUNT, PasswordPolicy(minimum_password_length=12))
    strict = PasswordPolicy(minimum_password_length=14, require_symbols=True, max_password_age=90)
    login_profiles.put_password_policy(conn, ACCOUNT, strict)
    assert login_profiles.get_password_policy(conn, ACCOUNT) == strict
    login_profiles.delete_password_policy(conn, ACCOUNT)
    with pytest.raises(NotFound):
        login_profiles.delete_password_policy(conn, ACCOUNT)


def test_audit_events_newest_first(conn: Connection) -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    for index in range(3):
        audit.record_event(
            conn,
            audit.AuditEvent(ACCOUNT, at, f"iam:Action{index}", "Allow", statements=({"sid": "S", "index": index},)),
        )
    audit.record_event(conn, audit.AuditEvent("444455556666", at, "iam:Other", "ImplicitDeny"))
    first = audit.list_events(conn, ACCOUNT, max_items=2)
    rest = audit.list_events(conn, ACCOUNT, marker=first.marker)
    assert [e.action for e in first.items + rest.items] == ["iam:Action2", "iam:Action1", "iam:Action0"]
    assert first.items[0].statements == ({"sid": "S", "index": 2},) and first.items[0].time == at
