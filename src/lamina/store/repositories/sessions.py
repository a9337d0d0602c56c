"""Temporary credentials (ASIA… keys) issued by STS, with what the gate needs to authorize them.

A session is bound to the unique id of the user, role or root it acts for (``source_id``), never
to a name: :func:`source_exists` is how authentication learns that a session's principal was
deleted, so that a new principal of the same name never inherits its predecessor's sessions.

The secret is SecretBox ciphertext; the session token is kept only as a SHA-256 digest, since
the store only ever needs to recognise it, never to show it again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, Row, select

from .. import ids
from ..crypto import SecretBox, same_secret, token_digest
from ..errors import NotFound
from ..schema import accounts, roles, sessions, users
from ._common import now
from .accounts import require_account

SessionKind = Literal["assumed-role", "federated-user", "session-token"]


@dataclass(frozen=True)
class SessionSpec:
    """What STS decided about a new session; the store adds the key, secret and token."""

    account_id: str
    kind: SessionKind
    principal_arn: str  # arn:aws:sts::ACCT:assumed-role/ROLE/SESSION, …
    principal_id: str  # AROA…:SESSION, …
    source_arn: str  # the role, user or root the session acts for
    source_id: str  # its unique id: AROA…, AIDA…, or the account id for root
    expires_at: datetime
    session_name: str | None = None
    source_identity: str | None = None
    session_policies: tuple[str, ...] = ()
    session_policy_arns: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    transitive_tag_keys: tuple[str, ...] = ()
    mfa_authenticated_at: datetime | None = None  # when a TOTP code was verified for it, or for its parent
    context_keys: Mapping[str, str | list[str]] = field(default_factory=dict)
    """Condition keys a federated session carries into every later decision (``aws:FederatedProvider``,
    ``<issuer>:sub``, ``saml:sub``...); empty for other sessions."""


@dataclass(frozen=True)
class SessionRow:
    access_key_id: str
    spec: SessionSpec
    created_at: datetime

    def expired(self, at: datetime) -> bool:
        return at >= self.spec.expires_at


@dataclass(frozen=True)
class IssuedCredentials:
    """The only time the secret and token are seen whole: AssumeRole's response."""

    session: SessionRow
    secret_access_key: str
    session_token: str


@dataclass(frozen=True)
class SessionSecret:
    session: SessionRow
    secret_access_key: str
    token_digest: str

    def token_matches(self, token: str) -> bool:
        return same_secret(token_digest(token), self.token_digest)


def create_session(conn: Connection, box: SecretBox, spec: SessionSpec) -> IssuedCredentials:
    require_account(conn, spec.account_id)
    key_id, secret, token, created = (
        ids.access_key_id(ids.TEMPORARY_KEY),
        ids.secret_access_key(),
        ids.session_token(),
        now(),
    )
    conn.execute(
        sessions.insert().values(
            access_key_id=key_id,
            account_id=spec.account_id,
            secret=box.encrypt(secret, context=key_id),
            token_digest=token_digest(token),
            kind=spec.kind,
            principal_arn=spec.principal_arn,
            principal_id=spec.principal_id,
            source_arn=spec.source_arn,
            source_id=spec.source_id,
            session_name=spec.session_name,
            source_identity=spec.source_identity,
            session_policies=json.dumps(list(spec.session_policies)),
            session_policy_arns=json.dumps(list(spec.session_policy_arns)),
            tags=json.dumps(dict(spec.tags)),
            transitive_tag_keys=json.dumps(list(spec.transitive_tag_keys)),
            mfa_authenticated_at=spec.mfa_authenticated_at,
            context_keys=json.dumps(dict(spec.context_keys)),
            created_at=created,
            expires_at=spec.expires_at,
        )
    )
    return IssuedCredentials(SessionRow(key_id, spec, created), secret, token)


def _tuple(text: str) -> tuple[str, ...]:
    values: Sequence[str] = json.loads(text)
    return tuple(values)


def _session(row: Row[Any]) -> SessionRow:
    spec = SessionSpec(
        account_id=row.account_id,
        kind=row.kind,
        principal_arn=row.principal_arn,
        principal_id=row.principal_id,
        source_arn=row.source_arn,
        source_id=row.source_id,
        expires_at=row.expires_at,
        session_name=row.session_name,
        source_identity=row.source_identity,
        session_policies=_tuple(row.session_policies),
        session_policy_arns=_tuple(row.session_policy_arns),
        tags=json.loads(row.tags),
        transitive_tag_keys=_tuple(row.transitive_tag_keys),
        mfa_authenticated_at=row.mfa_authenticated_at,
        context_keys=json.loads(row.context_keys),
    )
    return SessionRow(row.access_key_id, spec, row.created_at)


def get_session(conn: Connection, access_key_id: str) -> SessionRow:
    row = conn.execute(select(sessions).where(sessions.c.access_key_id == access_key_id)).first()
    if row is None:
        raise NotFound("session", access_key_id)
    return _session(row)


def get_session_secret(conn: Connection, box: SecretBox, access_key_id: str) -> SessionSecret:
    """The session with its decrypted secret and token digest, for SigV4; expiry is the caller's check."""
    row = conn.execute(select(sessions).where(sessions.c.access_key_id == access_key_id)).first()
    if row is None:
        raise NotFound("session", access_key_id)
    return SessionSecret(_session(row), box.decrypt(row.secret, context=access_key_id), row.token_digest)


def source_exists(conn: Connection, spec: SessionSpec) -> bool:
    """Whether the user, role or account the session acts for still exists with the same unique id."""
    if spec.kind == "assumed-role":
        query = select(roles.c.role_id).where(roles.c.role_id == spec.source_id)
    elif spec.source_id == spec.account_id:  # the root user's own session
        query = select(accounts.c.account_id).where(accounts.c.account_id == spec.source_id)
    else:
        query = select(users.c.user_id).where(users.c.user_id == spec.source_id)
    return conn.execute(query).first() is not None


def delete_expired_sessions(conn: Connection, at: datetime) -> int:
    """Forget sessions that expired before ``at``; returns how many."""
    return int(conn.execute(sessions.delete().where(sessions.c.expires_at <= at)).rowcount)
