"""Trust policies bind the users and roles they name to unique ids; sessions know who they act for."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, text, update

from lamina.store import open_store
from lamina.store.repositories import accounts, named_principals, roles, sessions, users
from lamina.store.schema import SCHEMA_VERSION, schema_version

ACCOUNT = "111122223333"  # the conftest account
ELSEWHERE = "999988887777"  # an account the store does not hold
TRUST = named_principals.OWNER_ROLE_TRUST


def trust(*principals: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": list(principals), "Service": "lambda.amazonaws.com"},
         "Action": "sts:AssumeRole"}]})


def test_only_existing_users_and_roles_of_held_accounts_are_bound(conn: Connection) -> None:
    alice = users.create_user(conn, ACCOUNT, "alice", "/team/")
    named = [alice.arn, f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT, "*", f"arn:aws:iam::{ELSEWHERE}:user/x",
             f"arn:aws:sts::{ACCOUNT}:assumed-role/r/s", f"arn:aws:iam::{ACCOUNT}:user/alice"]  # last: wrong path
    role = roles.create_role(conn, ACCOUNT, "target", trust(*named))
    assert named_principals.recorded(conn, TRUST, role.role_id) == {alice.arn: alice.user_id}
    assert named_principals.unresolved(conn, trust(*named)) == [f"arn:aws:iam::{ACCOUNT}:user/alice"]
    assert named_principals.replacements(conn, TRUST, role.role_id) == {}
    assert named_principals.as_read(conn, TRUST, role.role_id, role.assume_role_policy) == role.assume_role_policy


def test_a_deleted_principal_reads_as_its_old_id_and_a_renamed_one_as_its_new_arn(conn: Connection) -> None:
    bob, carol = users.create_user(conn, ACCOUNT, "bob"), users.create_user(conn, ACCOUNT, "carol")
    role = roles.create_role(conn, ACCOUNT, "target", trust(bob.arn, carol.arn))
    users.delete_user(conn, ACCOUNT, "bob")
    users.create_user(conn, ACCOUNT, "bob")  # same name, new id: still not the bound principal
    users.update_user(conn, ACCOUNT, "carol", new_name="caroline")
    caroline = f"arn:aws:iam::{ACCOUNT}:user/caroline"
    assert named_principals.replacements(conn, TRUST, role.role_id) == {bob.arn: bob.user_id, carol.arn: caroline}
    shown = json.loads(named_principals.as_read(conn, TRUST, role.role_id, role.assume_role_policy))
    assert shown["Statement"][0]["Principal"] == {"AWS": [bob.user_id, caroline], "Service": "lambda.amazonaws.com"}


def test_rewriting_the_document_binds_anew_and_deleting_the_role_forgets(conn: Connection) -> None:
    bob = users.create_user(conn, ACCOUNT, "bob")
    role = roles.create_role(conn, ACCOUNT, "target", trust(bob.arn))
    users.delete_user(conn, ACCOUNT, "bob")
    again = users.create_user(conn, ACCOUNT, "bob")
    roles.update_assume_role_policy(conn, ACCOUNT, "target", trust(again.arn))
    assert named_principals.recorded(conn, TRUST, role.role_id) == {again.arn: again.user_id}
    roles.delete_role(conn, ACCOUNT, "target")
    assert named_principals.recorded(conn, TRUST, role.role_id) == {}


def test_a_role_naming_a_role_is_bound_the_same_way(conn: Connection) -> None:
    source = roles.create_role(conn, ACCOUNT, "source", trust(ACCOUNT), path="/ci/")
    target = roles.create_role(conn, ACCOUNT, "target", trust(source.arn))
    roles.delete_role(conn, ACCOUNT, "source")
    roles.create_role(conn, ACCOUNT, "source", trust(ACCOUNT), path="/ci/")
    assert named_principals.replacements(conn, TRUST, target.role_id) == {source.arn: source.role_id}


def test_unreadable_documents_name_nobody() -> None:
    assert named_principals.aws_principals("not json") == []
    assert named_principals.aws_principals('{"Statement": {"Principal": {"AWS": "123456789012"}}}') == [
        "123456789012"]
    assert named_principals.rewrite("not json", {}) == "not json"


def _spec(kind: sessions.SessionKind, source_id: str) -> sessions.SessionSpec:
    return sessions.SessionSpec(account_id=ACCOUNT, kind=kind, principal_arn="arn", principal_id=source_id,
                                source_arn="arn", source_id=source_id,
                                expires_at=datetime.now(UTC) + timedelta(hours=1))


def test_a_session_exists_only_while_its_principal_does(conn: Connection) -> None:
    alice = users.create_user(conn, ACCOUNT, "alice")
    role = roles.create_role(conn, ACCOUNT, "r", trust(ACCOUNT))
    assert sessions.source_exists(conn, _spec("session-token", alice.user_id))
    assert sessions.source_exists(conn, _spec("session-token", ACCOUNT))  # the root's own session
    assert sessions.source_exists(conn, _spec("assumed-role", role.role_id))
    users.delete_user(conn, ACCOUNT, "alice")
    roles.delete_role(conn, ACCOUNT, "r")
    users.create_user(conn, ACCOUNT, "alice")
    roles.create_role(conn, ACCOUNT, "r", trust(ACCOUNT))
    assert not sessions.source_exists(conn, _spec("session-token", alice.user_id))
    assert not sessions.source_exists(conn, _spec("assumed-role", role.role_id))


def test_a_version_1_store_is_migrated(tmp_path: Path) -> None:
    """Sessions learn their principal's id from principal_id; existing trust policies are bound."""
    store = open_store(tmp_path)
    with store.transaction() as conn:
        accounts.create_account(conn, ACCOUNT)
        bob = users.create_user(conn, ACCOUNT, "bob")
        role = roles.create_role(conn, ACCOUNT, "target", trust(bob.arn))
        issued = sessions.create_session(conn, store.secret_box, sessions.SessionSpec(
            account_id=ACCOUNT, kind="assumed-role", principal_arn="arn", principal_id=f"{role.role_id}:s",
            source_arn=role.arn, source_id=role.role_id, expires_at=datetime.now(UTC) + timedelta(hours=1)))
        # what version 1 looked like: no source_id, no bindings
        conn.execute(text("DROP TABLE named_principals"))
        conn.execute(text("ALTER TABLE sessions DROP COLUMN source_id"))
        conn.execute(update(schema_version).values(version=1))
    store.close()
    store = open_store(tmp_path)
    with store.transaction(read_only=True) as conn:
        assert conn.execute(text("SELECT version FROM schema_version")).scalar() == SCHEMA_VERSION
        assert sessions.get_session(conn, issued.session.access_key_id).spec.source_id == role.role_id
        assert named_principals.recorded(conn, TRUST, role.role_id) == {bob.arn: bob.user_id}
    store.close()
