"""The MFA condition keys as the gate builds them: absent for long-term keys, false for sessions
without MFA, true with the age in seconds for sessions STS issued after a TOTP code; and the store
migration that gives older sessions their (empty) MFA column."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text, update

from lamina.auth.credentials import Caller, session_caller
from lamina.authorization.context_keys import global_keys
from lamina.store import open_store
from lamina.store.repositories import accounts, sessions
from lamina.store.schema import SCHEMA_VERSION, schema_version

ACCT = "123456789012"
USER = Caller(ACCT, f"arn:aws:iam::{ACCT}:user/alice", "IAMUser", "AIDAALICE", "AKIAALICE", user_name="alice")
NOW = datetime(2026, 11, 30, 12, 0, 0, tzinfo=UTC)


def keys(caller: Caller) -> dict[str, object]:
    return dict(global_keys(caller, source_ip=None, region="us-east-1", secure=True, principal_tags=(), at=NOW))


def session(mfa_at: datetime | None) -> Caller:
    spec = sessions.SessionSpec(ACCT, "session-token", USER.arn, USER.user_id, USER.arn, USER.user_id,
                                NOW + timedelta(hours=1), session_name="alice", mfa_authenticated_at=mfa_at)
    return session_caller(sessions.SessionRow("ASIAALICE", spec, NOW - timedelta(minutes=10)))


def test_long_term_keys_have_no_mfa_keys_at_all() -> None:
    found = keys(USER)
    assert "aws:MultiFactorAuthPresent" not in found and "aws:MultiFactorAuthAge" not in found


def test_a_session_without_mfa_says_false_and_has_no_age() -> None:
    found = keys(session(None))
    assert found["aws:MultiFactorAuthPresent"] == "false" and "aws:MultiFactorAuthAge" not in found


def test_an_mfa_session_says_true_and_counts_seconds_since_the_code() -> None:
    found = keys(session(NOW - timedelta(minutes=10, seconds=5)))
    assert found["aws:MultiFactorAuthPresent"] == "true"
    assert found["aws:MultiFactorAuthAge"] == "605"


def test_a_version_6_store_gains_the_session_mfa_column(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    with store.transaction() as conn:  # what version 6 looked like
        conn.execute(text("DROP TABLE mfa_devices"))
        conn.execute(text("DROP TABLE sts_preferences"))
        conn.execute(text("ALTER TABLE sessions DROP COLUMN mfa_authenticated_at"))
        conn.execute(update(schema_version).values(version=6))
    store.close()
    store = open_store(tmp_path)
    with store.transaction() as conn:
        assert conn.execute(text("SELECT version FROM schema_version")).scalar() == SCHEMA_VERSION
        accounts.create_account(conn, ACCT)
        spec = sessions.SessionSpec(ACCT, "session-token", USER.arn, USER.user_id, USER.arn, USER.user_id,
                                    NOW + timedelta(hours=1), mfa_authenticated_at=NOW)
        issued = sessions.create_session(conn, store.secret_box, spec)
        assert sessions.get_session(conn, issued.session.access_key_id).spec.mfa_authenticated_at == NOW
        assert conn.execute(text("SELECT count(*) FROM mfa_devices")).scalar() == 0
    store.close()
