"""Who holds an access key: the store's keys turned into a SigV4 secret and a typed caller.

Every active key resolves: the root's and IAM users' long-term ``AKIA`` keys, and the ``ASIA``
keys STS issued (role sessions from AssumeRole, GetSessionToken sessions of users and root).
Inactive and unknown keys resolve to nothing (``InvalidClientTokenId``), and so does a session
whose user or role is gone: sessions are bound to the principal's unique id, so one re-created
under the same name never revives them (AWS answers a deleted user's session the same way).
A temporary key is only
half a credential: after the signature check, :meth:`ResolvedKey.accept` demands the session's
token (compared by digest in constant time) and refuses an expired session with ``ExpiredToken``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from lamina.arn import format_arn
from lamina.auth.sigv4 import MSG_INVALID_KEY, AuthError
from lamina.store import Connection, NotFound, Store
from lamina.store.repositories import access_keys, sessions, users

__all__ = [
    "MSG_EXPIRED_TOKEN", "Caller", "ResolvedKey", "federated_user_refusal", "resolve_access_key", "root_caller",
    "session_caller", "session_token_without_mfa", "user_arn",
]

PrincipalType = Literal["Root", "IAMUser", "AssumedRole", "FederatedUser"]
MSG_EXPIRED_TOKEN = "The security token included in the request is expired"


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated principal of a request, as GetCallerIdentity and the policy engine see it."""

    account_id: str
    """The 12-digit account the principal belongs to."""
    arn: str
    """The principal's ARN (``arn:aws:iam::123456789012:root`` for the root user)."""
    principal_type: PrincipalType
    """AWS's ``aws:PrincipalType`` value: ``Root``, ``IAMUser``, ``AssumedRole`` or ``FederatedUser``."""
    user_id: str
    """AWS's ``aws:userid``: the account id for root, ``AIDA…`` for users, ``AROA…:session`` for roles."""
    access_key_id: str
    """The access key that signed the request."""
    user_name: str | None = None
    """An IAM user's name (``aws:username``); None for every other principal type."""
    role_arn: str | None = None
    """For a role session: the role's ARN with its path (``aws:PrincipalArn``)."""
    temporary: bool = False
    """True for credentials from STS (an ``ASIA`` key with a session token)."""
    mfa_present: bool | None = None
    """``aws:MultiFactorAuthPresent``: set only for temporary credentials, as AWS does."""
    mfa_authenticated_at: datetime | None = None
    """When a TOTP code was verified for the session (or the session it was chained from): the
    origin of ``aws:MultiFactorAuthAge``; None without MFA."""
    token_issued_at: str | None = None
    """``aws:TokenIssueTime`` (ISO 8601) for temporary credentials."""
    context_keys: tuple[tuple[str, str | tuple[str, ...]], ...] = ()
    """Condition keys a federated session carries (``aws:FederatedProvider``, ``<issuer>:sub``, ...)."""
    source_id: str | None = None
    """For a federated user (GetFederationToken): the unique id of the user who made it, or the
    account id for the root user; its policies are the user's, narrowed by the session's."""

    @property
    def unique_id(self) -> str | None:
        """The unique id of the IAM user or role behind the caller (``AIDA…``, ``AROA…``), which
        its policies are found by; None for the root user and federated users."""
        if self.principal_type == "IAMUser":
            return self.user_id
        if self.principal_type == "AssumedRole":
            return self.user_id.split(":", 1)[0]
        return None


@dataclass(frozen=True, slots=True)
class _SessionCheck:
    """What a temporary key still needs after its signature: the right token, before expiry."""

    secret: sessions.SessionSecret

    def check(self, token: str | None, at: datetime) -> None:
        if token is None or not self.secret.token_matches(token):
            raise AuthError("InvalidClientTokenId", MSG_INVALID_KEY)
        if self.secret.session.expired(at):
            raise AuthError("ExpiredToken", MSG_EXPIRED_TOKEN)


@dataclass(frozen=True, slots=True)
class ResolvedKey:
    """An active access key's secret (for the signature check) and the caller it stands for."""

    secret: str
    caller: Caller
    session: _SessionCheck | None = None

    def accept(self, session_token: str | None, at: datetime, service: str | None = None) -> Caller:
        """The caller, once the signed request's session token fits the key; else ``AuthError``.

        A long-term key must come without a token; a temporary one with its own, unexpired. A
        GetSessionToken session without MFA cannot call IAM (``service``): AWS answers
        InvalidClientTokenId, as for a token it does not know.
        """
        if self.session is None:
            if session_token is not None:
                raise AuthError("InvalidClientTokenId", MSG_INVALID_KEY)
        else:
            self.session.check(session_token, at)
            if service == "iam" and session_token_without_mfa(self.caller):
                raise AuthError("InvalidClientTokenId", MSG_INVALID_KEY)
        return self.caller


