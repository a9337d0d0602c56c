"""Credential resolution: root and user AKIA keys, STS ASIA sessions with their token and expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lamina.auth import AuthError
from lamina.auth.credentials import resolve_access_key
from lamina.store import Store, open_store
from lamina.store.repositories import access_keys, accounts, roles, sessions, users

ACCT = "123456789012"
NOW = datetime.now(UTC)


@pytest.fixture
def store() -> Store:
    store = open_store("sqlite://")
    with store.transaction() as conn:
        accounts.create_account(conn, ACCT)
    return store


def test_root_key_resolves_to_root(store: Store) -> None:
    with store.transaction() as conn:
        issued = access_keys.create_access_key(conn, store.secret_box, ACCT, None)
    found = resolve_access_key(store, issued.key.access_key_id)
    assert found is not None and found.secret == issued.secret
    caller = found.accept(None, NOW)
    assert (caller.arn, caller.principal_type, caller.user_id) == (f"arn:aws:iam::{ACCT}:root", "Root", ACCT)


def test_user_key_resolves_to_the_user_with_its_path(store: Store) -> None:
    with store.transaction() as conn:
        user = users.create_user(conn, ACCT, "alice", "/team/")
        issued = access_keys.create_access_key(conn, store.secret_box, ACCT, "alice")
    found = resolve_access_key(store, issued.key.access_key_id)
    assert found is not None
    caller = found.accept(None, NOW)
    assert caller.arn == f"arn:aws:iam::{ACCT}:user/team/alice"
    assert (caller.principal_type, caller.user_id, caller.user_name) == ("IAMUser", user.user_id, "alice")
    assert caller.user_id.startswith("AIDA") and not caller.temporary


def test_long_term_key_with_a_token_is_refused(store: Store) -> None:
    with store.transaction() as conn:
        issued = access_keys.create_access_key(conn, store.secret_box, ACCT, None)
    found = resolve_access_key(store, issued.key.access_key_id)
    assert found is not None
    with pytest.raises(AuthError) as error:
        found.accept("some-token", NOW)
    assert error.value.code == "InvalidClientTokenId"


def test_inactive_and_unknown_keys_resolve_to_nothing(store: Store) -> None:
    with store.transaction() as conn:
        users.create_user(conn, ACCT, "bob")
        issued = access_keys.create_access_key(conn, store.secret_box, ACCT, "bob")
        access_keys.update_access_key_status(conn, ACCT, "bob", issued.key.access_key_id, "Inactive")
    assert resolve_access_key(store, issued.key.access_key_id) is None
    assert resolve_access_key(store, "AKIAUNKNOWNKEY000000") is None
    assert resolve_access_key(store, "ASIAUNKNOWNKEY000000") is None


def _role_session(store: Store, expires: datetime) -> sessions.IssuedCredentials:
    with store.transaction() as conn:
        role = roles.create_role(conn, ACCT, "deployer", "{}", path="/ci/")
        spec = sessions.SessionSpec(
            account_id=ACCT, kind="assumed-role", principal_arn=f"arn:aws:sts::{ACCT}:assumed-role/deployer/s1",
            principal_id=f"{role.role_id}:s1", source_arn=f"arn:aws:iam::{ACCT}:role/ci/deployer",
            source_id=role.role_id, expires_at=expires, session_name="s1",
        )
        return sessions.create_session(conn, store.secret_box, spec)


def test_role_session_resolves_with_its_token(store: Store) -> None:
    issued = _role_session(store, NOW + timedelta(hours=1))
    found = resolve_access_key(store, issued.session.access_key_id)
    assert found is not None and found.secret == issued.secret_access_key
    caller = found.accept(issued.session_token, NOW)
    assert caller.arn == f"arn:aws:sts::{ACCT}:assumed-role/deployer/s1"
    assert caller.principal_type == "AssumedRole" and caller.role_arn == f"arn:aws:iam::{ACCT}:role/ci/deployer"
    assert caller.user_id.startswith("AROA") and caller.user_id.endswith(":s1")
    assert caller.temporary and caller.mfa_present is False and caller.token_issued_at is not None


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_session_without_its_token_is_an_invalid_token(store: Store, token: str | None) -> None:
    issued = _role_session(store, NOW + timedelta(hours=1))
    found = resolve_access_key(store, issued.session.access_key_id)
    assert found is not None
    with pytest.raises(AuthError) as error:
        found.accept(token, NOW)
    assert (error.value.code, error.value.status) == ("InvalidClientTokenId", 403)


def test_expired_session_is_an_expired_token(store: Store) -> None:
    issued = _role_session(store, NOW - timedelta(seconds=1))
    found = resolve_access_key(store, issued.session.access_key_id)
    assert found is not None
    with pytest.raises(AuthError) as error:
        found.accept(issued.session_token, NOW)
    assert (error.value.code, error.value.status) == ("ExpiredToken", 403)
    assert error.value.message == "The security token included in the request is expired"


def test_a_session_dies_with_its_role_even_if_the_name_is_reused(store: Store) -> None:
    issued = _role_session(store, NOW + timedelta(hours=1))
    with store.transaction() as conn:
        roles.delete_role(conn, ACCT, "deployer")
        roles.create_role(conn, ACCT, "deployer", "{}", path="/ci/")
    assert resolve_access_key(store, issued.session.access_key_id) is None  # InvalidClientTokenId


def test_a_users_session_dies_with_the_user_even_if_the_name_is_reused(store: Store) -> None:
    with store.transaction() as conn:
        alice = users.create_user(conn, ACCT, "alice")
        issued = sessions.create_session(conn, store.secret_box, sessions.SessionSpec(
            account_id=ACCT, kind="session-token", principal_arn=alice.arn, principal_id=alice.user_id,
            source_arn=alice.arn, source_id=alice.user_id, expires_at=NOW + timedelta(hours=1), session_name="alice"))
    found = resolve_access_key(store, issued.session.access_key_id)
    assert found is not None and found.accept(issued.session_token, NOW).unique_id == alice.user_id
    with store.transaction() as conn:
        users.delete_user(conn, ACCT, "alice")
        users.create_user(conn, ACCT, "alice")
    assert resolve_access_key(store, issued.session.access_key_id) is None
