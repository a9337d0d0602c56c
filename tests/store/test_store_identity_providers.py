"""The identity provider tables: OIDC and SAML providers by ARN, their tags, the outbound setting,
and a version 6 store (before them) brought up to date with its sessions intact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text, update

from lamina.store import AlreadyExists, NotFound, open_store
from lamina.store.repositories import accounts, identity_providers, sessions, tags
from lamina.store.schema import SCHEMA_VERSION, schema_version

ACCOUNT = "123456789012"
OIDC_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/issuer.example.com"
SAML_ARN = f"arn:aws:iam::{ACCOUNT}:saml-provider/corp"


def test_providers_round_trip_and_take_their_tags_with_them(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    with store.transaction() as conn:
        accounts.create_account(conn, ACCOUNT)
        made = identity_providers.create_oidc_provider(conn, ACCOUNT, OIDC_ARN, "issuer.example.com", ["a", "a", "b"],
                                                       [])
        assert made.client_ids == ("a", "b")
        with pytest.raises(AlreadyExists):
            identity_providers.create_oidc_provider(conn, ACCOUNT, OIDC_ARN, "issuer.example.com", [], [])
        tags.tag_resource(conn, ACCOUNT, identity_providers.OIDC_KIND, OIDC_ARN, {"k": "v"})
        identity_providers.set_client_ids(conn, OIDC_ARN, ["c"])
        assert identity_providers.get_oidc_provider(conn, OIDC_ARN).client_ids == ("c",)
        identity_providers.delete_oidc_provider(conn, OIDC_ARN)
        assert tags.all_tags(conn, identity_providers.OIDC_KIND, OIDC_ARN) == {}
        with pytest.raises(NotFound):
            identity_providers.get_oidc_provider(conn, OIDC_ARN)
        until = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
        identity_providers.create_saml_provider(conn, ACCOUNT, SAML_ARN, "corp", "<md/>", until)
        assert [p.arn for p in identity_providers.list_saml_providers(conn, ACCOUNT)] == [SAML_ARN]
        assert identity_providers.get_saml_provider(conn, SAML_ARN).valid_until == until
    store.close()


def test_the_outbound_setting_keeps_its_issuer_and_encrypts_its_keys(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    with store.transaction() as conn:
        accounts.create_account(conn, ACCOUNT)
        first = identity_providers.set_outbound(conn, store.secret_box, ACCOUNT, True, lambda: {"RS256": "secret-pem"})
        again = identity_providers.set_outbound(conn, store.secret_box, ACCOUNT, False, lambda: {"RS256": "other"})
        assert (again.issuer_id, again.signing_keys, again.enabled) == (first.issuer_id, {"RS256": "secret-pem"}, False)
        assert identity_providers.find_outbound_issuer(conn, store.secret_box, first.issuer_id) is None  # disabled
        raw = conn.execute(text("SELECT signing_keys FROM outbound_web_identity")).scalar()
        assert b"secret-pem" not in raw
    store.close()


def test_a_version_6_store_gets_the_provider_tables_and_session_context(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    with store.transaction() as conn:
        accounts.create_account(conn, ACCOUNT)
        for table in ("oidc_providers", "saml_providers", "outbound_web_identity"):  # what version 6 looked like
            conn.execute(text(f"DROP TABLE {table}"))
        conn.execute(text("ALTER TABLE sessions DROP COLUMN context_keys"))
        conn.execute(update(schema_version).values(version=6))
    store.close()
    store = open_store(tmp_path)
    with store.transaction() as conn:
        assert conn.execute(text("SELECT version FROM schema_version")).scalar() == SCHEMA_VERSION
        identity_providers.create_oidc_provider(conn, ACCOUNT, OIDC_ARN, "issuer.example.com", [], [])
        spec = sessions.SessionSpec(ACCOUNT, "assumed-role", "arn", "AROA:x", "arn", "AROA",
                                    datetime.now(UTC) + timedelta(hours=1), context_keys={"saml:sub": "alice"})
        issued = sessions.create_session(conn, store.secret_box, spec)
        assert sessions.get_session(conn, issued.session.access_key_id).spec.context_keys == {"saml:sub": "alice"}
    store.close()