def session_token_without_mfa(caller: Caller) -> bool:
    """A user's or the root's GetSessionToken session issued without MFA: AWS's API reference says it
    "cannot call any IAM API operations unless MFA authentication information is included"."""
    return caller.temporary and caller.principal_type in ("IAMUser", "Root") and not caller.mfa_present


def root_caller(account_id: str, access_key_id: str) -> Caller:
    """The account's root user: AWS answers UserId = account id and ``arn:aws:iam::ACCT:root``."""
    return Caller(account_id, format_arn("iam", "", account_id, "root"), "Root", account_id, access_key_id)


def user_arn(account_id: str, path: str, name: str) -> str:
    """An IAM user's ARN, path included (``arn:aws:iam::ACCT:user/PATH/NAME``)."""
    return format_arn("iam", "", account_id, f"user{path}{name}")


def resolve_access_key(store: Store, access_key_id: str) -> ResolvedKey | None:
    """The secret and caller of an active key (root, user or STS session); None when unknown/inactive.
    Memoised in the store's read cache (any write clears it; expiry is checked at use)."""
    return store.cached(("access-key", access_key_id), lambda: _resolve(store, access_key_id))


def _resolve(store: Store, access_key_id: str) -> ResolvedKey | None:
    with store.transaction(read_only=True) as conn:
        if access_key_id.startswith("ASIA"):
            return _temporary(conn, store, access_key_id)
        return _long_term(conn, store, access_key_id)


def _long_term(conn: Connection, store: Store, access_key_id: str) -> ResolvedKey | None:
    try:
        found = access_keys.get_secret(conn, store.secret_box, access_key_id)
    except NotFound:
        return None
    key = found.key
    if key.status != "Active":
        return None
    if key.user_id is None:
        return ResolvedKey(found.secret, root_caller(key.account_id, key.access_key_id))
    try:
        user = users.get_user_by_id(conn, key.user_id)
    except NotFound:
        return None
    caller = Caller(key.account_id, user_arn(key.account_id, user.path, user.name), "IAMUser", user.user_id,
                    key.access_key_id, user_name=user.name)
    return ResolvedKey(found.secret, caller)


def _temporary(conn: Connection, store: Store, access_key_id: str) -> ResolvedKey | None:
    try:
        found = sessions.get_session_secret(conn, store.secret_box, access_key_id)
    except NotFound:
        return None
    if not sessions.source_exists(conn, found.session.spec):
        return None
    return ResolvedKey(found.secret_access_key, session_caller(found.session), _SessionCheck(found))


def session_caller(session: sessions.SessionRow) -> Caller:
    """The caller an STS session stands for: the assumed role, or the user/root of GetSessionToken.

    ``aws:MultiFactorAuthPresent`` is true only when STS verified a TOTP code for the session (or
    for the session it was chained from), false otherwise (fail closed).
    """
    spec = session.spec
    kind: PrincipalType = "IAMUser"
    user_id, user_name, role_arn = spec.principal_id, None, None
    if spec.kind == "assumed-role":
        kind, role_arn = "AssumedRole", spec.source_arn
    elif spec.kind == "federated-user":
        kind = "FederatedUser"
    elif spec.principal_arn.endswith(":root"):
        kind, user_id = "Root", spec.account_id
    else:
        user_name = spec.session_name
    context = tuple((key, value if isinstance(value, str) else tuple(value))
                    for key, value in spec.context_keys.items())
    return Caller(spec.account_id, spec.principal_arn, kind, user_id, session.access_key_id, user_name=user_name,
                  role_arn=role_arn, temporary=True, mfa_present=spec.mfa_authenticated_at is not None,
                  token_issued_at=_iso(session.created_at), mfa_authenticated_at=spec.mfa_authenticated_at,
                  context_keys=context, source_id=spec.source_id if kind == "FederatedUser" else None)


def _iso(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def federated_user_refusal(caller: Caller, service: str, operation: str) -> AuthError | None:
    """What AWS answers a federated user (GetFederationToken) outside what its credentials may call.

    AWS: they "cannot call any IAM operations using the AWS CLI or the AWS API" (answered, as for
    other session credentials IAM does not take, ``InvalidClientTokenId``) and "cannot call any STS
    operations except GetCallerIdentity" (``AccessDenied``, in the words AWS uses for
    GetFederationToken and GetSessionToken). None when the call may go on to the gate.
    """
    if caller.principal_type != "FederatedUser":
        return None
    if service == "iam":
        return AuthError("InvalidClientTokenId", MSG_INVALID_KEY)
    if service == "sts" and operation != "GetCallerIdentity":
        return AuthError("AccessDenied", f"Cannot call {operation} with session credentials", 403)
    return None
