"""Who holds an access key: the store's keys turned into a SigV4 secret and a typed caller.

Only the account's root keys resolve today. A user's key (or an inactive one) resolves to
nothing, so its requests fail with ``InvalidClientTokenId``: until the authorization gate
exists, a key that would need it is refused rather than let through (fail closed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lamina.store import NotFound, Store
from lamina.store.repositories import access_keys

__all__ = ["Caller", "ResolvedKey", "resolve_access_key", "root_caller"]

PrincipalType = Literal["Root", "IAMUser", "AssumedRole", "FederatedUser"]


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
    token_issued_at: str | None = None
    """``aws:TokenIssueTime`` (ISO 8601) for temporary credentials."""


@dataclass(frozen=True, slots=True)
class ResolvedKey:
    """An active access key's secret (for the signature check) and the caller it stands for."""

    secret: str
    caller: Caller


def root_caller(account_id: str, access_key_id: str) -> Caller:
    """The account's root user: AWS answers UserId = account id and ``arn:aws:iam::ACCT:root``."""
    return Caller(account_id, f"arn:aws:iam::{account_id}:root", "Root", account_id, access_key_id)


def resolve_access_key(store: Store, access_key_id: str) -> ResolvedKey | None:
    """The secret and caller of an active root key; None for unknown, inactive or non-root keys."""
    with store.transaction(read_only=True) as conn:
        try:
            found = access_keys.get_secret(conn, store.secret_box, access_key_id)
        except NotFound:
            return None
    key = found.key
    if key.status != "Active" or key.user_id is not None:
        return None
    return ResolvedKey(found.secret, root_caller(key.account_id, key.access_key_id))
